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
    severity: 'blocker',
    otherSeverities: {
      warning:
        'when the work under the lock is only a wait for ACCESS EXCLUSIVE on another pre-existing table',
    },
    title:
      'ACCESS EXCLUSIVE on a pre-existing table is held while the same transaction backfills, scans, builds an index, rewrites a table or waits for another table.',
  },
  nonConcurrentIndex: {
    id: 'non-concurrent-index',
    severity: 'warning',
    otherSeverities: { blocker: 'with `locks: { nonConcurrentIndex: blocker }`' },
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
    otherSeverities: { blocker: 'with `locks: { nonConcurrentIndex: blocker }`' },
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
    title: 'A table, column or schema that existed before the PR is renamed.',
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
    severity: 'warning',
    title: 'A column the PR adds is json; jsonb supports indexing and equality.',
  },
  intPrimaryKey: {
    id: 'int-primary-key',
    severity: 'warning',
    title: 'A primary key the PR adds is a 32-bit serial/integer column that can run out.',
  },
  alterDomainConstraint: {
    id: 'alter-domain-add-constraint',
    severity: 'warning',
    title:
      'ALTER DOMAIN ... ADD CONSTRAINT (or SET NOT NULL) scans every pre-existing column of the domain under lock.',
  },
  domainWithCheck: {
    id: 'create-domain-with-check',
    severity: 'warning',
    title: 'CREATE DOMAIN with a CHECK constraint, which every later change must revalidate.',
  },
  enumValueRenamed: {
    id: 'enum-value-renamed',
    severity: 'warning',
    title: 'ALTER TYPE ... RENAME VALUE renames a value of a pre-existing enum.',
  },
  enumValueAppended: {
    id: 'enum-value-appended',
    severity: 'notice',
    title: 'ALTER TYPE ... ADD VALUE on a pre-existing enum without BEFORE or AFTER.',
  },
  dropNotNull: {
    id: 'drop-not-null',
    severity: 'warning',
    title: 'DROP NOT NULL on a column that was NOT NULL before the PR.',
  },
  charColumn: {
    id: 'char-column',
    severity: 'warning',
    title: 'A column the PR adds is char(n).',
  },
  varcharLength: {
    id: 'varchar-length',
    severity: 'warning',
    title: 'A column the PR adds is varchar(n).',
  },
  timestampWithoutTimeZone: {
    id: 'timestamp-without-time-zone',
    severity: 'warning',
    title: 'A column the PR adds is timestamp without time zone.',
  },
  serialColumn: {
    id: 'serial-column',
    severity: 'warning',
    title: 'A column the PR adds is serial/bigserial where an identity column fits.',
  },
  transactionNesting: {
    id: 'transaction-nesting',
    severity: 'warning',
    title: "BEGIN inside a transaction that is already open (the migration tool's or its own).",
  },
  uncommittedTransaction: {
    id: 'uncommitted-transaction',
    severity: 'warning',
    title: 'A migration opens a transaction with BEGIN and never commits it.',
  },
  primaryKeySetsNotNull: {
    id: 'primary-key-sets-not-null',
    severity: 'warning',
    title:
      'ADD PRIMARY KEY USING INDEX on nullable columns of a pre-existing table scans it under ACCESS EXCLUSIVE.',
  },
  dropDatabase: {
    id: 'drop-database',
    severity: 'blocker',
    title: 'A migration drops a database.',
  },
  alterTableNotCombined: {
    id: 'alter-table-not-combined',
    severity: 'warning',
    title:
      'Several ALTER TABLE statements of one migration take ACCESS EXCLUSIVE on the same pre-existing table, each queuing for it again.',
  },
  identifierTooLong: {
    id: 'identifier-too-long',
    severity: 'warning',
    title: 'An identifier is longer than 63 bytes, so Postgres silently truncates it.',
  },
  validateInSameTransaction: {
    id: 'validate-in-same-transaction',
    severity: 'warning',
    title:
      'VALIDATE CONSTRAINT runs in the transaction that added the constraint NOT VALID, so its lock is held for the scan.',
  },
  unbatchedBackfill: {
    id: 'unbatched-backfill',
    severity: 'warning',
    title:
      'An UPDATE or DELETE without WHERE changes every row of a pre-existing table in one statement.',
  },
  nonConcurrentRefresh: {
    id: 'non-concurrent-refresh',
    severity: 'warning',
    title: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY on a pre-existing materialized view.',
  },
});
