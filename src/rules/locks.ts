/** The locks gate's rules. */
import { defineRules } from './rule.js';

export const LOCKS = defineRules('locks', {
  tableRewrite: {
    id: 'table-rewrite',
    severity: 'blocker',
    title:
      'A statement rewrites a pre-existing table or rebuilds its indexes under ACCESS EXCLUSIVE.',
  },
  exclusiveLockHeld: {
    id: 'exclusive-lock-held',
    severity: 'warning',
    title:
      'ACCESS EXCLUSIVE on a pre-existing table is held while the same transaction backfills, scans, builds an index or waits for another table.',
  },
  nonConcurrentIndex: {
    id: 'non-concurrent-index',
    severity: 'warning',
    title: 'CREATE INDEX, DROP INDEX or REINDEX without CONCURRENTLY on a pre-existing table.',
  },
  defaultPartitionScan: {
    id: 'partition-default-scan',
    severity: 'warning',
    title:
      'A new partition makes Postgres scan the pre-existing DEFAULT partition under ACCESS EXCLUSIVE.',
  },
  nonConcurrentDetach: {
    id: 'non-concurrent-detach',
    severity: 'warning',
    title: 'DETACH PARTITION without CONCURRENTLY on a pre-existing partitioned table.',
  },
  constraintWithoutNotValid: {
    id: 'constraint-without-not-valid',
    severity: 'warning',
    title:
      'A FOREIGN KEY or CHECK added to a pre-existing table without NOT VALID scans it under lock.',
  },
  setNotNull: {
    id: 'set-not-null-scan',
    severity: 'warning',
    title: 'SET NOT NULL on a pre-existing column without a validated CHECK (col IS NOT NULL).',
  },
  constraintIndexInPlace: {
    id: 'constraint-index-in-place',
    severity: 'warning',
    title:
      'A UNIQUE, PRIMARY KEY or EXCLUDE constraint builds its index in place instead of USING INDEX.',
  },
  notNullColumn: {
    id: 'add-not-null-column-without-default',
    severity: 'blocker',
    title: 'A NOT NULL column without a default is added to a pre-existing table.',
  },
  dropExisting: {
    id: 'drop-existing-object',
    severity: 'warning',
    title: 'A table or column that existed before the PR is dropped (or a table truncated).',
  },
  renameExisting: {
    id: 'rename-existing-object',
    severity: 'warning',
    title: 'A table or column that existed before the PR is renamed.',
  },
  concurrentlyInTransaction: {
    id: 'concurrently-in-transaction',
    severity: 'blocker',
    title: 'A CONCURRENTLY statement sits in a file the migration tool runs in a transaction.',
  },
  missingLockTimeout: {
    id: 'missing-lock-timeout',
    severity: 'warning',
    title:
      'A lock that blocks writes (SHARE or stronger) is requested on a pre-existing table without a lock_timeout set first.',
  },
  multipleExclusiveLocks: {
    id: 'multiple-exclusive-locks',
    severity: 'warning',
    title: 'One transaction holds ACCESS EXCLUSIVE on several pre-existing tables.',
  },
  enumValueInTransaction: {
    id: 'enum-value-in-transaction',
    severity: 'blocker',
    title: 'An enum value added by ALTER TYPE ... ADD VALUE is used in the same transaction.',
  },
  refusedInTransaction: {
    id: 'refused-in-transaction',
    severity: 'blocker',
    title: 'A statement Postgres refuses inside a transaction block runs in one.',
  },
  jsonColumn: {
    id: 'json-column',
    severity: 'notice',
    title: 'A new table has a json column; jsonb supports indexing and equality.',
  },
  intPrimaryKey: {
    id: 'int-primary-key',
    severity: 'notice',
    title: 'A new table has a 32-bit serial/integer primary key that can run out.',
  },
});
