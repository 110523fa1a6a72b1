import type pg from 'pg';
import { quoteIdent } from '../../sql/ident.js';

/**
 * Proof that up → down keeps the rows of tables that existed before the up: each such table is
 * copied into a temporary table of an observer session before the up, and compared after the
 * down on the columns both sides still have (row count, then a hash of every row).
 */

export interface TableCopy {
  schema: string;
  table: string;
  /** As traces name it: unqualified in the tenant's schema, qualified elsewhere. */
  name: string;
  copy: string;
  columns: string[];
}

/** Which tables to copy, by their trace name and their own name. */
export type TableFilter = (name: string, table: string) => boolean;

export interface RowDifference {
  schema: string;
  table: string;
  rowsBefore: number;
  rowsAfter: number;
  /** Columns whose values differ (empty when only the row count tells). */
  columns: string[];
}

const TABLES_SQL = `
  select n.nspname as schema, c.relname as table,
         coalesce(array_agg(a.attname::text order by a.attnum)
           filter (where a.attnum > 0 and not a.attisdropped), '{}') as columns
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attribute a on a.attrelid = c.oid
   where c.relkind = 'r' and n.nspname = any($1::text[])
   group by 1, 2 order by 1, 2`;

interface TableRow {
  schema: string;
  table: string;
  columns: string[];
}

async function listTables(client: pg.Client, schemas: string[]): Promise<TableRow[]> {
  return (await client.query<TableRow>(TABLES_SQL, [schemas])).rows;
}

/**
 * Copies the tables of the schemas (those `only` picks, else all) into temporary tables of
 * `client`'s session; `tables` names every table there is, copied or not.
 */
export async function copyTables(
  client: pg.Client,
  schemas: string[],
  tenantSchema: string,
  only?: TableFilter,
): Promise<{ copies: TableCopy[]; tables: Set<string> }> {
  const copies: TableCopy[] = [];
  const tables = new Set<string>();
  for (const [i, t] of (await listTables(client, schemas)).entries()) {
    const name = t.schema === tenantSchema ? t.table : `${t.schema}.${t.table}`;
    tables.add(name);
    if (only && !only(name, t.table)) continue;
    const copy = `schemagate_rows_${i}`;
    await client.query(`create temporary table ${copy} as table ${qualified(t.schema, t.table)}`);
    copies.push({ ...t, name, copy });
  }
  return { copies, tables };
}

export async function dropCopies(client: pg.Client, copies: TableCopy[]): Promise<void> {
  for (const c of copies) await client.query(`drop table if exists pg_temp.${c.copy}`);
}

/** Tables whose rows differ from their copy; tables that no longer exist are left to the catalog diff. */
export async function compareWithCopies(
  client: pg.Client,
  copies: TableCopy[],
): Promise<RowDifference[]> {
  const schemas = [...new Set(copies.map((c) => c.schema))];
  const now = new Map(
    (await listTables(client, schemas)).map((t) => [`${t.schema}.${t.table}`, t]),
  );
  const out: RowDifference[] = [];
  for (const copy of copies) {
    const current = now.get(`${copy.schema}.${copy.table}`);
    if (!current) continue;
    const columns = copy.columns.filter((c) => current.columns.includes(c));
    const live = qualified(copy.schema, copy.table);
    const before = await rowsDigest(client, `pg_temp.${copy.copy}`, columns);
    const after = await rowsDigest(client, live, columns);
    if (before.rows === after.rows && before.hash === after.hash) continue;
    const changed = await changedColumns(client, `pg_temp.${copy.copy}`, live, columns);
    out.push({
      schema: copy.schema,
      table: copy.table,
      rowsBefore: before.rows,
      rowsAfter: after.rows,
      columns: changed,
    });
  }
  return out;
}

async function rowsDigest(client: pg.Client, relation: string, columns: string[]) {
  const row = columns.length > 0 ? `row(${columns.map(quoteIdent).join(', ')})::text` : `''`;
  const r = await client.query<{ rows: string; hash: string | null }>(
    `select count(*) as rows, md5(string_agg(h, '' order by h collate "C")) as hash
       from (select md5(${row}) as h from ${relation}) s`,
  );
  return { rows: Number(r.rows[0].rows), hash: r.rows[0].hash ?? '' };
}

/** Columns whose multiset of values differs: names what the down changed. */
async function changedColumns(
  client: pg.Client,
  a: string,
  b: string,
  columns: string[],
): Promise<string[]> {
  if (columns.length === 0) return [];
  const digest = (relation: string) =>
    client.query<Record<string, string | null>>(
      `select ${columns
        .map((c, i) => {
          const v = `quote_nullable(${quoteIdent(c)}::text)`;
          return `md5(string_agg(${v}, ',' order by ${v} collate "C")) as c${i}`;
        })
        .join(', ')} from ${relation}`,
    );
  const [x, y] = [(await digest(a)).rows[0], (await digest(b)).rows[0]];
  return columns.filter((_, i) => x[`c${i}`] !== y[`c${i}`]);
}

function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
