import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { embeddedProvider } from '../src/provision/embedded.js';
import { parseDatabaseUrl, urlProvider } from '../src/provision/url.js';
import { InfrastructureError, InputError } from '../src/core/errors.js';
import { silentLogger } from '../src/core/logger.js';
import { freePort } from '../src/provision/server.js';
import type { Cluster } from '../src/provision/provider.js';
import { query } from './providers-support.js';

describe('url provider on a running server', () => {
  let server: Cluster;
  let url: string;
  const databases = async () =>
    (await query<{ datname: string }>(server.primary, 'select datname from pg_database order by 1'))
      .map((r) => r.datname)
      .filter((d) => !d.startsWith('template'));

  beforeAll(async () => {
    server = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
    url = `postgres://postgres@127.0.0.1:${server.primary.port}/postgres`;
    await query(server.primary, 'create database schemagate_keep');
    await query(server.primary, 'create database other_db');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('works in a scratch database and drops exactly the databases named after it', async () => {
    const cluster = await urlProvider.start({
      replicas: 1,
      databaseUrl: url,
      logger: silentLogger,
    });
    const scratch = cluster.primary.database;
    expect(scratch).toMatch(/^schemagate_[0-9a-f]{10}$/);
    expect(cluster.provider).toBe('url');
    expect(cluster.postgresVersion).toBe(server.postgresVersion);
    expect(cluster.replicas).toEqual([]);
    expect(cluster.primary).toEqual({ ...server.primary, database: scratch });
    expect(cluster.notes).toEqual([
      `ran in scratch database ${scratch} on postgres@127.0.0.1:${server.primary.port}/postgres`,
      '--replicas 1: the url provider has no replicas; ran the primary only',
    ]);
    await query(server.primary, `create database ${scratch}_tenant_1`);
    // A session left open in a run database must not keep it alive.
    const open = new pg.Client({ ...cluster.primary, database: `${scratch}_tenant_1` });
    await open.connect();
    open.on('error', () => {});
    expect(await databases()).toEqual(
      ['other_db', 'postgres', 'schemagate_keep', scratch, `${scratch}_tenant_1`].sort(),
    );
    await cluster.stop();
    expect(await databases()).toEqual(['other_db', 'postgres', 'schemagate_keep']);
    await open.end().catch(() => {});
  });

  it('notes a different major version than requested', async () => {
    const cluster = await urlProvider.start({
      replicas: 0,
      pgVersion: '16',
      databaseUrl: url,
      logger: silentLogger,
    });
    await cluster.stop();
    expect(cluster.notes[1]).toBe(
      `requested Postgres 16, but the url provider has ${server.postgresVersion}`,
    );
  });

  it('reports an unreachable server as an infrastructure error', async () => {
    const port = await freePort();
    const start = urlProvider.start({
      replicas: 0,
      databaseUrl: `postgresql://app:secret@127.0.0.1:${port}/app`,
      logger: silentLogger,
    });
    await expect(start).rejects.toThrow(InfrastructureError);
    await expect(start).rejects.toThrow(
      new RegExp(`^could not connect to app@127\\.0\\.0\\.1:${port}/app: .*ECONNREFUSED`),
    );
  });
});

describe('--database-url parsing', () => {
  it('reads every part of the URL', () => {
    expect(
      parseDatabaseUrl('postgresql://app%40corp:p%2Fw@db.example.com:6432/my%20db?sslmode=require'),
    ).toEqual({
      host: 'db.example.com',
      port: 6432,
      user: 'app@corp',
      password: 'p/w',
      database: 'my db',
      ssl: { rejectUnauthorized: false },
    });
    expect(parseDatabaseUrl('postgres://localhost')).toEqual({
      host: 'localhost',
      port: 5432,
      user: 'postgres',
      database: 'postgres',
    });
    expect(parseDatabaseUrl('postgres://u@x/d?host=/var/run/postgresql').host).toBe(
      '/var/run/postgresql',
    );
  });

  it('rejects a missing or invalid URL as an input error', () => {
    expect(() => parseDatabaseUrl(undefined)).toThrow(
      new InputError(
        '--provider url needs --database-url postgres://user:password@host:port/database',
      ),
    );
    expect(() => parseDatabaseUrl('not a url')).toThrow(
      new InputError('--database-url: expected a postgres:// URL, got not a url'),
    );
    expect(() => parseDatabaseUrl('mysql://root:pw@localhost/db')).toThrow(
      new InputError(
        '--database-url: expected the scheme postgres:// or postgresql://, got mysql://',
      ),
    );
    expect(() => parseDatabaseUrl('postgres://u:pw@h/d?sslmode=sometimes')).toThrow(
      new InputError(
        '--database-url: expected sslmode disable|prefer|require|verify-ca|verify-full, got sometimes',
      ),
    );
    expect(() => parseDatabaseUrl('postgres:///d')).toThrow(
      new InputError('--database-url: expected a host, got postgres:///d'),
    );
  });
});
