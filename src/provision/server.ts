import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, rmSync, appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { childEnv } from '../core/child-env.js';
import { InfrastructureError } from '../core/errors.js';
import { registerCleanup } from '../core/cleanup.js';
import { makeRunSubdir } from '../core/run-dir.js';

/**
 * Running Postgres from a directory of binaries (initdb + postgres), as an unprivileged OS user
 * when we are root. Shared by the embedded and local providers, for primaries and replicas.
 */

export interface Binaries {
  initdb: string;
  postgres: string;
}

export interface OsUser {
  uid: number;
  gid: number;
}

/** Postgres refuses to run as root; when we are root, run it as `nobody`. */
export function serverUser(): OsUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'nobody'], { env: childEnv() }).toString().trim());
    const uid = id('-u');
    const gid = id('-g');
    return { uid, gid };
  } catch {
    throw new InfrastructureError(
      'running as root, and no unprivileged "nobody" user exists to run Postgres as; run as a normal user or create one',
    );
  }
}

/** A new directory in this run's directory (see core/run-dir.ts), owned by the server's user. */
export function makeWorkDir(user: OsUser | undefined, prefix = 'pg-'): string {
  const dir = makeRunSubdir(prefix);
  if (user) chownSync(dir, user.uid, user.gid);
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], user: OsUser | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group: on a signal, initdb and the postgres it runs are killed together.
    const child = spawn(cmd, args, {
      uid: user?.uid,
      gid: user?.gid,
      env: serverEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const unregister = registerCleanup(`${cmd} ${child.pid}`, () => {
      if (child.pid && child.exitCode === null) killGroup(child.pid, 'SIGKILL');
    });
    child.on('close', unregister);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => reject(new InfrastructureError(`could not run ${cmd}: ${e.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new InfrastructureError(`${cmd} failed (exit ${code}):\n${lastLines(out, 15)}`)),
    );
  });
}

/**
 * The environment of initdb and of every server: what `COPY … FROM PROGRAM 'env'` or
 * `pg_read_file('/proc/self/environ')` would show a superuser. No token of the job, no PG*
 * variable of the caller (PGDATA, PGPASSWORD); the locale and time zone initdb records.
 */
export function serverEnv(): Record<string, string> {
  return childEnv();
}

export function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

export async function initDataDir(
  bins: Binaries,
  dataDir: string,
  user: OsUser | undefined,
): Promise<void> {
  await run(
    bins.initdb,
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ],
    user,
  );
}

/** Settings that make an ephemeral server fast and able to feed streaming replicas. */
export const EPHEMERAL_SETTINGS: Record<string, string> = {
  listen_addresses: "'127.0.0.1'",
  fsync: 'off',
  full_page_writes: 'off',
  synchronous_commit: 'off',
  // Commits do not wait for WAL to reach the disk: the WAL writer flushes it, and only flushed WAL
  // streams to the replicas. Every 10 ms instead of 200, so a replica is never 200 ms behind.
  wal_writer_delay: "'10ms'",
  wal_level: 'replica',
  max_wal_senders: '10',
  max_replication_slots: '10',
  hot_standby: 'on',
  // A standby cancels a query that blocks WAL replay after this long (production default 30s);
  // short, so the replica gate observes a conflict without waiting for it. The standbys report
  // their snapshots to the primary, so that only lock conflicts cancel their reads, never a
  // vacuum of rows a catalog read still sees.
  max_standby_streaming_delay: "'100ms'",
  hot_standby_feedback: 'on',
  max_connections: '200',
  max_locks_per_transaction: '256',
  log_min_messages: 'warning',
};

export function writeSettings(dataDir: string, settings: Record<string, string>): void {
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
  appendFileSync(join(dataDir, 'postgresql.conf'), `\n# schemagate\n${lines.join('\n')}\n`);
}

export function allowReplication(dataDir: string): void {
  appendFileSync(join(dataDir, 'pg_hba.conf'), '\nhost replication all 127.0.0.1/32 trust\n');
}

export interface RunningServer {
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** The last part of the server's log, for error messages. */
  log(): string;
  /** Shuts the server down; `immediate` skips the shutdown checkpoint (its data is discarded). */
  stop(immediate?: boolean): Promise<void>;
}

/** Starts `postgres -D dataDir -p port` and waits until it accepts connections. */
export async function startServer(
  bins: Binaries,
  dataDir: string,
  port: number,
  user: OsUser | undefined,
  socketDir: string,
): Promise<RunningServer> {
  // Its own process group, so that a last-resort cleanup can kill the postmaster and every
  // backend at once, and a terminal's Ctrl-C reaches us first (we shut the server down).
  const child = spawn(bins.postgres, ['-D', dataDir, '-p', String(port), '-k', socketDir], {
    uid: user?.uid,
    gid: user?.gid,
    env: serverEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const collect = (d: Buffer) => {
    log += d.toString();
    if (log.length > 64_000) log = log.slice(-32_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  child.on('exit', () => (exited = true));
  // SIGQUIT: an immediate shutdown that still removes the server's shared memory (SIGKILL would
  // leave it behind). The run's reaper escalates to SIGKILL should the server linger.
  const unregister = registerCleanup(`postgres ${port}`, () => {
    if (!exited && child.pid) killGroup(child.pid, 'SIGQUIT');
  });
  const stop = async (immediate = false) => {
    if (!exited) {
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill(immediate ? 'SIGQUIT' : 'SIGINT');
      const timer = setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    }
    unregister();
  };
  try {
    await waitForConnections(port, () => (exited ? log : undefined));
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, dataDir, process: child, log: () => log, stop };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // To the postmaster alone for SIGQUIT: it stops its backends itself.
    if (signal === 'SIGQUIT') process.kill(pid, signal);
    else process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

async function waitForConnections(port: number, deadLog: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const log = deadLog();
    if (log !== undefined) {
      throw new InfrastructureError(
        `Postgres exited during start-up. Last lines of its log:\n${lastLines(log, 15)}`,
      );
    }
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
    });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      if (Date.now() > deadline)
        throw new InfrastructureError(
          `Postgres on port ${port} did not accept connections within 60 s`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export function removeDirLater(dir: string): () => void {
  return registerCleanup(`rm ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
}
