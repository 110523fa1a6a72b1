/**
 * The locks gate's static rules, one per file: what the parsed statement and the pre-PR catalog
 * decide on their own (index builds, constraints, NOT NULL, domains, enums, transaction control),
 * and dropping or renaming what existed before the PR and the types of the columns it adds.
 */
import type { Finding } from '../../../core/model.js';
import type { StatementContext } from '../context.js';
import { notNullColumnWithoutDefault } from './add-not-null-column-without-default.js';
import { columnTypes } from './column-types.js';
import { constraintIndexInPlace } from './constraint-index-in-place.js';
import { constraintWithoutNotValid } from './constraint-without-not-valid.js';
import { dropDatabase, nonConcurrentRefresh } from './database-objects.js';
import { alterDomainConstraint, createDomainWithCheck } from './domain-constraints.js';
import { dropNotNull } from './drop-not-null.js';
import { drops } from './drop-existing-object.js';
import { enumValues } from './enum-values.js';
import { identifierTooLong } from './identifier-too-long.js';
import { nonConcurrentDetach } from './non-concurrent-detach.js';
import { nonConcurrentIndex } from './non-concurrent-index.js';
import { primaryKeySetsNotNull } from './primary-key-sets-not-null.js';
import { renames } from './rename-existing-object.js';
import { setNotNull } from './set-not-null-scan.js';
import { transactionNesting, uncommittedTransaction } from './transaction-control.js';
import { unbatchedBackfill } from './unbatched-backfill.js';
import { validateInSameTransaction } from './validate-in-same-transaction.js';

export const STATIC_RULES: Array<(sc: StatementContext) => Finding[]> = [
  nonConcurrentIndex,
  nonConcurrentDetach,
  nonConcurrentRefresh,
  constraintWithoutNotValid,
  validateInSameTransaction,
  setNotNull,
  primaryKeySetsNotNull,
  dropNotNull,
  constraintIndexInPlace,
  notNullColumnWithoutDefault,
  alterDomainConstraint,
  createDomainWithCheck,
  enumValues,
  transactionNesting,
  uncommittedTransaction,
  identifierTooLong,
  unbatchedBackfill,
];

export const OBJECT_RULES: Array<(sc: StatementContext) => Finding[]> = [
  drops,
  renames,
  dropDatabase,
  columnTypes,
];
