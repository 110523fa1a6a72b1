import type pg from 'pg';
import type { CatalogSnapshot } from './types.js';
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
  const saved = await client.query<{ path: string }>(
    `select current_setting('search_path') as path`,
  );
  await client.query(`select set_config('search_path', 'pg_catalog', false)`);
  try {
    const raw = await readCatalog(client, schemas);
    return sortSnapshot(renameDeep(raw, tenantRenamer(options.tenantSchema)));
  } finally {
    // Inside a failed transaction this cannot run; the rollback restores the setting instead,
    // and the error that matters is the one already being thrown.
    await client
      .query(`select set_config('search_path', $1, false)`, [saved.rows[0].path])
      .catch(() => undefined);
  }
}

/** One query per kind of object, in sequence (a pg.Client runs one query at a time anyway). */
async function readCatalog(client: pg.Client, schemas: string[]): Promise<CatalogSnapshot> {
  return {
    schemas: await readSchemas(client, schemas),
    tables: await readTables(client, schemas),
    constraints: await readConstraints(client, schemas),
    indexes: await readIndexes(client, schemas),
    sequences: await readSequences(client, schemas),
    functions: await readFunctions(client, schemas),
    triggers: await readTriggers(client, schemas),
    types: await readTypes(client, schemas),
    policies: await readPolicies(client, schemas),
    grants: await readGrants(client, schemas),
    extensions: await readExtensions(client, schemas),
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
