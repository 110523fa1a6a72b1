/**
 * The locks gate's static rules, one per file: what the parsed statement and the pre-PR catalog
 * decide on their own (index builds, constraints, NOT NULL), and dropping or renaming what existed
 * before the PR and the shape of the tables it adds.
 */
import type { Finding } from '../../../core/model.js';
import type { StatementContext } from '../context.js';
import { notNullColumnWithoutDefault } from './add-not-null-column-without-default.js';
import { constraintIndexInPlace } from './constraint-index-in-place.js';
import { constraintWithoutNotValid } from './constraint-without-not-valid.js';
import { drops } from './drop-existing-object.js';
import { newTableShape } from './new-table-shape.js';
import { nonConcurrentDetach } from './non-concurrent-detach.js';
import { nonConcurrentIndex } from './non-concurrent-index.js';
import { renames } from './rename-existing-object.js';
import { setNotNull } from './set-not-null-scan.js';

export const STATIC_RULES: Array<(sc: StatementContext) => Finding[]> = [
  nonConcurrentIndex,
  nonConcurrentDetach,
  constraintWithoutNotValid,
  setNotNull,
  constraintIndexInPlace,
  notNullColumnWithoutDefault,
];

export const OBJECT_RULES: Array<(sc: StatementContext) => Finding[]> = [
  drops,
  renames,
  newTableShape,
];
