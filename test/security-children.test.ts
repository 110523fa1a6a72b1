/**
 * PR migrations are untrusted code: no child process schemagate starts (the servers, git,
 * Alembic's env.py) sees the job's tokens. Real processes: the environment is read where the
 * untrusted code would read it (`COPY … FROM PROGRAM 'env'` as superuser, /proc/<pid>/environ,
 * os.environ in env.py, the environment a git on PATH is started with).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '../src/config/build-options.js';
import { resolveSettings } from '../src/config/settings.js';
import { silentLogger } from '../src/core/logger.js';
import { discoverMigrations } from '../src/discover/index.js';
import { findPython } from '../src/discover/alembic/python.js';
import { readAtCommit } from '../src/gates/compat/queries.js';
import { materializeAt, resolveBase } from '../src/plan/plan.js';
import { embeddedProvider } from '../src/provision/embedded.js';
import type { Cluster, ConnectionInfo } from '../src/provision/provider.js';
import { initSqlParser } from '../src/sql/split.js';
import { alembicTool, runsWith } from './helpers/tools.js';

/** What a runner's job has in its environment, and a developer's shell may too. */
const SECRETS: Record<string, string> = {
  GITHUB_TOKEN: 'ghs_secretvalue123',
  'INPUT_GITHUB-TOKEN': 'ghs_inputvalue456',
  ACTIONS_RUNTIME_TOKEN: 'actions_runtime_789',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc_request_012',
  RUNNER_TEMP: '/tmp/runner-temp-345',
  SHOP_API_KEY: 'shop_api_key_678',
  PGPASSWORD: 'pg_password_901',
};
const FORBIDDEN_NAME = /^(GITHUB_|INPUT_|ACTIONS_|RUNNER_)|TOKEN|KEY|PASSWORD/;

const saved = { ...process.env };
const scratch = mkdtempSync(join(tmpdir(), 'schemagate-children-'));

beforeAll(() => Object.assign(process.env, SECRETS));
afterAll(() => {
  process.env = { ...saved };
  rmSync(scratch, { recursive: true, force: true });
});

/** `NAME=value` lines → names; asserts that no secret's name or value is among them. */
function expectNoSecrets(environ: string, what: string): string[] {
  for (const [name, value] of Object.entries(SECRETS)) {
    expect(environ, `${what}: ${name}`).not.toContain(value);
    expect(environ, `${what}: ${name}`).not.toContain(`${name}=`);
  }
  const names = environ
    .split(/[\n\0]/)
    .filter((l) => l.includes('='))
    .map((l) => l.slice(0, l.indexOf('=')));
  expect(
    names.filter((n) => FORBIDDEN_NAME.test(n)),
    what,
  ).toEqual([]);
  return names;
}

describe('the servers a provider starts (embedded: primary and replica)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    Object.assign(process.env, SECRETS);
    cluster = await embeddedProvider.start({ replicas: 1, logger: silentLogger });
  }, 120_000);
  afterAll(() => cluster?.stop());

  async function withClient<T>(info: ConnectionInfo, fn: (c: pg.Client) => Promise<T>) {
    const client = new pg.Client(info);
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  it("shows a superuser's COPY … FROM PROGRAM 'env' no token", async () => {
    const lines = await withClient(cluster.primary, async (c) => {
      await c.query('create temp table environ (line text)');
      await c.query("copy environ from program 'env'");
      return (await c.query<{ line: string }>('select line from environ')).rows.map((r) => r.line);
    });
    const names = expectNoSecrets(lines.join('\n'), 'COPY FROM PROGRAM env');
    // It did run and read an environment: PATH is there, and nothing beyond the allowlist.
    expect(names).toContain('PATH');
    expect(
      names.filter(
        (n) =>
          !/^(PATH|HOME|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|PGSYSCONFDIR|PGLOCALEDIR|PG_\w+|PWD|SHLVL|_)$/.test(
            n,
          ),
      ),
    ).toEqual([]);
  });

  it("has no token in any server's environment, the replica's included (COPY … TO PROGRAM)", async () => {
    // COPY TO runs on a hot standby too. (/proc/<pid>/environ is no witness: Postgres writes
    // its process title over that memory.)
    const out = join(scratch, 'server-environ');
    mkdirSync(out, { mode: 0o777 });
    chmodSync(out, 0o777);
    chmodSync(scratch, 0o711);
    for (const [i, info] of [cluster.primary, ...cluster.replicas].entries()) {
      const file = join(out, `${i}.env`);
      await withClient(info, (c) => c.query(`copy (select 1) to program 'env > ${file}'`));
      const environ = readFileSync(file, 'utf8');
      expect(environ).toContain('PATH=');
      expectNoSecrets(environ, `server on port ${info.port}`);
    }
    expect(cluster.replicas).toHaveLength(1);
  });
});

describe('git, as plan, compat and the options run it', () => {
  const log = join(scratch, 'git-environ.log');
  let repo: string;
  let base: string;

  beforeAll(() => {
    // A git first on PATH (PATH is passed on) that records the environment it was given.
    const bin = join(scratch, 'bin');
    mkdirSync(bin);
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\nenv >> '${log}'\necho '--' >> '${log}'\nexec '${realGit}' "$@"\n`,
    );
    chmodSync(join(bin, 'git'), 0o755);
    repo = join(scratch, 'repo');
    mkdirSync(join(repo, 'db'), { recursive: true });
    writeFileSync(join(repo, 'db/1.sql'), 'create table a (id int);\n');
    writeFileSync(join(repo, 'queries.sql'), 'select 1;\n');
    const git = (...args: string[]) =>
      execFileSync(realGit, args, { cwd: repo, encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base');
    base = git('rev-parse', 'HEAD');
    process.env.PATH = `${bin}:${saved.PATH}`;
  });
  afterAll(() => {
    process.env.PATH = saved.PATH;
  });

  it('starts every git with the allowlist, no prompt and no token', async () => {
    await initSqlParser();
    writeFileSync(log, '');
    expect(findRepoRoot(join(repo, 'db'))).toBe(repo);
    expect(resolveBase(repo, 'HEAD')).toBe(base);
    const checkout = materializeAt(repo, base, ['db']);
    try {
      expect(readFileSync(join(checkout.dir, 'db/1.sql'), 'utf8')).toContain('create table a');
    } finally {
      checkout.dispose();
    }
    expect(readAtCommit(repo, base, ['queries.sql'])).toHaveLength(1);
    const runs = readFileSync(log, 'utf8').split('--\n').filter(Boolean);
    // rev-parse ×3, ls-tree, archive (materializeAt), show (compat), rev-parse (options).
    expect(runs.length).toBeGreaterThanOrEqual(6);
    for (const [i, environ] of runs.entries()) {
      expectNoSecrets(environ, `git run ${i + 1}`);
      expect(environ).toContain('GIT_TERMINAL_PROMPT=0');
    }
  });
});

const withAlembic = runsWith(alembicTool(), 'the environment of Alembic');

describe.runIf(withAlembic)("Alembic's env.py", () => {
  it('sees no GITHUB_*, INPUT_*, ACTIONS_*, RUNNER_* or secret-named variable unless passEnv names it', async () => {
    await initSqlParser();
    const root = join(scratch, 'alembic');
    cpSync(resolve('fixtures/formats/alembic/repository-root'), root, { recursive: true });
    const envPy = join(root, 'migrations/env.py');
    const dump = join(root, 'environ.json');
    writeFileSync(
      envPy,
      `import json, os\njson.dump(dict(os.environ), open(${JSON.stringify(dump)}, 'w'))\n` +
        readFileSync(envPy, 'utf8'),
    );
    const settings = (passEnv: string[]) =>
      resolveSettings({ python: findPython(undefined), passEnv });

    await discoverMigrations(root, '.', 'alembic', settings([]));
    const seen = JSON.parse(readFileSync(dump, 'utf8')) as Record<string, string>;
    expectNoSecrets(
      Object.entries(seen)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
      'env.py',
    );
    expect(seen.PYTHONDONTWRITEBYTECODE).toBe('1');

    await discoverMigrations(root, '.', 'alembic', settings(['GITHUB_TOKEN', 'SHOP_API_KEY']));
    const passed = JSON.parse(readFileSync(dump, 'utf8')) as Record<string, string>;
    expect([passed.GITHUB_TOKEN, passed.SHOP_API_KEY, passed.ACTIONS_RUNTIME_TOKEN]).toEqual([
      SECRETS.GITHUB_TOKEN,
      SECRETS.SHOP_API_KEY,
      undefined,
    ]);
  });
});
