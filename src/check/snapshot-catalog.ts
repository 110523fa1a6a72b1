import { createHash } from 'node:crypto';
import type pg from 'pg';
import { canonicalJson } from '../catalog/fingerprint.js';
import { compareText, renameDeep, tenantRenamer } from '../catalog/normalise.js';
import { readConstraints, readIndexes } from '../catalog/read-constraints.js';
import { readGrants, readPolicies } from '../catalog/read-access.js';
import { readSchemas, readSequences, readTables } from '../catalog/read-relations.js';
import { readFunctions, readTriggers, readTypes } from '../catalog/read-routines.js';

/**
 * Fingerprints of many tenant schemas of one database, read with the catalog snapshot's own
 * queries once per batch of schemas rather than once per tenant: a server with thousands of
 * tenant schemas answers in seconds. Two tenants get the same fingerprint exactly when their
 * catalogs are alike once each one's schema name is taken out.
 */

const BATCH = 200;

/** Each collection of the snapshot and the field naming the schema its objects live in. */
const COLLECTIONS = {
  schemas: { read: readSchemas, key: (x: unknown) => String(x) },
  tables: { read: readTables, key: field('name') },
  constraints: { read: readConstraints, key: field('table') },
  indexes: { read: readIndexes, key: field('table') },
  sequences: { read: readSequences, key: field('name') },
  functions: { read: readFunctions, key: field('name') },
  triggers: { read: readTriggers, key: field('table') },
  types: { read: readTypes, key: field('name') },
  policies: { read: readPolicies, key: field('table') },
  grants: { read: readGrants, key: field('object') },
} satisfies Record<
  string,
  { read: (c: pg.Client, s: string[]) => Promise<unknown[]>; key: (x: unknown) => string }
>;

function field(name: string) {
  return (x: unknown) => String((x as Record<string, unknown>)[name] ?? '');
}

/** `table "Tenant".users` → `Tenant`; `tenant_1.users` → `tenant_1`; `tenant_1` → `tenant_1`. */
function schemaOf(key: string): string {
  const name = key.replace(/^(table|sequence|function|schema|type|view) /, '');
  const quoted = /^"((?:[^"]|"")*)"/.exec(name);
  if (quoted) return quoted[1].replace(/""/g, '"');
  return name.split('.')[0];
}

export async function schemaFingerprints(
  client: pg.Client,
  schemas: string[],
  progress: (done: number) => void = () => {},
): Promise<Map<string, string>> {
  const saved = await client.query<{ path: string }>(
    `select current_setting('search_path') as path`,
  );
  // As the snapshot reads it: every name Postgres prints is schema-qualified.
  await client.query(`select set_config('search_path', 'pg_catalog', false)`);
  const out = new Map<string, string>();
  try {
    for (let i = 0; i < schemas.length; i += BATCH) {
      const batch = schemas.slice(i, i + BATCH);
      const per = new Map(batch.map((s) => [s, {} as Record<string, unknown[]>]));
      for (const [name, c] of Object.entries(COLLECTIONS)) {
        for (const item of await c.read(client, batch)) {
          const own = per.get(schemaOf(c.key(item)));
          if (own) (own[name] ??= []).push(item);
        }
      }
      for (const [schema, catalog] of per) out.set(schema, fingerprintOf(schema, catalog));
      progress(Math.min(i + BATCH, schemas.length));
    }
  } finally {
    await client.query(`select set_config('search_path', $1, false)`, [saved.rows[0].path]);
  }
  return out;
}

function fingerprintOf(schema: string, catalog: Record<string, unknown[]>): string {
  const renamed = renameDeep(catalog, tenantRenamer(schema));
  const sorted = Object.fromEntries(
    Object.keys(COLLECTIONS).map((k) => [
      k,
      (renamed[k] ?? []).map((x) => canonicalJson(x)).sort(compareText),
    ]),
  );
  return createHash('sha256').update(canonicalJson(sorted)).digest('hex');
}
