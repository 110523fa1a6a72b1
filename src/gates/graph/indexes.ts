/**
 * Index dependencies: new foreign keys without a supporting index, drops that break (or
 * cascade through) what depends on an index or constraint, and constraints adopting an index
 * that is missing or invalid.
 */
import type { CatalogSnapshot, ConstraintInfo, IndexInfo } from '../../catalog/types.js';
import type { Finding } from '../../core/model.js';
import type { GateContext } from '../gate.js';
import { indexCovers } from './algorithms.js';
import { quoteIdentIfNeeded } from '../../sql/ident.js';
import { escapeRegExp } from '../../core/regexp.js';
import { bareName } from '../../sql/names.js';
import { astOf } from '../../sql/ast.js';
import {
  foreignKeysAdded,
  indexesAdopted,
  indexesAndConstraintsDropped,
  objectsCreated,
} from './ast.js';
import { displayTable, prStatements, snapshots, type PlacedStatement } from './context.js';
import { GRAPH, finding } from '../../rules/index.js';

const constraintKey = (c: ConstraintInfo) => `${c.table}|${c.name}`;
const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

type Where = Pick<Finding, 'file' | 'line' | 'endLine'>;

function at(placed: PlacedStatement | undefined, ctx: GateContext): Where {
  if (placed)
    return {
      file: placed.statement.file,
      line: placed.statement.line,
      endLine: placed.statement.endLine,
    };
  return { file: ctx.plan.added[0]?.file, line: ctx.plan.added[0] ? 1 : undefined };
}

/**
 * The names a table had during the PR, newest first: a statement names the table as it was
 * called when the statement ran, before a later `ALTER TABLE … RENAME TO`.
 */
function namesDuringThePr(table: string, statements: PlacedStatement[]): Set<string> {
  const names = new Set([bareName(table)]);
  for (const s of [...statements].reverse()) {
    const rename = astOf(s.statement, 'RenameStmt');
    const from = rename?.relation?.relname;
    if (rename?.renameType === 'OBJECT_TABLE' && from && names.has(rename.newname ?? ''))
      names.add(from);
  }
  return names;
}

/** The PR statement that adds a catalog foreign key: same table and target, then name or columns. */
function statementAdding(
  fk: ConstraintInfo,
  statements: PlacedStatement[],
): PlacedStatement | undefined {
  const tables = namesDuringThePr(fk.table, statements);
  const targets = namesDuringThePr(fk.references?.table ?? '', statements);
  const parsed = statements.find((s) =>
    foreignKeysAdded(s.statement).some(
      (a) =>
        tables.has(a.table) &&
        targets.has(a.references) &&
        (a.name ? a.name === fk.name : sameSet(a.columns, fk.columns)),
    ),
  );
  return parsed ?? doBlockAdding(fk, statements);
}

/**
 * A DO block whose body adds the foreign key by its name: drizzle-kit wraps every ADD CONSTRAINT
 * in one (to ignore duplicate_object), and the body is PL/pgSQL, which the SQL parser leaves as
 * text. The text only places the finding; the catalog said the key is new.
 */
function doBlockAdding(
  fk: ConstraintInfo,
  statements: PlacedStatement[],
): PlacedStatement | undefined {
  const name = new RegExp(`(^|[^\\w$"])"?${escapeRegExp(fk.name)}"?([^\\w$"]|$)`);
  return statements.find(
    (s) =>
      s.statement.kind === 'DoStmt' &&
      /\bforeign\s+key\b/i.test(s.statement.sql) &&
      name.test(s.statement.sql),
  );
}

/** A valid, non-partial index whose leading columns are the foreign key's columns. */
function supportingIndex(fk: ConstraintInfo, indexes: IndexInfo[]): IndexInfo | undefined {
  return indexes.find(
    (ix) =>
      ix.table === fk.table &&
      ix.valid &&
      !/\sWHERE\s/i.test(ix.definition) &&
      indexCovers(ix.columns, fk.columns),
  );
}

function fkWithoutIndexMessage(fk: ConstraintInfo): { message: string; help: string } {
  const table = displayTable(fk.table);
  const target = displayTable(fk.references?.table ?? '?');
  const cols = fk.columns.map(quoteIdentIfNeeded).join(', ');
  const index = quoteIdentIfNeeded(`${bareName(fk.table)}_${fk.columns.join('_')}_idx`);
  return {
    message: `foreign key ${fk.name} on ${table} (${cols}) → ${target} has no index whose leading columns are (${cols}): every delete or key update on ${target} scans ${table} sequentially`,
    help: `CREATE INDEX CONCURRENTLY ${index} ON ${table} (${cols}); in its own migration (outside a transaction).`,
  };
}

/** The PR statement that creates the table or changes it (a partition inherits its parent's keys). */
function statementOnTable(table: string, statements: PlacedStatement[]) {
  const bare = bareName(table);
  return (
    statements.find((s) =>
      objectsCreated(s.statement).some((o) => o.kind === 'relation' && o.name === bare),
    ) ?? statements.find((s) => astOf(s.statement, 'AlterTableStmt')?.relation?.relname === bare)
  );
}

/**
 * A foreign key the PR only renamed, or whose table it renamed: it was there, without an index,
 * before the PR, so it is production's.
 */
function renamedFrom(
  fk: ConstraintInfo,
  snap: { before: CatalogSnapshot; after: CatalogSnapshot },
) {
  const after = new Set(snap.after.constraints.map(constraintKey));
  const tables = new Set(snap.after.tables.map((t) => t.name));
  return snap.before.constraints.some(
    (c) =>
      c.type === 'f' &&
      !after.has(constraintKey(c)) &&
      !supportingIndex(c, snap.before.indexes) &&
      ((c.name === fk.name && !tables.has(c.table)) ||
        (c.table === fk.table && c.definition === fk.definition)),
  );
}

/** A new foreign key without an index: at the statement that adds it. */
function newForeignKey(
  fk: ConstraintInfo,
  statements: PlacedStatement[],
  ctx: GateContext,
): Finding {
  const placed = statementAdding(fk, statements) ?? statementOnTable(fk.table, statements);
  return finding(GRAPH.fkWithoutIndex, { ...at(placed, ctx), ...fkWithoutIndexMessage(fk) });
}

/**
 * A foreign key that had an index before the PR and has none after: at the statement that drops
 * the index (or the constraint that owned it).
 */
function indexTakenAway(
  fk: ConstraintInfo,
  lost: IndexInfo[],
  statements: PlacedStatement[],
): Finding[] {
  const dropping = lost
    .map((ix) => ({ ix, placed: statementDropping(ix, statements) }))
    .find((d) => d.placed);
  const ix = dropping?.ix ?? lost[0];
  const placed = dropping?.placed ?? statementOnTable(fk.table, statements);
  if (!placed) return [];
  const what = ix.constraint ? `constraint ${ix.constraint}` : `index ${bareName(ix.name)}`;
  const table = displayTable(fk.table);
  const target = displayTable(fk.references?.table ?? '?');
  const cols = fk.columns.map(quoteIdentIfNeeded).join(', ');
  return [
    finding(GRAPH.fkWithoutIndex, {
      file: placed.statement.file,
      line: placed.statement.line,
      endLine: placed.statement.endLine,
      message: `dropping ${what} leaves foreign key ${fk.name} on ${table} (${cols}) → ${target} without an index whose leading columns are (${cols}): every delete or key update on ${target} then scans ${table} sequentially`,
      help: `Keep ${bareName(ix.name)} as long as ${fk.name} exists, or first create its replacement whose leading columns are (${cols}) with CREATE INDEX CONCURRENTLY, in a migration of its own.`,
    }),
  ];
}

/**
 * Foreign keys the PR leaves without an index whose leading columns are theirs: new ones, at the
 * statement that adds them, and merged ones whose index the PR drops, at that drop. A merged key
 * that had no index before the PR is production's, not the PR's.
 */
export function fkWithoutIndexFindings(ctx: GateContext): Finding[] {
  const snap = snapshots(ctx);
  if (!snap) return [];
  const before = new Map(snap.before.constraints.map((c) => [constraintKey(c), c]));
  const afterIndexes = new Set(snap.after.indexes.map((ix) => ix.name));
  const statements = prStatements(ctx);
  return snap.after.constraints
    .filter((c) => c.type === 'f' && !supportingIndex(c, snap.after.indexes))
    .flatMap((fk) => {
      const was = before.get(constraintKey(fk));
      if (!was) {
        if (renamedFrom(fk, snap)) return [];
        return [newForeignKey(fk, statements, ctx)];
      }
      const lost = snap.before.indexes.filter(
        (ix) => !afterIndexes.has(ix.name) && supportingIndex(was, [ix]),
      );
      return lost.length ? indexTakenAway(fk, lost, statements) : [];
    });
}

/** Drops Postgres refused because something depends on the object (SQLSTATE 2BP01). */
export function refusedDropFindings(ctx: GateContext): Finding[] {
  const seen = new Set<string>();
  return ctx.trace.pr.flatMap((tenant) =>
    tenant.statements.flatMap((t) => {
      const key = `${t.file}:${t.line}`;
      if (t.error?.sqlstate !== '2BP01' || seen.has(key)) return [];
      seen.add(key);
      return finding(GRAPH.dropWithDependents, {
        file: t.file,
        line: t.line,
        endLine: t.endLine,
        message: `${t.error.message}${t.error.detail ? ` (${t.error.detail.replace(/\n/g, '; ')})` : ''}`,
        help: 'Drop or re-point the dependent objects first, in the same migration; do not add CASCADE, which drops them silently.',
      });
    }),
  );
}

/** The unique index (or the constraint it backs) that gave a foreign key its referenced key. */
function referencedKeyIndex(fk: ConstraintInfo, before: CatalogSnapshot): IndexInfo | undefined {
  const ref = fk.references;
  if (!ref) return undefined;
  return before.indexes.find(
    (ix) => ix.table === ref.table && ix.unique && sameSet(ix.columns, ref.columns),
  );
}

/** Foreign keys that vanished because the index backing their referenced key was dropped (CASCADE). */
export function cascadedDropFindings(ctx: GateContext): Finding[] {
  const snap = snapshots(ctx);
  if (!snap) return [];
  const remaining = new Set(snap.after.constraints.map(constraintKey));
  const indexesAfter = new Set(snap.after.indexes.map((ix) => ix.name));
  const tablesAfter = new Set(snap.after.tables.map((t) => t.name));
  const statements = prStatements(ctx);
  return snap.before.constraints.flatMap((fk) => {
    if (fk.type !== 'f' || remaining.has(constraintKey(fk)) || !tablesAfter.has(fk.table))
      return [];
    const key = referencedKeyIndex(fk, snap.before);
    if (!key || indexesAfter.has(key.name)) return [];
    const dropper = statementDropping(key, statements);
    return finding(GRAPH.dropWithDependents, {
      ...at(dropper, ctx),
      message: `dropping ${key.constraint ? `constraint ${key.constraint}` : `index ${bareName(key.name)}`} on ${displayTable(key.table)} also dropped foreign key ${fk.name} on ${displayTable(fk.table)} (CASCADE): ${displayTable(fk.table)}.${fk.columns.join(', ')} is no longer checked`,
      help: `Keep a unique index or constraint on ${displayTable(key.table)} (${key.columns.join(', ')}) — create the replacement first — or drop ${fk.name} explicitly if it is meant to go.`,
    });
  });
}

function statementDropping(
  key: IndexInfo,
  statements: PlacedStatement[],
): PlacedStatement | undefined {
  const names = new Set([bareName(key.name), key.constraint].filter(Boolean));
  return statements.find((s) =>
    indexesAndConstraintsDropped(s.statement).some((d) => names.has(d.name)),
  );
}

/** `ADD CONSTRAINT … USING INDEX i` where i is missing (and nothing later creates it) or invalid. */
export function usingIndexFindings(ctx: GateContext): Finding[] {
  const snap = snapshots(ctx);
  const statements = prStatements(ctx);
  return statements.flatMap((placed) =>
    indexesAdopted(placed.statement).flatMap((adoption) => {
      const createdBy = statements.filter((s) =>
        objectsCreated(s.statement).some((o) => o.kind === 'index' && o.name === adoption.index),
      );
      if (createdBy.some((s) => s.order !== placed.order)) return []; // earlier: fine; later: used-before-created
      const existing = snap?.before.indexes.find((ix) => bareName(ix.name) === adoption.index);
      if (existing?.valid) return [];
      return finding(GRAPH.usingIndexInvalid, {
        ...at(placed, ctx),
        message: existing
          ? `index ${adoption.index} on ${displayTable(existing.table)} is INVALID (a failed CREATE INDEX CONCURRENTLY leaves one behind): ADD CONSTRAINT … USING INDEX fails with "index is not valid"`
          : `index ${adoption.index} does not exist before this statement: ADD CONSTRAINT … USING INDEX ${adoption.index} fails`,
        help: `DROP INDEX CONCURRENTLY IF EXISTS ${adoption.index}; CREATE UNIQUE INDEX CONCURRENTLY ${adoption.index} ON ${adoption.table} (...); in an earlier migration, then ADD CONSTRAINT … USING INDEX ${adoption.index}.`,
      });
    }),
  );
}
