import type { Finding, Format } from '../../core/model.js';
import {
  alterCmds,
  astOf,
  constraintsOf,
  hasOption,
  listName,
  rangeVar,
  relationOf,
  typeNameOf,
  unwrap,
} from '../../sql/ast.js';
import { joinQualified, plainName } from '../../sql/names.js';
import { at, type StatementContext } from './context.js';
import { LOCK_RULES as R } from './rules.js';

/** Rules the parsed statement and the pre-PR catalog decide on their own. */

/** How to run a statement outside a transaction with each migration tool. */
export function outsideTransactionHint(format: Format): string {
  switch (format) {
    case 'golang-migrate':
      return 'put it alone in its own migration file (golang-migrate runs a single-statement file without a transaction block)';
    case 'goose':
      return 'add `-- +goose NO TRANSACTION` to that migration and keep it free of other statements';
    case 'dbmate':
      return 'put it alone in a migration whose section says `-- migrate:up transaction:false` (dbmate sends a section as one string, which Postgres runs as one transaction when it holds several statements)';
    case 'flyway':
      return 'set `executeInTransaction=false` in the script configuration file of that migration';
    default:
      return 'run it in a migration that the tool does not wrap in a transaction';
  }
}

function nonConcurrentIndex(sc: StatementContext): Finding[] {
  const { stmt, scope } = sc;
  const severity = sc.settings.nonConcurrentIndex;
  const help = `Use the CONCURRENTLY form and ${outsideTransactionHint(sc.migration.format)}.`;
  const index = astOf(stmt, 'IndexStmt');
  if (index && !index.concurrent) {
    const table = scope.table(rangeVar(index.relation));
    if (!table) return [];
    const name = index.idxname ? `${index.idxname} ` : '';
    const unique = index.unique ? 'UNIQUE ' : '';
    const message = `CREATE ${unique}INDEX ${name}on pre-existing table ${plainName(table)} without CONCURRENTLY holds a SHARE lock for the whole build: every INSERT, UPDATE and DELETE on ${plainName(table)} waits.`;
    return [at(sc, R.nonConcurrentIndex, message, help, { severity })];
  }
  const drop = astOf(stmt, 'DropStmt');
  if (drop?.removeType === 'OBJECT_INDEX' && !drop.concurrent) {
    return (drop.objects ?? []).flatMap((o) => {
      const index = scope.index(listName(o));
      if (!index) return [];
      const table = plainName(scope.tableOfIndex(index) ?? '');
      const message = `DROP INDEX ${plainName(index)} without CONCURRENTLY takes ACCESS EXCLUSIVE on pre-existing table ${table}: every read and write of ${table} waits.`;
      return [at(sc, R.nonConcurrentIndex, message, help, { severity })];
    });
  }
  const a = astOf(stmt, 'ReindexStmt');
  if (a && !hasOption(a.params, 'concurrently')) {
    const target = rangeVar(a.relation);
    const table =
      a.kind === 'REINDEX_OBJECT_INDEX'
        ? scope.tableOfIndex(scope.index(target) ?? '')
        : scope.table(target);
    if (target && !table) return [];
    const what = target
      ? `${a.kind === 'REINDEX_OBJECT_INDEX' ? 'INDEX' : 'TABLE'} ${joinQualified(target)}`
      : `${String(a.kind).replace('REINDEX_OBJECT_', '')} ${a.name ?? ''}`.trim();
    const message = `REINDEX ${what} without CONCURRENTLY blocks writes to ${table ? plainName(table) : 'the tables it covers'} and reads that use the index while it rebuilds.`;
    return [at(sc, R.nonConcurrentIndex, message, help, { severity })];
  }
  return [];
}

function nonConcurrentDetach(sc: StatementContext): Finding[] {
  const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt)
    .filter((c) => c.subtype === 'AT_DetachPartition' && !unwrap(c.def, 'PartitionCmd')?.concurrent)
    .map((c) => {
      const part = joinQualified(rangeVar(unwrap(c.def, 'PartitionCmd')?.name) ?? { name: '?' });
      const message = `DETACH PARTITION ${part} without CONCURRENTLY takes ACCESS EXCLUSIVE on pre-existing table ${plainName(table)}: every query on it waits.`;
      const help = `Use DETACH PARTITION ... CONCURRENTLY (Postgres 14+) and ${outsideTransactionHint(sc.migration.format)}.`;
      return at(sc, R.nonConcurrentDetach, message, help, {
        severity: sc.settings.nonConcurrentIndex,
      });
    });
}

function constraintWithoutNotValid(sc: StatementContext): Finding[] {
  const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt).flatMap((cmd) => {
    const c = unwrap(cmd.def, 'Constraint');
    if (cmd.subtype !== 'AT_AddConstraint' || c?.skip_validation) return [];
    if (c?.contype !== 'CONSTR_FOREIGN' && c?.contype !== 'CONSTR_CHECK') return [];
    const fk = c.contype === 'CONSTR_FOREIGN';
    const name = c.conname ? `${c.conname} ` : '';
    const lock = fk
      ? 'SHARE ROW EXCLUSIVE (writes wait)'
      : 'ACCESS EXCLUSIVE (reads and writes wait)';
    const message = `ADD CONSTRAINT ${name}${fk ? 'FOREIGN KEY' : 'CHECK'} on pre-existing table ${plainName(table)} without NOT VALID checks every existing row while holding ${lock}.`;
    const help = `Add the constraint with NOT VALID, then run \`ALTER TABLE ${plainName(table)} VALIDATE CONSTRAINT ${c.conname ?? '<name>'}\` in a later migration; VALIDATE only takes SHARE UPDATE EXCLUSIVE.`;
    return [at(sc, R.constraintWithoutNotValid, message, help)];
  });
}

function setNotNull(sc: StatementContext): Finding[] {
  const { scope } = sc;
  const table = scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt)
    .filter((c) => c.subtype === 'AT_SetNotNull' && c.name)
    .filter((c) => scope.hasColumn(table, c.name!) && !scope.isNotNull(table, c.name!))
    .filter((c) => !scope.hasValidatedNotNullCheck(table, c.name!))
    .map((c) => {
      const t = plainName(table);
      const message = `SET NOT NULL on ${t}.${c.name} scans the whole pre-existing table under ACCESS EXCLUSIVE to prove there is no NULL.`;
      const help = `First add \`CHECK (${c.name} IS NOT NULL) NOT VALID\` and VALIDATE it in a later migration; SET NOT NULL then uses the validated check and skips the scan (drop the check afterwards).`;
      return at(sc, R.setNotNull, message, help);
    });
}

function constraintIndexInPlace(sc: StatementContext): Finding[] {
  const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt).flatMap((cmd) => {
    const c = unwrap(cmd.def, 'Constraint');
    if (cmd.subtype !== 'AT_AddConstraint' || !c) return [];
    const kinds: Record<string, string> = {
      CONSTR_UNIQUE: 'UNIQUE',
      CONSTR_PRIMARY: 'PRIMARY KEY',
      CONSTR_EXCLUSION: 'EXCLUDE',
    };
    const kind = kinds[c.contype ?? ''];
    if (!kind || c.indexname) return [];
    const name = c.conname ? `${c.conname} ` : '';
    const message = `ADD CONSTRAINT ${name}${kind} on pre-existing table ${plainName(table)} builds its index in place under ACCESS EXCLUSIVE: every query on ${plainName(table)} waits for the build.`;
    const help =
      kind === 'EXCLUDE'
        ? 'An EXCLUDE constraint cannot use an existing index; add it while the table is small, or enforce the rule another way.'
        : `Build the index first with CREATE UNIQUE INDEX CONCURRENTLY, then \`ALTER TABLE ${plainName(table)} ADD CONSTRAINT ... ${kind} USING INDEX <index>\`.`;
    return [at(sc, R.constraintIndexInPlace, message, help)];
  });
}

const SERIALS = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

function notNullColumnWithoutDefault(sc: StatementContext): Finding[] {
  const table = sc.scope.table(rangeVar(relationOf(sc.stmt)));
  if (!table) return [];
  return alterCmds(sc.stmt).flatMap((cmd) => {
    const col = unwrap(cmd.def, 'ColumnDef');
    if (cmd.subtype !== 'AT_AddColumn' || !col) return [];
    const kinds = constraintsOf(col).map((c) => c.contype);
    const required = kinds.includes('CONSTR_NOTNULL') || kinds.includes('CONSTR_PRIMARY');
    const filled = (['CONSTR_DEFAULT', 'CONSTR_IDENTITY', 'CONSTR_GENERATED'] as const).some((k) =>
      kinds.includes(k),
    );
    if (!required || filled || SERIALS.has(typeNameOf(col))) return [];
    const message = `ADD COLUMN ${col.colname} NOT NULL without a default on pre-existing table ${plainName(table)} fails as soon as the table has a row.`;
    const help = `Add the column with a constant DEFAULT (no rewrite since Postgres 11), or add it nullable, backfill in batches, then enforce NOT NULL through a validated CHECK.`;
    return [at(sc, R.notNullColumn, message, help)];
  });
}

export const STATIC_RULES: Array<(sc: StatementContext) => Finding[]> = [
  nonConcurrentIndex,
  nonConcurrentDetach,
  constraintWithoutNotValid,
  setNotNull,
  constraintIndexInPlace,
  notNullColumnWithoutDefault,
];
