import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../src/core/errors.js';
import { freePort } from '../src/provision/server.js';
import { findPgDump } from '../src/replay/baseline-pg-dump.js';
import { bundleTypeScript } from './providers-support.js';

describe('pg_dump of the server major', () => {
  let root: string;
  /** A stand-in pg_dump that says which version it is, as the real one does. */
  const fake = (dir: string, version: string) => {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'pg_dump');
    writeFileSync(file, `#!/bin/sh\necho "pg_dump (PostgreSQL) ${version}"\n`);
    chmodSync(file, 0o755);
    return file;
  };
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sg-pgdump-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("takes Debian's folder of that major first, then one on PATH of that major", async () => {
    const debian = fake(join(root, 'lib/16/bin'), '16.4 (Debian 16.4-1)');
    const onPath = fake(join(root, 'bin'), '17.2');
    const places = { roots: [join(root, 'lib')], path: join(root, 'bin'), docker: false };
    expect(await findPgDump('16', places)).toEqual({ kind: 'binary', path: debian });
    expect(await findPgDump('17', places)).toEqual({ kind: 'binary', path: onPath });
  });

  it('names both ways when neither an installed pg_dump nor Docker has the major', async () => {
    const places = { roots: [join(root, 'none')], path: join(root, 'bin'), docker: false };
    await expect(findPgDump('14', places)).rejects.toThrow(
      new InfrastructureError(
        'no pg_dump 14 for this Postgres 14 server: install its client (apt-get install postgresql-client-14, found at /usr/lib/postgresql/14/bin/pg_dump or on PATH), or start a Docker engine so that the image postgres:14 runs it',
      ),
    );
  });
});

describe('schemagate snapshot on bad input', () => {
  const cli = (args: string[]) => {
    const entry = bundleTypeScript('snapshot-cli', `import '${resolve('src/cli.ts')}';`);
    return spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', timeout: 60_000 });
  };

  it('exits 3 on a server that does not answer, without printing the password', async () => {
    const port = await freePort();
    const out = join(tmpdir(), `sg-snapshot-none-${process.pid}`);
    const r = cli([
      'snapshot',
      '--database-url',
      `postgres://ro:Pw-9x7@127.0.0.1:${port}/prod`,
      '--out',
      out,
    ]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(
        `^schemagate: error: could not connect to ro@127\\.0\\.0\\.1:${port}/prod: .*ECONNREFUSED`,
      ),
    );
    expect(r.stderr + r.stdout).not.toContain('Pw-9x7');
  });

  it('check exits 2 on a --baseline that does not exist, before starting Postgres', () => {
    const r = cli(['check', 'fixtures/baseline/app/migrations', '--baseline', 'no-such-dump.sql']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `schemagate: error: baseline: ${resolve('no-such-dump.sql')} does not exist\n`,
    );
  });

  it('exits 2 when --out is missing', () => {
    const r = cli(['snapshot', '--database-url', 'postgres://ro@127.0.0.1/prod']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("schemagate: error: required option '--out <dir>' not specified\n");
  });
});
