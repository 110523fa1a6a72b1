/** The rollback gate's rules. */
import { defineRules } from './rule.js';

export const ROLLBACK = defineRules('rollback', {
  incomplete: {
    id: 'rollback-incomplete',
    severity: 'blocker',
    title:
      'Up then down does not restore the catalog: objects are left over, missing or changed (sequence, type, index, function, trigger, policy, default, grant).',
  },
  downFailed: {
    id: 'down-failed',
    severity: 'blocker',
    title:
      'A down migration fails after its up, or while rolling back the added migrations in reverse order.',
  },
  reapplyFailed: {
    id: 'reapply-failed',
    severity: 'blocker',
    title: 'An up migration fails when applied again after its down (up → down → up).',
  },
  dataLoss: {
    id: 'down-loses-data',
    severity: 'blocker',
    otherSeverities: {
      warning: "when the up's own DROP TABLE, DROP COLUMN, TRUNCATE or DELETE lost the data",
    },
    title: 'Rows of tables that existed before the up are lost or changed after up then down.',
  },
  missingDown: {
    id: 'missing-down',
    severity: 'warning',
    otherSeverities: { blocker: 'with `rollback: { missingDown: blocker }`' },
    title: 'An added migration has no down migration, so it cannot be rolled back.',
  },
  noDowns: {
    id: 'no-down-migrations',
    severity: 'notice',
    title: 'The migration format has no down migrations; rollback is not verified.',
  },
});
