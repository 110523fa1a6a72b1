import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findLocalBinaries, localProvider } from '../src/provision/local.js';
import { InfrastructureError } from '../src/core/errors.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import { dataDirectory, eventually, noProcessesMentioning, query } from './providers-support.js';
import { localPostgresTool, runsWith } from './helpers/tools.js';

describe('finding local Postgres binaries', () => {
  let root: string;
  const fakeBin = (dir: string) => {
    mkdirSync(dir, { recursive: true });
    for (const name of ['initdb', 'postgres']) {
      writeFileSync(join(dir, name), '#!/bin/sh\n');
      chmodSync(join(dir, name), 0o755);
    }
    return { initdb: join(dir, 'initdb'), postgres: join(dir, 'postgres') };
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'schemagate-local-'));
    for (const major of ['9.6', '10', '16', '17']) fakeBin(join(root, 'versions', major, 'bin'));
    mkdirSync(join(root, 'versions', '18', 'bin'), { recursive: true }); // no binaries inside
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const places = (path?: string) => ({ versionRoots: [join(root, 'versions')], path });

  it('takes the highest installed major that has binaries', () => {
    expect(findLocalBinaries(undefined, places('/nonexistent'))).toEqual({
      initdb: join(root, 'versions/17/bin/initdb'),
      postgres: join(root, 'versions/17/bin/postgres'),
    });
  });

  it('takes the requested major first, then PATH', () => {
    const onPath = fakeBin(join(root, 'path-bin'));
    expect(findLocalBinaries('10', places(`/nonexistent:${dirname(onPath.initdb)}`))).toEqual({
      initdb: join(root, 'versions/10/bin/initdb'),
      postgres: join(root, 'versions/10/bin/postgres'),
    });
    expect(findLocalBinaries('15', places(dirname(onPath.initdb)))).toEqual(onPath);
    expect(findLocalBinaries(undefined, places(dirname(onPath.initdb)))).toEqual(onPath);
  });

  it('says what to do when nothing is installed', () => {
    const none = { versionRoots: [join(root, 'missing')], path: '' };
    expect(() => findLocalBinaries(undefined, none)).toThrow(
      new InfrastructureError(
        `the local provider found no initdb and postgres on PATH or under ${root}/missing/*/bin; install PostgreSQL (e.g. apt-get install postgresql) or use --provider embedded|docker`,
      ),
    );
  });
});

const installed = runsWith(localPostgresTool(), 'local cluster tests');

describe.runIf(installed)('local provider with a streaming replica', () => {
  let cluster: Cluster;
  let workDir: string;

  beforeAll(async () => {
    cluster = await localProvider.start({ replicas: 1, pgVersion: '99', logger: silentLogger });
    workDir = dirname(await dataDirectory(cluster.primary));
    console.log(
      `local Postgres ${cluster.postgresVersion} + 1 replica started in ${cluster.startMs} ms`,
    );
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs the installed server and notes the version it could not honour', () => {
    expect(cluster.provider).toBe('local');
    expect(cluster.notes).toEqual([
      `requested Postgres 99, but the local provider has ${cluster.postgresVersion}`,
    ]);
    expect(cluster.replicas.map((r) => r.name)).toEqual(['replica_1']);
  });

  it('replays a table created on the primary on the replica', async () => {
    const rows = await query(
      cluster.primary,
      'select application_name, state from pg_stat_replication',
    );
    expect(rows).toEqual([{ application_name: 'replica_1', state: 'streaming' }]);
    await query(cluster.primary, 'create table replicated as select 42 as answer');
    const replica = cluster.replicas[0];
    await eventually(
      async () =>
        (await query(replica, `select to_regclass('replicated') is not null as ok`))[0].ok,
    );
    expect(await query(replica, 'select answer from replicated')).toEqual([{ answer: 42 }]);
  });

  it('stops both servers and removes the directory', async () => {
    await cluster.stop();
    expect(await noProcessesMentioning(workDir)).toEqual([]);
    expect(existsSync(workDir)).toBe(false);
  });
});
