import type { RuleMeta } from '../gate.js';

/** The rollback gate's rules; ids are stable (config `rules:` and ignore comments use them). */
export const RULES = {
  incomplete: {
    id: 'rollback-incomplete',
    severity: 'blocker',
    summary:
      'Up then down does not restore the catalog: objects are left over, missing or changed (sequence, type, index, function, trigger, policy, default, grant).',
  },
  downFailed: {
    id: 'down-failed',
    severity: 'blocker',
    summary:
      'A down migration fails after its up, or while rolling back the added migrations in reverse order.',
  },
  reapplyFailed: {
    id: 'reapply-failed',
    severity: 'blocker',
    summary: 'An up migration fails when applied again after its down (up → down → up).',
  },
  dataLoss: {
    id: 'down-loses-data',
    severity: 'blocker',
    summary: 'Rows of tables that existed before the up are lost or changed after up then down.',
  },
  missingDown: {
    id: 'missing-down',
    severity: 'warning',
    summary: 'An added migration has no down migration, so it cannot be rolled back.',
  },
  noDowns: {
    id: 'no-down-migrations',
    severity: 'notice',
    summary: 'The migration format has no down migrations; rollback is not verified.',
  },
} satisfies Record<string, RuleMeta>;
