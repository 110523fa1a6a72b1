import type pg from 'pg';
import type { CatalogSnapshot } from './types.js';
import { QueryBatch } from './batch.js';
import { RowsBySchema, type CatalogKind } from './kind.js';
import { compareText, renameDeep, sortBy, tenantRenamer } from './normalise.js';
import { SCHEMAS, SEQUENCES, TABLES } from './read-relations.js';
import { CONSTRAINTS, INDEXES } from './read-constraints.js';
import { EXTENSIONS, FUNCTIONS, TRIGGERS, TYPES } from './read-routines.js';
import { GRANTS, POLICIES } from './read-access.js';

export interface SnapshotOptions {
  /** Schemas to read, e.g. `['tenant_1', 'public']`. */
  schemas: string[];
  /** The tenant's own schema; its name becomes `$tenant` everywhere in the snapshot. */
  tenantSchema?: string;
}

/** Postgres' own schemas are never part of an application's catalog. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/** How each collection of the snapshot is read. */
const KINDS: { [K in keyof CatalogSnapshot]: CatalogKind<CatalogSnapshot[K][number]> } = {
  schemas: SCHEMAS,
  tables: TABLES,
  constraints: CONSTRAINTS,
  indexes: INDEXES,
  sequences: SEQUENCES,
  functions: FUNCTIONS,
  triggers: TRIGGERS,
  types: TYPES,
  policies: POLICIES,
  grants: GRANTS,
  extensions: EXTENSIONS,
};

/** Each kind's query results, in the order of its queries. */
type CatalogRows = Record<keyof CatalogSnapshot, RowsBySchema[]>;

/** At most this many snapshots come from one read, so that a read's result stays bounded. */
export const SNAPSHOTS_PER_READ = 50;

/**
 * Reads the catalog of the given schemas. Runs with `search_path = pg_catalog` so that every
 * name Postgres prints (defaults, view and policy expressions, types) is schema-qualified the
 * same way whatever search_path the caller's session has; the caller's setting is restored.
 */
export async function snapshotCatalog(
  client: pg.Client,
  options: SnapshotOptions,
): Promise<CatalogSnapshot> {
  const [snapshot] = await snapshotCatalogs(client, [options]);
  return snapshot;
}

/**
 * What `snapshotCatalog` returns for each request, from one read of the catalog for all their
 * schemas (per SNAPSHOTS_PER_READ requests). Postgres has no index on its catalogs' namespace
 * columns, so every read scans them whole: a read per tenant schema would cost the square of
 * the number of tenants. Each row names the schema that selected it, so a request gets exactly
 * the rows a read of its own schemas returns, and builds its snapshot from them alone.
 */
export async function snapshotCatalogs(
  client: pg.Client,
  requests: SnapshotOptions[],
): Promise<CatalogSnapshot[]> {
  const out: CatalogSnapshot[] = [];
  for (let i = 0; i < requests.length; i += SNAPSHOTS_PER_READ) {
    const chunk = requests
      .slice(i, i + SNAPSHOTS_PER_READ)
      .map((r) => ({ ...r, schemas: r.schemas.filter((s) => !SYSTEM_SCHEMAS.has(s)) }));
    const rows = await readCatalog(client, [...new Set(chunk.flatMap((r) => r.schemas))]);
    out.push(...chunk.map((request) => snapshotOf(rows, request)));
  }
  return out;
}

/** The snapshot a read of the request's schemas alone gives, from the rows of a larger read. */
function snapshotOf(rows: CatalogRows, request: SnapshotOptions): CatalogSnapshot {
  const collections = Object.entries(KINDS).map(([name, kind]) => {
    const results = rows[name as keyof CatalogSnapshot];
    return [name, kind.build(results.map((r) => r.of(request.schemas)))];
  });
  const raw = Object.fromEntries(collections) as CatalogSnapshot;
  return sortSnapshot(renameDeep(raw, tenantRenamer(request.tenantSchema)));
}

/** Where the session's search_path waits while the catalog is read. */
const SAVED_PATH = 'schemagate.saved_search_path';

/** Every query of every kind, sent in one round trip. */
async function readCatalog(client: pg.Client, schemas: string[]): Promise<CatalogRows> {
  const batch = new QueryBatch();
  const reading = Promise.all(
    Object.entries(KINDS).map(async ([name, kind]) => {
      const results = await Promise.all(kind.queries.map((sql) => batch.query(sql, [schemas])));
      return [name, results.map((r) => new RowsBySchema(r.rows))] as const;
    }),
  );
  // Awaited below, after the flush; a failed read rejects it before then.
  reading.catch(() => undefined);
  // Every query is queued now: they go in one round trip, between saving the session's
  // search_path and restoring it. Should a read fail, the implicit transaction they run in rolls
  // the setting back instead.
  await batch.flush(
    client,
    [
      `select set_config('${SAVED_PATH}', current_setting('search_path'), false)`,
      `select set_config('search_path', 'pg_catalog', false)`,
    ],
    [`select set_config('search_path', current_setting('${SAVED_PATH}'), false)`],
  );
  return Object.fromEntries(await reading) as CatalogRows;
}

/** Sorted after renaming, so that tenants whose names sort differently still list alike. */
function sortSnapshot(s: CatalogSnapshot): CatalogSnapshot {
  const onTable = (o: { table: string; name: string }) => `${o.table}\u0000${o.name}`;
  return {
    schemas: [...s.schemas].sort(compareText),
    tables: sortBy(s.tables, (t) => t.name),
    constraints: sortBy(s.constraints, onTable),
    indexes: sortBy(s.indexes, (i) => i.name),
    sequences: sortBy(s.sequences, (q) => q.name),
    functions: sortBy(s.functions, (f) => f.name),
    triggers: sortBy(s.triggers, onTable),
    types: sortBy(s.types, (t) => t.name),
    policies: sortBy(s.policies, onTable),
    grants: sortBy(s.grants, (g) =>
      [g.object, g.grantee, g.privilege, g.revoked ? 'revoked' : ''].join('\u0000'),
    ),
    extensions: sortBy(s.extensions, (e) => e.name),
  };
}
