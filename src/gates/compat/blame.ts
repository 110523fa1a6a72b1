/**
 * Which added migration statement broke a query: the first that drops, renames or changes the
 * type of a table or column the query uses, preferring the object Postgres' error names.
 */
import { parseSync } from 'libpg-query';
import type { Migration, Statement } from '../../core/model.js';
import type { PgErrorInfo } from '../../core/trace.js';
import {
  alterCommandsOf,
  astOf,
  isRecord,
  lastName,
  relationOf,
  unwrap,
  type Node,
} from '../../sql/ast.js';
import type { AppQuery } from './queries.js';

interface References {
  relations: Set<string>;
  columns: Set<string>;
}

/** Calls `visit` with every object-valued key anywhere under `node`. */
function collect(
  node: unknown,
  visit: (key: string, value: Record<string, unknown>) => void,
): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, visit);
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (isRecord(value)) visit(key, value);
    collect(value, visit);
  }
}

export function referencesOf(query: AppQuery): References {
  const refs: References = { relations: new Set(), columns: new Set() };
  let tree: unknown;
  try {
    tree = parseSync(query.prepared);
  } catch {
    return refs;
  }
  collect(tree, (key, value) => {
    // FROM items are RangeVar nodes; INSERT/UPDATE/DELETE targets sit under `relation`.
    if ((key === 'RangeVar' || key === 'relation') && typeof value.relname === 'string') {
      refs.relations.add(value.relname);
    }
    if (key === 'ColumnRef' && Array.isArray(value.fields)) {
      const fields = value.fields as Node[];
      const last = unwrap(fields[fields.length - 1], 'String')?.sval;
      if (typeof last === 'string') refs.columns.add(last);
    }
    if (key === 'ResTarget' && typeof value.name === 'string') refs.columns.add(value.name);
  });
  return refs;
}

/** Names (unqualified) of the objects a statement drops, renames or retypes. */
function touchedNames(statement: Statement): { relations: string[]; columns: string[] } {
  const present = (names: Array<string | undefined>) => names.filter((n): n is string => !!n);
  const drop = astOf(statement, 'DropStmt');
  if (drop) {
    const names = (drop.objects ?? []).map((o) => lastName(unwrap(o, 'List')?.items));
    return { relations: present(names), columns: [] };
  }
  const rename = astOf(statement, 'RenameStmt');
  if (rename?.renameType === 'OBJECT_COLUMN') {
    return { relations: [], columns: present([rename.subname]) };
  }
  if (rename) return { relations: present([rename.relation?.relname]), columns: [] };
  const changed = alterCommandsOf(astOf(statement, 'AlterTableStmt')).filter(
    (c) => c.subtype === 'AT_DropColumn' || c.subtype === 'AT_AlterColumnType',
  );
  return { relations: [], columns: present(changed.map((c) => c.name)) };
}

function tableOf(statement: Statement): string | undefined {
  return relationOf(statement)?.relname;
}

/** The object Postgres' message names: `column "x" does not exist`, `relation "t" ...`. */
function namedInError(error: PgErrorInfo): string | undefined {
  const m = /(?:column|relation|table|type|function)\s+"?([\w.]+)"?/i.exec(error.message);
  return m ? m[1].split('.').pop() : undefined;
}

function breaks(statement: Statement, refs: References): string[] {
  const touched = touchedNames(statement);
  const table = tableOf(statement);
  const tableUsed = table === undefined || refs.relations.has(table);
  return [
    ...touched.relations.filter((r) => refs.relations.has(r)),
    ...(tableUsed ? touched.columns.filter((c) => refs.columns.has(c)) : []),
  ];
}

export function breakingStatement(
  query: AppQuery,
  error: PgErrorInfo,
  added: Migration[],
): Statement | undefined {
  const refs = referencesOf(query);
  const named = namedInError(error);
  const candidates = added
    .flatMap((m) => m.up.statements)
    .filter((s) => breaks(s, refs).length > 0);
  return (
    candidates.find((s) => named !== undefined && breaks(s, refs).includes(named)) ?? candidates[0]
  );
}
