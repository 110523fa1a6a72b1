import type pg from 'pg';
import { VERSION_TABLES, type VersionTable } from '../replay/baseline-versions.js';
import { quoteIdent, quoteIdentIfNeeded } from '../sql/ident.js';

/**
 * The migration tool's own table in a snapshot: its rows say which merged migrations production
 * ran on each tenant, so that check replays the merged migrations a tenant has not run yet instead
 * of taking the dump to hold them all. They are the only rows a snapshot reads; they hold
 * versions, names and checksums, no application data.
 */

export interface VersionRows {
  schema: string;
  table: string;
  columns: string[];
  rows: Array<Array<string | null>>;
  /** The applied versions, for grouping tenants. */
  key: string;
}

export interface TenantVersions {
  tables: VersionRows[];
}

/**
 * Each tenant's version tables: among its schemas (`tenants`: name → schemas) and the tools' own
 * schemas, with their rows. One catalog query for all the tenants of the session's database.
 */
export async function readVersionTables(
  client: pg.Client,
  tenants: Map<string, string[]>,
): Promise<Map<string, TenantVersions>> {
  const wanted = [...tenants].flatMap(([tenant, schemas]) =>
    VERSION_TABLES.flatMap((t) =>
      (t.schema ? [t.schema] : schemas).map((schema) => ({ ...t, schema, tenant })),
    ),
  );
  const found = await client.query<{ schema: string; table: string; readable: boolean }>(
    `select n.nspname as schema, c.relname as table, has_table_privilege(c.oid, 'SELECT') as readable
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p')
        and (n.nspname, c.relname) in (select * from unnest($1::text[], $2::text[]))`,
    [wanted.map((w) => w.schema), wanted.map((w) => w.table)],
  );
  const out = new Map<string, TenantVersions>([...tenants.keys()].map((t) => [t, { tables: [] }]));
  const read = new Map<string, Promise<VersionRows>>();
  for (const w of wanted) {
    const hit = found.rows.find((r) => r.schema === w.schema && r.table === w.table);
    // One the role may not read fails pg_dump (its lock needs SELECT), which says so.
    if (!hit?.readable) continue;
    const mine = out.get(w.tenant)!;
    const at = `${w.schema}.${w.table}`;
    // A table of a tools' schema is every tenant's: read once.
    if (!read.has(at))
      read.set(
        at,
        rowsOf(
          client,
          w,
          !VERSION_TABLES.some((t) => t.schema === w.schema && t.table === w.table),
        ),
      );
    mine.tables.push(await read.get(at)!);
  }
  return out;
}

async function rowsOf(client: pg.Client, w: VersionTable & { schema: string }, own: boolean) {
  const name = `${quoteIdent(w.schema)}.${quoteIdent(w.table)}`;
  const columns = await client.query<{ attname: string }>(
    `select attname from pg_attribute
      where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
    [name],
  );
  const names = columns.rows.map((c) => c.attname);
  const listed = names.map(quoteIdent);
  const keyed = w.key.map((k) => `(${k})::text`);
  // Values as the types' output functions write them (booleans `t`/`f`), as pg_dump's COPY does.
  const r = await client.query<Array<string | null>>({
    text: `select ${[...listed, ...keyed].join(', ')} from ${name} order by 1`,
    rowMode: 'array',
    types: { getTypeParser: () => (value: string) => value },
  });
  return {
    schema: w.schema,
    table: w.table,
    columns: names,
    rows: r.rows.map((row) => row.slice(0, names.length)),
    // A tenant's own table is keyed by its name alone: tenants alike have it in their own schemas.
    key: `${own ? '' : `${w.schema}.`}${w.table}:${JSON.stringify(r.rows.map((row) => row.slice(names.length)))}`,
  };
}

/** `dump` with the tables' rows as pg_dump writes table data, before the dump's end. */
export function withVersionRows(dump: string, tables: VersionRows[]): string {
  const end = dump.lastIndexOf('--\n-- PostgreSQL database dump complete');
  const at = end === -1 ? dump.length : end;
  return dump.slice(0, at) + copyBlocks(tables) + dump.slice(at);
}

function copyBlocks(tables: VersionRows[]): string {
  return tables
    .map((t) => {
      const name = `${quoteIdentIfNeeded(t.schema)}.${quoteIdentIfNeeded(t.table)}`;
      const rows = t.rows.map((r) => `${r.map(copyValue).join('\t')}\n`).join('');
      return [
        '--',
        `-- Data for Name: ${t.table}; Type: TABLE DATA; Schema: ${t.schema}; Owner: -`,
        '--',
        '',
        `COPY ${name} (${t.columns.map(quoteIdentIfNeeded).join(', ')}) FROM stdin;`,
        `${rows}\\.`,
        '',
        '',
      ].join('\n');
    })
    .join('');
}

/** A value in COPY's text format. */
function copyValue(v: string | null): string {
  if (v === null) return '\\N';
  return v.replace(
    /[\\\t\n\r]/g,
    (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!,
  );
}
