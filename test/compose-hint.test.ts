import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeHint, postgresMajorOfImage } from '../src/config/compose-hint.js';
import { buildOptions } from '../src/config/build-options.js';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { knownIds } from '../src/gates/index.js';

describe('docker-compose topology hint', () => {
  const root = mkdtempSync(join(tmpdir(), 'sg-compose-'));
  execFileSync('git', ['init', '-q', root]);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads the Postgres major from common image names', () => {
    const images = [
      'postgres:16.3-alpine',
      'docker.io/library/postgres:15',
      'postgis/postgis:16-3.4',
      'timescale/timescaledb:2.14.2-pg16',
      'pgvector/pgvector:pg17',
      'bitnami/postgresql:16',
      'postgres',
      'postgres:latest',
      'redis:7',
    ];
    expect(images.map(postgresMajorOfImage)).toEqual([
      '16',
      '15',
      '16',
      '16',
      '17',
      '16',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('defaults --pg-version to the compose file and says so in the report', async () => {
    writeFileSync(
      join(root, 'docker-compose.yml'),
      'services:\n  cache:\n    image: redis:7\n  db:\n    image: postgres:16-alpine\n    ports: ["5432:5432"]\n',
    );
    mkdirSync(join(root, 'migrations'));
    writeFileSync(
      join(root, 'migrations', '001_accounts.up.sql'),
      'create table accounts (id bigint primary key);\n',
    );
    expect(composeHint(root)).toEqual({
      major: '16',
      file: 'docker-compose.yml',
      service: 'db',
      image: 'postgres:16-alpine',
    });
    const options = buildOptions(
      { dir: join(root, 'migrations'), provider: 'embedded', replicas: '0', gates: 'replay' },
      knownIds(),
    );
    expect(options.pgVersion).toBe('16');
    const report = await runCheck(options, memoryLogger());
    expect(report.status).toBe('passed');
    expect(report.notes).toContain(
      'Postgres 16 from docker-compose.yml (service db, image postgres:16-alpine)',
    );
    expect(report.notes).toContain(
      `requested Postgres 16, but the embedded provider has ${report.topology.postgres}`,
    );
  });

  it('lets --pg-version win over the compose file', () => {
    const options = buildOptions({ dir: join(root, 'migrations'), pgVersion: '17' }, knownIds());
    expect(options).toMatchObject({ pgVersion: '17' });
    expect(options.pgVersionSource).toBeUndefined();
  });
});
