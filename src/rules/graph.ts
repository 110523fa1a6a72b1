/**
 * The graph gate's rules, and those of the migration set that discovery finds while reading it
 * (Alembic revision graph, Drizzle journal): their findings are the graph gate's.
 */
import { defineRules } from './rule.js';

export const GRAPH = defineRules('graph', {
  fkCycle: {
    id: 'fk-cycle',
    severity: 'blocker',
    otherSeverities: {
      warning:
        'when every foreign key of the cycle is `DEFERRABLE`, or one is nullable with ON DELETE SET NULL or CASCADE',
    },
    title: 'Foreign keys form a cycle between tables',
  },
  usedBeforeCreated: {
    id: 'used-before-created',
    severity: 'blocker',
    title: 'A statement uses an object that only a later migration creates',
  },
  duplicateVersion: {
    id: 'duplicate-version',
    severity: 'blocker',
    title: 'Two migrations share one version',
  },
  outOfOrder: {
    id: 'out-of-order',
    severity: 'blocker',
    otherSeverities: { warning: 'under Flyway `outOfOrder=true`' },
    title: 'A new migration sorts before the newest merged one',
  },
  mergedEdited: {
    id: 'merged-migration-edited',
    severity: 'blocker',
    otherSeverities: { warning: 'when only the down changed' },
    title: 'A migration production already ran was edited',
  },
  mergedRemoved: {
    id: 'merged-migration-removed',
    severity: 'blocker',
    title: 'A migration production already ran was deleted',
  },
  orphanDown: {
    id: 'orphan-down',
    severity: 'blocker',
    title: 'A down migration has no up migration of the same version',
  },
  unpairedUp: {
    id: 'unpaired-up',
    severity: 'warning',
    title: "An up migration's down sits under another version (the pair was renumbered halfway)",
  },
  fkWithoutIndex: {
    id: 'fk-without-index',
    severity: 'warning',
    title:
      'A foreign key the PR adds, or whose index the PR drops, has no index on its referencing columns',
  },
  dropWithDependents: {
    id: 'drop-with-dependents',
    severity: 'blocker',
    title: 'A dropped index or constraint is one other objects depend on',
  },
  usingIndexInvalid: {
    id: 'using-index-invalid',
    severity: 'blocker',
    title: 'ADD CONSTRAINT … USING INDEX names an index that is missing or invalid',
  },
  multipleHeads: {
    id: 'alembic-multiple-heads',
    severity: 'blocker',
    title: 'The Alembic revision graph has more than one head',
  },
  missingParent: {
    id: 'alembic-missing-parent',
    severity: 'blocker',
    title: 'An Alembic revision names a down_revision that does not exist',
  },
  alembicCycle: {
    id: 'alembic-cycle',
    severity: 'blocker',
    title: 'Alembic revisions form a cycle through their down_revision',
  },
  alembicDuplicateRevision: {
    id: 'alembic-duplicate-revision',
    severity: 'blocker',
    title: 'Two Alembic revision files declare one revision id',
  },
  drizzleJournalMissingFile: {
    id: 'drizzle-journal-missing-file',
    severity: 'blocker',
    title: 'A Drizzle journal entry has no migration file',
  },
  drizzleFileNotInJournal: {
    id: 'drizzle-file-not-in-journal',
    severity: 'warning',
    title: 'A Drizzle migration file is not in the journal, so it never runs',
  },
});
