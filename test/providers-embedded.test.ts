import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  embeddedBinaries,
  embeddedProvider,
  startFromBinaries,
} from '../src/provision/embedded.js';
import { InfrastructureError } from '../src/core/errors.js';
import { CACHE_PREFIX, cacheKey } from '../src/provision/initdb-cache.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import {
  dataDirectory,
  eventually,
  noProcessesMentioning,
  processesMentioning,
  query,
} from './providers-support.js';

describe('embedded provider with two streaming replicas', () => {
  let cluster: Cluster;
  let workDir: string;

  beforeAll(async () => {
    cluster = await embeddedProvider.start({ replicas: 2, logger: silentLogger });
    workDir = dirname(await dataDirectory(cluster.primary));
    console.log(`embedded primary + 2 replicas started in ${cluster.startMs} ms`);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('describes the primary and both replicas', () => {
    expect(cluster.provider).toBe('embedded');
    expect(cluster.postgresVersion).toMatch(/^18\.\d+$/);
    expect(cluster.notes).toEqual([]);
    expect(cluster.replicas.map((r) => r.name)).toEqual(['replica_1', 'replica_2']);
    const ports = new Set([cluster.primary.port, ...cluster.replicas.map((r) => r.port)]);
    expect(ports.size).toBe(3);
  });

  it('streams to both replicas, as the primary reports', async () => {
    const rows = await query<{ application_name: string; state: string }>(
      cluster.primary,
      'select application_name, state from pg_stat_replication order by application_name',
    );
    expect(rows).toEqual([
      { application_name: 'replica_1', state: 'streaming' },
      { application_name: 'replica_2', state: 'streaming' },
    ]);
    for (const replica of cluster.replicas) {
      const [r] = await query<{ standby: boolean }>(
        replica,
        'select pg_is_in_recovery() as standby',
      );
      expect(r.standby).toBe(true);
    }
  });

  it('replays a table created on the primary on both replicas', async () => {
    await query(cluster.primary, 'create table replicated (id int primary key, label text)');
    await query(cluster.primary, `insert into replicated values (1, 'one'), (2, 'two')`);
    const [{ lsn }] = await query<{ lsn: string }>(
      cluster.primary,
      'select pg_current_wal_insert_lsn() as lsn',
    );
    for (const replica of cluster.replicas) {
      await eventually(async () => {
        const [r] = await query<{ ok: boolean }>(
          replica,
          'select pg_last_wal_replay_lsn() >= $1::pg_lsn as ok',
          [lsn],
        );
        return r.ok;
      });
      const rows = await query(replica, 'select id, label from replicated order by id');
      expect(rows).toEqual([
        { id: 1, label: 'one' },
        { id: 2, label: 'two' },
      ]);
    }
  });

  it('keeps one initialised directory per binaries to copy, which the server cannot write', async () => {
    // Named by the binaries' content: another checkout with the same binaries shares it.
    const entry = join(tmpdir(), `${CACHE_PREFIX}${await cacheKey(embeddedBinaries())}`);
    const caches = readdirSync(tmpdir())
      .map((d) => join(tmpdir(), d))
      .filter((d) => d === entry);
    expect(caches.length).toBe(1);
    expect(existsSync(join(caches[0], 'data', 'PG_VERSION'))).toBe(true);
    // Owned by whoever runs schemagate (root here), never by the server's user (nobody).
    expect(statSync(join(caches[0], 'data')).uid).toBe(process.getuid!());
    expect(statSync(join(caches[0], 'data')).mode & 0o077).toBe(0);
  });

  it('stops every server and removes its directory', async () => {
    expect(processesMentioning(workDir).length).toBe(3);
    await cluster.stop();
    expect(await noProcessesMentioning(workDir)).toEqual([]);
    expect(existsSync(workDir)).toBe(false);
  });
});

describe('embedded provider when a replica cannot start', () => {
  it('stops the primary and the started replica and removes the directory', async () => {
    // A postgres that fails for replica_2 only, and records every data directory it is given.
    const fake = mkdtempSync(join(tmpdir(), 'schemagate-fake-'));
    chmodSync(fake, 0o755);
    const calls = join(fake, 'calls');
    writeFileSync(calls, '');
    chmodSync(calls, 0o666);
    const real = embeddedBinaries();
    const wrapper = join(fake, 'postgres');
    writeFileSync(
      wrapper,
      `#!/bin/sh\necho "$2" >> ${calls}\ncase "$2" in *replica_2) echo "replica_2 refuses to start" >&2; exit 1;; esac\nexec ${real.postgres} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    try {
      const start = startFromBinaries(
        'embedded',
        { initdb: real.initdb, postgres: wrapper },
        { replicas: 2, logger: silentLogger },
      );
      await expect(start).rejects.toThrow(InfrastructureError);
      await expect(start).rejects.toThrow(
        /Postgres exited during start-up\. Last lines of its log:\nreplica_2 refuses to start/,
      );
      const dirs = readFileSync(calls, 'utf8').trim().split('\n');
      expect(dirs.map((d) => d.split('/').pop()).sort()).toEqual([
        'primary',
        'replica_1',
        'replica_2',
      ]);
      const workDir = dirname(dirs[0]);
      expect(await noProcessesMentioning(workDir)).toEqual([]);
      expect(existsSync(workDir)).toBe(false);
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});
