import type { Statement } from '../../../core/model.js';
import {
  alterCmds,
  astOf,
  constraintsOf,
  rangeVar,
  relationOf,
  stringList,
  unwrap,
  unwrapAll,
  type ColumnDef,
} from '../../../sql/ast.js';
import { joinQualified, plainName } from '../../../sql/names.js';
import type { Scope } from '../scope.js';

/**
 * The columns a statement adds: those of a table it creates (not a partition, not an existing
 * table under IF NOT EXISTS) or those ALTER TABLE ... ADD COLUMN adds (not one that IF NOT EXISTS
 * skips), with words for messages.
 */
export interface AddedColumns {
  /** `New table events` or `ALTER TABLE users`. */
  subject: string;
  /** Whether the table existed before the PR. */
  preexisting: boolean;
  columns: ColumnDef[];
  /** The single-column primary key among them, if any. */
  primaryKey?: ColumnDef;
}

export function addedColumns(stmt: Statement, scope: Scope): AddedColumns | undefined {
  const create = astOf(stmt, 'CreateStmt');
  if (create) {
    if (create.partbound || (create.if_not_exists && scope.table(rangeVar(create.relation))))
      return undefined;
    const columns = unwrapAll(create.tableElts, 'ColumnDef');
    const keys = stringList(
      unwrapAll(create.tableElts, 'Constraint').find((k) => k.contype === 'CONSTR_PRIMARY')?.keys,
    );
    const primaryKey =
      inlinePrimaryKey(columns) ??
      (keys.length === 1 ? columns.find((c) => c.colname === keys[0]) : undefined);
    const name = rangeVar(create.relation);
    const subject = `New table ${name ? joinQualified(name) : '?'}`;
    return { subject, preexisting: false, columns, primaryKey };
  }
  if (stmt.kind !== 'AlterTableStmt') return undefined;
  const relation = rangeVar(relationOf(stmt));
  const table = scope.table(relation);
  const columns = alterCmds(stmt)
    .filter((c) => c.subtype === 'AT_AddColumn')
    .map((c) => ({ cmd: c, col: unwrap(c.def, 'ColumnDef') }))
    .filter((x): x is { cmd: typeof x.cmd; col: ColumnDef } => !!x.col)
    .filter((x) => !(x.cmd.missing_ok && table && scope.hasColumn(table, x.col.colname ?? '')))
    .map((x) => x.col);
  if (columns.length === 0) return undefined;
  const subject = `ALTER TABLE ${table ? plainName(table) : relation ? joinQualified(relation) : '?'}`;
  return { subject, preexisting: !!table, columns, primaryKey: inlinePrimaryKey(columns) };
}

function inlinePrimaryKey(columns: ColumnDef[]): ColumnDef | undefined {
  return columns.find((c) => constraintsOf(c).some((k) => k.contype === 'CONSTR_PRIMARY'));
}

/** `country char(2)`, `email varchar(255)`: a column with its type as written. */
export function columnWithType(col: ColumnDef): string {
  const type = col.typeName;
  const base = (stringList(type?.names).pop() ?? '?').replace(/^bpchar$/, 'char');
  const mods = (type?.typmods ?? [])
    .map((m) => unwrap(m, 'A_Const')?.ival?.ival)
    .filter((n): n is number => n !== undefined);
  const sized = mods.length ? `${base}(${mods.join(', ')})` : base;
  const shown = sized === 'timestamp' ? 'timestamp without time zone' : sized;
  return `${col.colname} ${shown}${type?.arrayBounds?.length ? '[]' : ''}`;
}
