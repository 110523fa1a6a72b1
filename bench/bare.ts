/**
 * The baseline schemagate is judged against: the same binaries started by hand (initdb, a copy of
 * the data directory per streaming replica, three servers), and the same SQL sent by a plain
 * node-pg loop, one tenant schema after the other with search_path set, each file as one query as
 * golang-migrate sends it, then a wait until every replica has replayed the primary's WAL.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { embeddedBinaries } from '../src/provision/embedded.js';
import { primaryFlushedLsn } from '../src/gates/replica/lsn.js';
import type { WorkloadMigration } from './workload.js';

interface Bare {
  primary: number;
  replicas: number[];
  stop(): Promise<void>;
}

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };

function osUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

let nextPort = 20_000 + Math.floor(Math.random() * 20_000);

/** Waits until the server accepts connections; fails once its process has exited, or after 60 s. */
async function connectWhenUp(port: number, server: ChildProcess): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null)
      throw new Error(
        `the server on port ${port} exited (${server.exitCode ?? server.signalCode})`,
      );
    if (Date.now() > until) throw new Error(`the server on port ${port} did not start in 60 s`);
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    try {
      await c.connect();
      await c.end();
      return;
    } catch {
      await c.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** A bare start; one whose server exits at once (a port taken meanwhile) is made again. */
export async function startBare(replicaCount: number): Promise<Bare> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startBareOnce(replicaCount);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/** initdb, two copies for the standbys, three servers, streaming: a bare start. */
async function startBareOnce(replicaCount: number): Promise<Bare> {
  const bins = embeddedBinaries();
  const user = osUser();
  const dir = mkdtempSync(join(tmpdir(), 'sg-bare-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const spawnAs = (cmd: string, args: string[]) =>
    spawn(cmd, args, { uid: user?.uid, gid: user?.gid, env, stdio: 'ignore' });
  const primaryDir = join(dir, 'primary');
  await new Promise<void>((resolve, reject) => {
    const p = spawnAs(bins.initdb, [
      ...['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'],
      ...['--no-sync', '--no-instructions'],
    ]);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`initdb ${code}`))));
  });
  const settings = [
    "listen_addresses = '127.0.0.1'",
    'fsync = off',
    'full_page_writes = off',
    'synchronous_commit = off',
    'wal_level = replica',
    'max_wal_senders = 10',
    'hot_standby = on',
    'max_connections = 200',
    'max_locks_per_transaction = 256',
  ];
  appendFileSync(join(primaryDir, 'postgresql.conf'), `\n${settings.join('\n')}\n`);
  appendFileSync(join(primaryDir, 'pg_hba.conf'), '\nhost replication all 127.0.0.1/32 trust\n');
  const primary = nextPort++;
  const replicas = Array.from({ length: replicaCount }, () => nextPort++);
  for (let i = 0; i < replicaCount; i++) {
    const d = join(dir, `replica_${i + 1}`);
    execFileSync('cp', ['-a', primaryDir, d]);
    writeFileSync(join(d, 'standby.signal'), '');
    if (user) chownSync(join(d, 'standby.signal'), user.uid, user.gid);
    appendFileSync(
      join(d, 'postgresql.conf'),
      `primary_conninfo = 'host=127.0.0.1 port=${primary} user=postgres application_name=r${i + 1}'\n`,
    );
  }
  const servers: ChildProcess[] = [];
  const start = (d: string, port: number) => {
    const server = spawnAs(bins.postgres, ['-D', d, '-p', String(port), '-k', dir]);
    servers.push(server);
    return server;
  };
  const stopAll = async () => {
    await Promise.all(
      servers.map((s) =>
        s.exitCode !== null || s.signalCode !== null
          ? undefined
          : new Promise<void>((r) => (s.kill('SIGINT'), s.once('exit', () => r()))),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The standbys start once the primary accepts connections: one that finds it down waits
    // wal_retrieve_retry_interval (5 s) before it tries again.
    await connectWhenUp(primary, start(primaryDir, primary));
    const standbys = replicas.map((port, i) => start(join(dir, `replica_${i + 1}`), port));
    await Promise.all(replicas.map((port, i) => connectWhenUp(port, standbys[i])));
  } catch (error) {
    await stopAll();
    throw error;
  }
  const c = await client(primary, 'postgres');
  while (replicaCount > 0) {
    const r = await c.query<{ n: string }>(
      "select count(*) as n from pg_stat_replication where state = 'streaming'",
    );
    if (Number(r.rows[0].n) === replicaCount) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  await c.end();
  return {
    primary,
    replicas,
    stop: stopAll,
  };
}

async function client(port: number, database: string): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database });
  await c.connect();
  return c;
}

/** Every tenant's schema gets the whole history, one file per query; then the replicas catch up. */
export async function bareReplay(
  cluster: Bare,
  tenants: number,
  migrations: WorkloadMigration[],
): Promise<void> {
  const admin = await client(cluster.primary, 'postgres');
  await admin.query('create database app');
  await admin.end();
  for (let t = 1; t <= tenants; t++) {
    const c = await client(cluster.primary, 'app');
    await c.query(`create schema tenant_${t}`);
    await c.query(`set search_path = tenant_${t}, public`);
    for (const m of migrations) await c.query(m.up);
    await c.end();
  }
  // The end of the WAL as the replica gate takes it: flushed, and never just past a page header.
  const c = await client(cluster.primary, 'app');
  const lsn = await primaryFlushedLsn(c);
  await c.end();
  for (const port of cluster.replicas) {
    const r = await client(port, 'postgres');
    for (;;) {
      const q = await r.query<{ ok: boolean }>(
        'select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok',
        [lsn],
      );
      if (q.rows[0].ok) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    await r.end();
  }
}
