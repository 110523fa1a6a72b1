import type pg from 'pg';
import { InputError } from '../core/errors.js';
import type { Format, Migration } from '../core/model.js';
import { quoteIdent } from '../sql/ident.js';

/**
 * Which merged migrations a baseline already holds: what the migration tool's own table in the
 * dump says (read after loading, so `COPY` blocks and Rails' `INSERT INTO schema_migrations` count
 * alike), else `baselineVersion:`, else all of them (a dump of production holds what was merged).
 */

export interface HeldVersions {
  /** The merged migrations the baseline holds. */
  held: Migration[];
  /** Merged migrations after the baseline's newest: replayed on top of it. */
  pending: Migration[];
  /** Merged migrations older than the baseline's newest that it lacks: named, not replayed. */
  lacking: Migration[];
  /** The newest held migration's id. */
  version?: string;
  /** Where the answer came from, as the report says it. */
  source: string;
}

/** What a version table's rows say: a set of applied ids, or "everything up to". */
type Applied = { ids: Set<string> } | { upTo: (m: Migration) => boolean };

export interface VersionTable {
  /** Absent: the tenant's own schema (the search path's first). */
  schema?: string;
  table: string;
  /** Expressions that say which migrations are applied (not when): tenants alike in these are alike. */
  key: string[];
  read(rows: Array<Record<string, unknown>>, merged: Migration[]): Applied;
}

const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const yes = (v: unknown) => v === true || v === 't' || v === 'true';
const idsOf = (rows: Array<Record<string, unknown>>, column: string) =>
  new Set(rows.map((r) => text(r[column])).filter(Boolean));

const versionColumn: VersionTable['read'] = (rows) => ({ ids: idsOf(rows, 'version') });

const TABLES: Partial<Record<Format, VersionTable>> = {
  // golang-migrate keeps one row: the version the database is at.
  'golang-migrate': {
    table: 'schema_migrations',
    key: ['version'],
    read: (rows) => {
      const at = Math.max(...rows.map((r) => Number(r.version)).filter(Number.isFinite));
      return { upTo: (m) => /^\d+$/.test(m.id) && Number(m.id) <= at };
    },
  },
  goose: {
    table: 'goose_db_version',
    key: ['version_id', 'is_applied'],
    read: (rows) => {
      const applied = new Map<string, boolean>();
      const ordered = [...rows].sort((a, b) => Number(a.id) - Number(b.id));
      for (const r of ordered) applied.set(text(r.version_id), yes(r.is_applied));
      return { ids: new Set([...applied].filter(([, on]) => on).map(([v]) => v)) };
    },
  },
  dbmate: { table: 'schema_migrations', key: ['version'], read: versionColumn },
  flyway: {
    table: 'flyway_schema_history',
    key: ['version', 'success'],
    read: (rows) => ({
      ids: idsOf(
        rows.filter((r) => yes(r.success)),
        'version',
      ),
    }),
  },
  prisma: {
    table: '_prisma_migrations',
    key: ['migration_name', 'finished_at is not null', 'rolled_back_at is null'],
    read: (rows) => ({
      ids: idsOf(
        rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null),
        'migration_name',
      ),
    }),
  },
  // drizzle-orm applies what is newer than the newest `created_at`: that is what it holds.
  drizzle: {
    schema: 'drizzle',
    table: '__drizzle_migrations',
    key: ['hash'],
    read: (rows) => {
      const at = Math.max(...rows.map((r) => Number(r.created_at)).filter(Number.isFinite));
      return { upTo: (m) => (m.journalWhen?.millis ?? Infinity) <= at };
    },
  },
  // Alembic holds the heads; every ancestor of a head is applied.
  alembic: {
    table: 'alembic_version',
    key: ['version_num'],
    read: (rows, merged) => {
      const parents = new Map(merged.map((m) => [m.id, m.parents ?? []]));
      const ids = new Set<string>();
      const visit = (id: string) => {
        if (ids.has(id)) return;
        ids.add(id);
        for (const p of parents.get(id) ?? []) visit(p);
      };
      for (const r of rows) visit(text(r.version_num));
      return { ids };
    },
  },
};

/** Tables any project may have besides its tool's: Supabase's, Rails'. */
const OTHERS: VersionTable[] = [
  {
    schema: 'supabase_migrations',
    table: 'schema_migrations',
    key: ['version'],
    read: versionColumn,
  },
  { table: 'schema_migrations', key: ['version'], read: versionColumn },
];

/** Every tool's table once (golang-migrate's, dbmate's and Rails' `schema_migrations` are one). */
export const VERSION_TABLES: VersionTable[] = [...Object.values(TABLES), ...OTHERS].filter(
  (t, i, all) => all.findIndex((o) => o.schema === t.schema && o.table === t.table) === i,
);

/** A row's version names a migration by its id, or by the leading part of a file stem. */
function names(m: Migration, id: string): boolean {
  if (m.id === id || m.id.startsWith(`${id}_`)) return true;
  if (/^\d+$/.test(m.id) && /^\d+$/.test(id)) return BigInt(m.id) === BigInt(id);
  return m.file.split('/').pop()!.startsWith(`${id}_`);
}

/**
 * Reads the version table on a session whose search path starts with the tenant's schema (or
 * the database's for the other topologies). `baselineVersion` applies when no table has rows.
 */
export async function heldVersions(
  client: pg.Client,
  format: Format,
  merged: Migration[],
  baselineVersion: string | undefined,
): Promise<HeldVersions> {
  for (const table of [TABLES[format], ...OTHERS].filter((t) => t !== undefined)) {
    const rows = await rowsOf(client, table);
    if (!rows?.length) continue;
    const applied = table.read(rows, merged);
    const holds =
      'ids' in applied
        ? (m: Migration) => [...applied.ids].some((id) => names(m, id))
        : applied.upTo;
    const where = table.schema ? `${table.schema}.${table.table}` : table.table;
    return split(merged, holds, `the dump's ${where} (${rows.length} row(s))`);
  }
  if (baselineVersion !== undefined) {
    const at = merged.findIndex((m) => names(m, baselineVersion));
    if (at === -1)
      throw new InputError(
        `baselineVersion: ${baselineVersion} is none of the merged migrations (${merged.map((m) => m.id).join(', ') || 'there are none'})`,
      );
    return split(merged, (m) => merged.indexOf(m) <= at, `baselineVersion: ${baselineVersion}`);
  }
  return split(
    merged,
    () => true,
    'no version table rows and no baselineVersion: the dump is taken to hold every merged migration',
  );
}

function split(merged: Migration[], holds: (m: Migration) => boolean, source: string) {
  const held = merged.filter(holds);
  const newest = held.length ? merged.indexOf(held.at(-1)!) : -1;
  const missing = merged.filter((m) => !holds(m));
  return {
    held,
    pending: missing.filter((m) => merged.indexOf(m) > newest),
    lacking: missing.filter((m) => merged.indexOf(m) < newest),
    ...(newest >= 0 ? { version: merged[newest].id } : {}),
    source,
  };
}

/** The table's rows where the tool keeps it, or undefined when it does not exist there. */
async function rowsOf(
  client: pg.Client,
  table: VersionTable,
): Promise<Array<Record<string, unknown>> | undefined> {
  const found = await client.query<{ name: string | null }>(
    `select to_regclass(quote_ident(coalesce($1, current_schema())) || '.' || quote_ident($2))::text as name`,
    [table.schema ?? null, table.table],
  );
  if (!found.rows[0].name) return undefined;
  const where = `${quoteIdent(table.schema ?? (await currentSchema(client)))}.${quoteIdent(table.table)}`;
  // The loaded dump's own table, in the run's scratch database.
  const r = await client.query<Record<string, unknown>>(`select * from ${where}`);
  return r.rows;
}

async function currentSchema(client: pg.Client): Promise<string> {
  return (await client.query<{ s: string }>('select current_schema() as s')).rows[0].s;
}
