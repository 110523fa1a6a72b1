import { execFile } from 'node:child_process';
import { writeFileSync, appendFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { childEnv } from '../core/child-env.js';
import { InfrastructureError, getErrorMessage } from '../core/errors.js';
import type { ConnectionInfo, ReplicaInfo } from './provider.js';
import {
  freePort,
  lastLines,
  startServer,
  type Binaries,
  type OsUser,
  type RunningServer,
} from './server.js';

/**
 * Streaming replicas for binary-directory clusters, without pg_basebackup (the embedded
 * binaries do not ship it): every replica starts from a copy of the primary's data directory
 * taken after initdb and before the primary's first start, with standby.signal and a
 * primary_conninfo. Both then share one system identifier and one timeline, so the replica
 * streams everything the primary writes from its first start on.
 */

export interface ReplicaPlan {
  name: string;
  dataDir: string;
  port: number;
}

export interface ReplicaContext {
  bins: Binaries;
  user: OsUser | undefined;
  workDir: string;
  primaryPort: number;
  /** Running servers of the cluster; replicas are appended so that the cluster stops them. */
  servers: RunningServer[];
  replicas: ReplicaPlan[];
}

/** How long a replica may take to stream and to catch up before the start fails. */
export const REPLICA_TIMEOUT_MS = 30_000;

const execFileAsync = promisify(execFile);

export function replicaName(index: number): string {
  return `replica_${index + 1}`;
}

/** Copies the stopped primary data directory once per replica and makes each copy a standby. */
export async function prepareReplicaDirs(
  primaryDataDir: string,
  primaryPort: number,
  workDir: string,
  user: OsUser | undefined,
  count: number,
): Promise<ReplicaPlan[]> {
  const ports = await distinctFreePorts(count, primaryPort);
  return Promise.all(
    ports.map(async (port, i) => {
      const name = replicaName(i);
      const dataDir = join(workDir, name);
      // cp -a keeps the 0700 mode and the owner the server runs as.
      await execFileAsync('cp', ['-a', primaryDataDir, dataDir], { env: childEnv() });
      makeStandby(dataDir, name, primaryPort, user);
      return { name, dataDir, port };
    }),
  );
}

/** Ports are only reserved once a server listens; keep the not-yet-started ones apart. */
async function distinctFreePorts(count: number, taken: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort();
    if (port !== taken) ports.add(port);
  }
  return [...ports];
}

function makeStandby(dataDir: string, name: string, primaryPort: number, user?: OsUser): void {
  const signal = join(dataDir, 'standby.signal');
  writeFileSync(signal, '');
  if (user) chownSync(signal, user.uid, user.gid);
  const conninfo = `host=127.0.0.1 port=${primaryPort} user=postgres application_name=${name}`;
  // A standby replays the WAL and answers a few reads of the gates: a quarter of the primary's
  // shared buffers keeps three servers of a thousand tenants within a GiB, at no cost in speed.
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    `primary_conninfo = '${conninfo}'\nprimary_slot_name = '${name}'\nshared_buffers = '32MB'\n`,
  );
}

/**
 * Starts the prepared replicas against the running primary and returns once every one of them
 * streams and has replayed a WAL record written after they connected.
 */
export async function startReplicas(ctx: ReplicaContext): Promise<ReplicaInfo[]> {
  const primary = connection(ctx.primaryPort);
  // A physical slot per replica keeps the WAL a slow replica still needs.
  await withClient(primary, async (c) => {
    for (const r of ctx.replicas)
      await c.query('select pg_create_physical_replication_slot($1, true)', [r.name]);
  });
  // Started side by side; every one that started joins `servers` before a failure is thrown.
  const starts = await Promise.allSettled(
    ctx.replicas.map(async (r) => {
      const server = await startServer(ctx.bins, r.dataDir, r.port, ctx.user, ctx.workDir);
      ctx.servers.push(server);
    }),
  );
  const failed = starts.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const logs = () =>
    ctx.servers
      .filter((s) => s.port !== ctx.primaryPort)
      .map((s) => `${s.dataDir}:\n${lastLines(s.log(), 10) || '(empty log)'}`)
      .join('\n');
  const replicas = ctx.replicas.map((r) => ({ ...connection(r.port), name: r.name }));
  await waitForStreaming(primary, replicas, logs);
  await waitForReplay(primary, replicas, logs);
  return replicas;
}

export function connection(port: number): ConnectionInfo {
  return { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
}

export async function withClient<T>(
  info: ConnectionInfo,
  fn: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(info);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Polls `check` until it returns true or the replica timeout passes. */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  logs: () => string,
): Promise<void> {
  const deadline = Date.now() + REPLICA_TIMEOUT_MS;
  let lastError = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = getErrorMessage(error);
    }
    if (Date.now() > deadline) {
      throw new InfrastructureError(
        `${what} within ${REPLICA_TIMEOUT_MS / 1000} s${lastError ? ` (${lastError})` : ''}${logs() ? `. Logs:\n${logs()}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every replica shows up in the primary's pg_stat_replication with state `streaming`. */
export async function waitForStreaming(
  primary: ConnectionInfo,
  replicas: ReplicaInfo[],
  logs: () => string,
): Promise<void> {
  const names = replicas.map((r) => r.name);
  await withClient(primary, (c) =>
    pollUntil(
      `replicas ${names.join(', ')} did not all reach state 'streaming'`,
      async () => {
        const r = await c.query<{ n: string }>(
          `select count(*) as n from pg_stat_replication
            where state = 'streaming' and application_name = any($1)`,
          [names],
        );
        return Number(r.rows[0].n) === names.length;
      },
      logs,
    ),
  );
}

/**
 * Writes a WAL record on the primary (a logical message: no table, nothing to clean up) and
 * waits until every replica has replayed up to the primary's insert position.
 */
export async function waitForReplay(
  primary: ConnectionInfo,
  replicas: ReplicaInfo[],
  logs: () => string,
): Promise<void> {
  const target = await withClient(primary, async (c) => {
    await c.query(`select pg_logical_emit_message(false, 'schemagate', 'replica check')`);
    const r = await c.query<{ lsn: string }>('select pg_current_wal_insert_lsn() as lsn');
    return r.rows[0].lsn;
  });
  for (const replica of replicas) {
    await withClient(replica, (c) =>
      pollUntil(
        `${replica.name} did not replay the primary's WAL up to ${target}`,
        async () => {
          const r = await c.query<{ ok: boolean }>(
            'select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok',
            [target],
          );
          return r.rows[0].ok === true;
        },
        logs,
      ),
    );
  }
}
