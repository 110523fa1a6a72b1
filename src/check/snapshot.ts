import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { fingerprint } from '../catalog/fingerprint.js';
import { snapshotCatalog } from '../catalog/snapshot.js';
import { schemaFingerprints } from './snapshot-catalog.js';
import { readVersionTables, withVersionRows, type TenantVersions } from './snapshot-versions.js';
import { InfrastructureError, InputError, getErrorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { TopologyKind } from '../core/model.js';
import { escapeRegExp } from '../core/regexp.js';
import type { ConnectionInfo } from '../provision/provider.js';
import { parseDatabaseUrl } from '../provision/url.js';
import { NOT_TENANTS } from '../replay/baseline.js';
import { findPgDump, runPgDump, type PgDumpTool } from '../replay/baseline-pg-dump.js';
import {
  TENANTS_FILE,
  variantName,
  writeTenantsFile,
  type SnapshotVariant,
} from '../replay/baseline-snapshot.js';

/**
 * `schemagate snapshot`: production's tenants as baselines. Reads the catalog of each tenant
 * (schemas or databases matching `--tenants`, or the one database) over read-only sessions, groups
 * tenants whose catalogs are identical into variants, and writes one schema-only dump per variant
 * (of one tenant standing for the others) plus `tenants.yml`. Reads no row of any table but the
 * migration tool's own (src/check/snapshot-versions.ts).
 */

/** How every dump the command writes starts. */
const HEADER = '-- schemagate snapshot,';

export interface SnapshotRequest {
  databaseUrl: string;
  out: string;
  topology: TopologyKind;
  /** A glob of tenant schema or database names (`tenant_*`); absent: every one. */
  tenants?: string;
  sharedSchema: string;
  /** How pg_dump is found (tests); the installed one or docker by default. */
  pgDump?: (major: string) => Promise<PgDumpTool>;
}

export interface SnapshotResult {
  postgres: string;
  variants: SnapshotVariant[];
  files: string[];
}

interface Tenant {
  name: string;
  /** The database holding it, and the schemas its catalog is read in. */
  database: string;
  schemas: string[];
}

export async function takeSnapshot(req: SnapshotRequest, logger: Logger): Promise<SnapshotResult> {
  const server = parseDatabaseUrl(req.databaseUrl);
  const client = await readOnly(server, server.database);
  let tenants: Tenant[];
  let others: string[];
  let version: { text: string; major: string };
  const groups = new Map<string, string[]>();
  let versions: Map<string, TenantVersions>;
  try {
    version = await serverVersion(client);
    ({ tenants, others } = await listTenants(client, server, req));
    const prints = await fingerprints(client, server, tenants, req, logger);
    versions = await versionTables(client, server, tenants, others);
    // Tenants alike in catalog and in the migrations they ran share a variant.
    for (const [name, print] of prints) {
      const key = [print, ...versions.get(name)!.tables.map((t) => t.key)].join('\n');
      groups.set(key, [...(groups.get(key) ?? []), name]);
    }
  } finally {
    await client.end();
  }
  const tool = await (req.pgDump ?? findPgDump)(version.major);
  const variants = [...groups.values()]
    .sort((a, b) => b.length - a.length || a[0].localeCompare(b[0]))
    .map((names, i) => ({
      name: variantName(i),
      file: `${variantName(i)}.sql`,
      representative: names[0],
      tenants: names,
    }));
  const extensions = req.topology === 'schema' ? await extensionsOf(server) : [];
  mkdirSync(req.out, { recursive: true });
  removeOldVariants(req.out);
  const files: string[] = [];
  for (const v of variants) {
    logger.progress({ phase: 'snapshot', activity: `pg_dump of variant ${v.name}` });
    const database = req.topology === 'database' ? v.representative : server.database;
    const args =
      req.topology === 'schema'
        ? [v.representative, ...others]
            .flatMap((s) => ['--schema', literal(s)])
            .concat(extensions.flatMap((e) => ['--extension', literal(e)]))
        : [];
    const dump = await runPgDump(tool, server, database, args);
    const text = withVersionRows(dump, versions.get(v.representative)!.tables);
    const header = `${HEADER} variant ${v.name}: ${v.representative} stands for ${v.tenants.length} tenant(s) (${TENANTS_FILE})\n`;
    writeFileSync(join(req.out, v.file), header + text);
    files.push(v.file);
  }
  const index = {
    topology: req.topology,
    ...(req.topology === 'schema' ? { sharedSchema: req.sharedSchema } : {}),
    postgres: version.text,
    variants,
  };
  writeFileSync(join(req.out, TENANTS_FILE), writeTenantsFile(index));
  return { postgres: version.text, variants, files: [...files, TENANTS_FILE] };
}

/** Each tenant's version tables, read in its database (the schema topology: with the shared ones). */
async function versionTables(
  client: pg.Client,
  server: ConnectionInfo,
  tenants: Tenant[],
  others: string[],
): Promise<Map<string, TenantVersions>> {
  const inMain = tenants.filter((t) => t.database === server.database);
  const out = await readVersionTables(
    client,
    new Map(inMain.map((t) => [t.name, [...t.schemas, ...others]])),
  );
  for (const t of tenants.filter((t) => t.database !== server.database)) {
    const own = await readOnly(server, t.database);
    try {
      const read = await readVersionTables(own, new Map([[t.name, t.schemas]]));
      out.set(t.name, read.get(t.name)!);
    } finally {
      await own.end();
    }
  }
  return out;
}

/** A session that cannot write: every transaction it starts is read-only. */
async function readOnly(server: ConnectionInfo, database: string): Promise<pg.Client> {
  const client = new pg.Client({
    ...server,
    database,
    application_name: 'schemagate snapshot',
    options: '-c default_transaction_read_only=on',
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    const message = getErrorMessage(error);
    const hidden = server.password ? message.split(server.password).join('****') : message;
    throw new InfrastructureError(
      `could not connect to ${server.user}@${server.host}:${server.port}/${database}: ${hidden}`,
    );
  }
  return client;
}

async function serverVersion(client: pg.Client): Promise<{ text: string; major: string }> {
  const r = await client.query<{ v: string; n: string }>(
    `select current_setting('server_version') as v, current_setting('server_version_num') as n`,
  );
  const num = Number(r.rows[0].n);
  const major =
    num >= 100000
      ? String(Math.floor(num / 10000))
      : `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}`;
  return { text: r.rows[0].v.split(' ')[0], major };
}

/** `tenant_*` as a regular expression over whole names. */
function globOf(glob: string): RegExp {
  const re = glob
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : escapeRegExp(c)))
    .join('');
  return new RegExp(`^${re}$`);
}

async function listTenants(
  client: pg.Client,
  server: ConnectionInfo,
  req: SnapshotRequest,
): Promise<{ tenants: Tenant[]; others: string[] }> {
  const match = req.tenants ? globOf(req.tenants) : undefined;
  if (req.topology === 'shared') {
    const schemas = await userSchemas(client);
    return { tenants: [{ name: server.database, database: server.database, schemas }], others: [] };
  }
  if (req.topology === 'database') {
    const r = await client.query<{ datname: string }>(
      `select datname from pg_database where datallowconn and not datistemplate
         and has_database_privilege(datname, 'CONNECT') order by datname`,
    );
    const names = r.rows
      .map((row) => row.datname)
      .filter((d) => (match ? match.test(d) : d !== 'postgres'));
    if (names.length === 0) throw noTenants(req, 'database');
    const tenants: Tenant[] = [];
    for (const name of names) {
      const c = await readOnly(server, name);
      try {
        tenants.push({ name, database: name, schemas: await userSchemas(c) });
      } finally {
        await c.end();
      }
    }
    return { tenants, others: [] };
  }
  const schemas = await userSchemas(client);
  const isTenant = (s: string) =>
    match ? match.test(s) : s !== req.sharedSchema && !NOT_TENANTS.test(s);
  const tenants = schemas.filter(isTenant).map((name) => ({
    name,
    database: server.database,
    schemas: [name],
  }));
  if (tenants.length === 0) throw noTenants(req, 'schema');
  return { tenants, others: schemas.filter((s) => !isTenant(s)) };
}

function noTenants(req: SnapshotRequest, what: string): InputError {
  return new InputError(
    req.tenants
      ? `--tenants ${req.tenants}: no ${what} of the server matches`
      : `the server has no tenant ${what}; name them with --tenants GLOB`,
  );
}

/** The schemas a user made (not Postgres' own), sorted. */
async function userSchemas(client: pg.Client): Promise<string[]> {
  const r = await client.query<{ nspname: string }>(
    `select nspname from pg_namespace
      where nspname not like 'pg\\_%' and nspname <> 'information_schema' order by nspname`,
  );
  return r.rows.map((row) => row.nspname);
}

/** Extensions pg_dump leaves out when it dumps chosen schemas: named so that it keeps them. */
async function extensionsOf(server: ConnectionInfo): Promise<string[]> {
  const client = await readOnly(server, server.database);
  try {
    const r = await client.query<{ extname: string }>(
      `select extname from pg_extension where extname <> 'plpgsql' order by 1`,
    );
    return r.rows.map((row) => row.extname);
  } finally {
    await client.end();
  }
}

/** Each tenant's catalog fingerprint: schemas in batches, databases one by one. */
async function fingerprints(
  client: pg.Client,
  server: ConnectionInfo,
  tenants: Tenant[],
  req: SnapshotRequest,
  logger: Logger,
): Promise<Map<string, string>> {
  const at = (done: number) =>
    logger.progress({ phase: 'snapshot', tenant: [done, tenants.length] });
  if (req.topology === 'schema') {
    const names = tenants.map((t) => t.name);
    return schemaFingerprints(client, names, at);
  }
  const out = new Map<string, string>();
  for (const [i, t] of tenants.entries()) {
    at(i + 1);
    out.set(t.name, await catalogFingerprint(client, server, t));
  }
  return out;
}

async function catalogFingerprint(
  client: pg.Client,
  server: ConnectionInfo,
  t: Tenant,
): Promise<string> {
  const own = t.database === server.database ? client : await readOnly(server, t.database);
  try {
    const options =
      t.schemas.length === 1
        ? { schemas: t.schemas, tenantSchema: t.schemas[0] }
        : { schemas: t.schemas };
    return fingerprint(await snapshotCatalog(own, options));
  } finally {
    if (own !== client) await own.end();
  }
}

/** A folder snapshotted before may hold a variant this snapshot no longer has: its dump goes. */
function removeOldVariants(out: string): void {
  for (const file of readdirSync(out).filter((f) => /^[a-z]+\.sql$/.test(f))) {
    const head = readFileSync(join(out, file), 'utf8').slice(0, HEADER.length);
    if (head === HEADER) rmSync(join(out, file));
  }
}

/** A name as pg_dump's patterns take it literally. */
function literal(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
