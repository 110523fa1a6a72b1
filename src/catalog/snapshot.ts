import type pg from 'pg';
import type { CatalogSnapshot } from './types.js';
import { QueryBatch } from './batch.js';
import { compareText, renameDeep, sortBy, tenantRenamer } from './normalise.js';
import { readSchemas, readSequences, readTables } from './read-relations.js';
import { readConstraints, readIndexes } from './read-constraints.js';
import { readExtensions, readFunctions, readTriggers, readTypes } from './read-routines.js';
import { readGrants, readPolicies } from './read-access.js';

export interface SnapshotOptions {
  /** Schemas to read, e.g. `['tenant_1', 'public']`. */
  schemas: string[];
  /** The tenant's own schema; its name becomes `$tenant` everywhere in the snapshot. */
  tenantSchema?: string;
}

/** Postgres' own schemas are never part of an application's catalog. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

/**
 * Reads the catalog of the given schemas. Runs with `search_path = pg_catalog` so that every
 * name Postgres prints (defaults, view and policy expressions, types) is schema-qualified the
 * same way whatever search_path the caller's session has; the caller's setting is restored.
 */
export async function snapshotCatalog(
  client: pg.Client,
  options: SnapshotOptions,
): Promise<CatalogSnapshot> {
  const schemas = options.schemas.filter((s) => !SYSTEM_SCHEMAS.has(s));
  const batch = new QueryBatch();
  const reading = readCatalog(batch.asClient(), schemas);
  // Awaited below, after the flush; a failed read rejects it before then.
  reading.catch(() => undefined);
  // Every reader has queued its queries now: they go in one round trip, between saving the
  // session's search_path and restoring it. Should a read fail, the implicit transaction they run
  // in rolls the setting back instead.
  await batch.flush(
    client,
    [
      `select set_config('${SAVED_PATH}', current_setting('search_path'), false)`,
      `select set_config('search_path', 'pg_catalog', false)`,
    ],
    [`select set_config('search_path', current_setting('${SAVED_PATH}'), false)`],
  );
  const raw = await reading;
  return sortSnapshot(renameDeep(raw, tenantRenamer(options.tenantSchema)));
}

/** Where the session's search_path waits while the catalog is read. */
const SAVED_PATH = 'schemagate.saved_search_path';

/** One query per kind of object, all started at once (the batch sends them together). */
async function readCatalog(client: pg.Client, schemas: string[]): Promise<CatalogSnapshot> {
  const more = Promise.all([
    readTriggers(client, schemas),
    readTypes(client, schemas),
    readPolicies(client, schemas),
    readGrants(client, schemas),
    readExtensions(client, schemas),
  ]);
  more.catch(() => undefined);
  const [schemaNames, tables, constraints, indexes, sequences, functions] = await Promise.all([
    readSchemas(client, schemas),
    readTables(client, schemas),
    readConstraints(client, schemas),
    readIndexes(client, schemas),
    readSequences(client, schemas),
    readFunctions(client, schemas),
  ]);
  const [triggers, types, policies, grants, extensions] = await more;
  return {
    schemas: schemaNames,
    tables,
    constraints,
    indexes,
    sequences,
    functions,
    triggers,
    types,
    policies,
    grants,
    extensions,
  };
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
