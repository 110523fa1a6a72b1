import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { InfrastructureError, InputError, getErrorMessage } from '../core/errors.js';
import { registerCleanup } from '../core/cleanup.js';
import type { Cluster, ConnectionInfo, Provider, StartOptions } from './provider.js';
import { versionNotes } from './embedded.js';
import { quoteIdent } from '../sql/ident.js';
import {
  SCRATCH_PREFIX,
  STALE_AFTER_MS,
  dropRunRoles,
  markedAt,
  migratorRoleName,
  runMark,
} from './run-roles.js';

/**
 * An existing server (`--database-url`). The server outlives the run, so the run works in a
 * scratch database `schemagate_<random>` of its own, and further databases the engine makes
 * carry that name as their prefix, as does the migration role the engine makes
 * (`<scratch>_migrator`, see run-roles.ts); stop() drops exactly those, nothing else, and so
 * does a signal. What a killed run left behind is removed by a later run after an hour.
 */
export const urlProvider: Provider = {
  name: 'url',
  start: startOnUrl,
};

export { SCRATCH_PREFIX };

async function startOnUrl(options: StartOptions): Promise<Cluster> {
  const started = Date.now();
  const admin = parseDatabaseUrl(options.databaseUrl);
  const where = displayName(admin);
  const postgresVersion = await withAdmin(admin, async (c) => {
    const { rows } = await c.query<{ server_version: string }>('show server_version');
    return rows[0].server_version.split(' ')[0];
  }).catch((error) => {
    throw new InfrastructureError(`could not connect to ${where}: ${getErrorMessage(error)}`);
  });
  const reaped = await withAdmin(admin, removeStaleRuns).catch(() => 0);
  const scratch = `${SCRATCH_PREFIX}${randomBytes(5).toString('hex')}`;
  await withAdmin(admin, async (c) => {
    await c.query(`create database ${quoteIdent(scratch)}`);
    await c.query(`comment on database ${quoteIdent(scratch)} is '${runMark()}'`);
  }).catch((error) => {
    throw new InfrastructureError(
      `could not create the scratch database ${scratch} on ${where} (the role needs CREATEDB): ${getErrorMessage(error)}`,
    );
  });
  let stopped = false;
  const stop = once(async () => {
    await dropRun(admin, scratch);
    stopped = true;
  });
  // On a signal the drop runs before exit (see core/cleanup.ts); if it could not, say so.
  const forget = registerCleanup(
    `drop ${scratch}*`,
    () => {
      if (stopped) return;
      process.stderr.write(
        `schemagate: databases ${scratch}* and role ${migratorRoleName(`${scratch}_`)} on ${where} were left behind; a run after an hour removes them, or drop them by hand\n`,
      );
    },
    () => stop(),
  );
  const notes = [`ran in scratch database ${scratch} on ${where}`];
  if (reaped > 0)
    notes.push(`removed what ${reaped} earlier run(s) left on ${where} more than an hour ago`);
  if (options.replicas > 0)
    notes.push(
      `--replicas ${options.replicas}: the url provider has no replicas; ran the primary only`,
    );
  notes.push(...versionNotes('url', options.pgVersion, postgresVersion));
  const stopAndForget = async () => {
    await stop();
    forget();
  };
  return {
    provider: 'url',
    postgresVersion,
    primary: { ...admin, database: scratch },
    replicas: [],
    notes,
    startMs: Date.now() - started,
    stop: stopAndForget,
    [Symbol.asyncDispose]: stopAndForget,
  };
}

/** `postgres://user:password@host:port/database?sslmode=...&host=/socket/dir`. */
export function parseDatabaseUrl(raw: string | undefined): ConnectionInfo {
  if (!raw)
    throw new InputError(
      '--provider url needs --database-url postgres://user:password@host:port/database',
    );
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`--database-url: expected a postgres:// URL, got ${redact(raw)}`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new InputError(
      `--database-url: expected the scheme postgres:// or postgresql://, got ${url.protocol}//`,
    );
  const host = url.searchParams.get('host') ?? decodeURIComponent(url.hostname);
  const port = Number(url.port || 5432);
  if (!host) throw new InputError(`--database-url: expected a host, got ${redact(raw)}`);
  const info: ConnectionInfo = {
    host,
    port,
    user: decodeURIComponent(url.username) || 'postgres',
    database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
  };
  if (url.password) info.password = decodeURIComponent(url.password);
  const ssl = sslFromMode(url.searchParams.get('sslmode'));
  if (ssl !== undefined) info.ssl = ssl;
  return info;
}

function sslFromMode(mode: string | null): ConnectionInfo['ssl'] {
  switch (mode) {
    case null:
    case 'disable':
    case 'allow':
    case 'prefer':
      return undefined;
    case 'require':
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      throw new InputError(
        `--database-url: expected sslmode disable|prefer|require|verify-ca|verify-full, got ${mode}`,
      );
  }
}

function redact(raw: string): string {
  return raw.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function displayName(info: ConnectionInfo): string {
  return `${info.user}@${info.host}:${info.port}/${info.database}`;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

async function withAdmin<T>(info: ConnectionInfo, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    ...info,
    application_name: 'schemagate',
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drops the run's databases, then its migration role and the roles that role made. */
async function dropRun(admin: ConnectionInfo, scratch: string): Promise<void> {
  await withAdmin(admin, async (c) => {
    const role = migratorRoleName(`${scratch}_`);
    await adoptRole(c, role);
    await dropPrefixed(c, scratch);
    await dropRunRoles(c, role);
  });
}

/**
 * A url role that is no superuser (CREATEROLE and CREATEDB) may drop the migration role's
 * databases only as a member of it; it may make itself one, having made the role.
 */
async function adoptRole(c: pg.Client, role: string): Promise<void> {
  const r = await c.query<{ rolsuper: boolean; exists: boolean }>(
    `select (select rolsuper from pg_roles where rolname = current_user) as rolsuper,
            exists (select 1 from pg_roles where rolname = $1) as exists`,
    [role],
  );
  if (r.rows[0].rolsuper || !r.rows[0].exists) return;
  await c.query(`grant ${quoteIdent(role)} to current_user`).catch(() => {});
}

/**
 * Removes what runs older than an hour left (killed with SIGKILL, or the machine gone): scratch
 * databases and migration roles marked by a run, with the databases named after them. Returns
 * how many runs it removed.
 */
async function removeStaleRuns(c: pg.Client): Promise<number> {
  const { rows } = await c.query<{ name: string; comment: string | null; kind: string }>(
    `select datname as name, shobj_description(oid, 'pg_database') as comment, 'database' as kind
       from pg_database where left(datname, length($1)) = $1
     union all
     select rolname, shobj_description(oid, 'pg_authid'), 'role'
       from pg_roles where left(rolname, length($1)) = $1`,
    [SCRATCH_PREFIX],
  );
  const cutoff = Date.now() - STALE_AFTER_MS;
  const scratches = new Set<string>();
  for (const r of rows) {
    const at = markedAt(r.comment);
    if (at === undefined || at > cutoff) continue;
    if (r.kind === 'database') scratches.add(r.name);
    else if (r.name.endsWith('_migrator')) scratches.add(r.name.slice(0, -'_migrator'.length));
  }
  for (const scratch of scratches) {
    const role = migratorRoleName(`${scratch}_`);
    await adoptRole(c, role).catch(() => {});
    await dropPrefixed(c, scratch).catch(() => {});
    await dropRunRoles(c, role).catch(() => {});
  }
  return scratches.size;
}

/** Drops the scratch database and every database named with it as prefix. */
export async function dropScratchDatabases(admin: ConnectionInfo, scratch: string): Promise<void> {
  await withAdmin(admin, (c) => dropPrefixed(c, scratch));
}

async function dropPrefixed(c: pg.Client, scratch: string): Promise<void> {
  const { rows } = await c.query<{ datname: string }>(
    'select datname from pg_database where left(datname, length($1)) = $1 order by datname desc',
    [scratch],
  );
  for (const { datname } of rows) await dropDatabase(c, datname);
}

/** Terminates the database's sessions, then drops it; retried while new sessions sneak in. */
async function dropDatabase(c: pg.Client, datname: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await c.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [datname],
    );
    try {
      await c.query(`drop database if exists ${quoteIdent(datname)}`);
      return;
    } catch (error) {
      const inUse = (error as { code?: string }).code === '55006';
      if (!inUse || attempt === 5) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
