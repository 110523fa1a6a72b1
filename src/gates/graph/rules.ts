import type { RuleMeta } from '../gate.js';

/** The graph gate's rules; the ids are stable (config, ignores and docs refer to them). */
export const RULES = {
  fkCycle: {
    id: 'fk-cycle',
    severity: 'blocker',
    summary: 'Foreign keys form a cycle between tables (a warning when every edge is DEFERRABLE)',
  },
  usedBeforeCreated: {
    id: 'used-before-created',
    severity: 'blocker',
    summary: 'A statement uses an object that only a later migration creates',
  },
  duplicateVersion: {
    id: 'duplicate-version',
    severity: 'blocker',
    summary: 'Two migrations share one version',
  },
  outOfOrder: {
    id: 'out-of-order',
    severity: 'blocker',
    summary: 'A new migration sorts before the newest merged one',
  },
  mergedEdited: {
    id: 'merged-migration-edited',
    severity: 'blocker',
    summary: 'A migration production already ran was edited',
  },
  mergedRemoved: {
    id: 'merged-migration-removed',
    severity: 'blocker',
    summary: 'A migration production already ran was deleted',
  },
  orphanDown: {
    id: 'orphan-down',
    severity: 'blocker',
    summary: 'A down migration has no up migration of the same version',
  },
  unpairedUp: {
    id: 'unpaired-up',
    severity: 'warning',
    summary: "An up migration's down sits under another version (the pair was renumbered halfway)",
  },
  fkWithoutIndex: {
    id: 'fk-without-index',
    severity: 'warning',
    summary: 'A new foreign key has no index on its referencing columns',
  },
  dropWithDependents: {
    id: 'drop-with-dependents',
    severity: 'blocker',
    summary: 'A dropped index or constraint is one other objects depend on',
  },
  usingIndexInvalid: {
    id: 'using-index-invalid',
    severity: 'blocker',
    summary: 'ADD CONSTRAINT … USING INDEX names an index that is missing or invalid',
  },
  multipleHeads: {
    id: 'alembic-multiple-heads',
    severity: 'blocker',
    summary: 'The Alembic revision graph has more than one head',
  },
  missingParent: {
    id: 'alembic-missing-parent',
    severity: 'blocker',
    summary: 'An Alembic revision names a down_revision that does not exist',
  },
} satisfies Record<string, RuleMeta>;

export const GATE_ID = 'graph' as const;
