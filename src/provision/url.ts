import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { InfrastructureError, InputError, getErrorMessage } from '../core/errors.js';
import { registerCleanup } from '../core/cleanup.js';
import type { Cluster, ConnectionInfo, Provider, StartOptions } from './provider.js';
import { versionNotes } from './embedded.js';
import { quoteIdent } from '../sql/ident.js';

/**
 * An existing server (`--database-url`). The server outlives the run, so the run works in a
 * scratch database `schemagate_<random>` of its own, and further databases the engine makes
 * carry that name as their prefix; stop() drops exactly those, nothing else.
 */
export const urlProvider: Provider = {
  name: 'url',
  start: startOnUrl,
};

export const SCRATCH_PREFIX = 'schemagate_';

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
  const scratch = `${SCRATCH_PREFIX}${randomBytes(5).toString('hex')}`;
  await withAdmin(admin, (c) => c.query(`create database ${quoteIdent(scratch)}`)).catch(
    (error) => {
      throw new InfrastructureError(
        `could not create the scratch database ${scratch} on ${where} (the role needs CREATEDB): ${getErrorMessage(error)}`,
      );
    },
  );
  const stop = once(() => dropScratchDatabases(admin, scratch));
  // Last resort on a signal: the async drop cannot run then, so say what is left behind.
  const forget = registerCleanup(`drop ${scratch}*`, () =>
    process.stderr.write(
      `schemagate: databases ${scratch}* on ${where} were left behind; drop them by hand\n`,
    ),
  );
  const notes = [`ran in scratch database ${scratch} on ${where}`];
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

/** Drops the scratch database and every database named with it as prefix. */
export async function dropScratchDatabases(admin: ConnectionInfo, scratch: string): Promise<void> {
  await withAdmin(admin, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'select datname from pg_database where left(datname, length($1)) = $1 order by datname desc',
      [scratch],
    );
    for (const { datname } of rows) await dropDatabase(c, datname);
  });
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
