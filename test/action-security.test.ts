/**
 * The Action with untrusted SQL (test/fixtures-action/leaky-pr): a migration that reads the
 * server's environment with `COPY … FROM PROGRAM 'env'` as superuser and fails with it, and with
 * the token's value, in its error message. The server's environment holds no token, the token
 * the SQL carries is redacted from every output, and the runner is told to mask the secrets.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/core/report.js';
import { PULL_REQUEST_TARGET_WARNING } from '../src/action/security.js';
import { FakeGitHub } from './action-github-server.js';
import {
  ensureDistBuilt,
  escapeProperty,
  makeFixtureRepo,
  runAction,
  writeEvent,
  type ActionRun,
  type FixtureRepo,
} from './action-support.js';

const TOKEN = 'ghs_secretvalue123';
const RUNTIME = 'actions_runtime_secret_42';
const OIDC = 'oidc_request_secret_77';
const FILE = 'db/migrations/000005_read_the_environment.up.sql';

let repo: FixtureRepo;
let scratch: string;
let api: FakeGitHub;
const runs: ActionRun[] = [];

beforeAll(async () => {
  await ensureDistBuilt();
  repo = await makeFixtureRepo('fixtures/demo/base', 'test/fixtures-action/leaky-pr');
  scratch = mkdtempSync(join(tmpdir(), 'schemagate-security-'));
  api = await new FakeGitHub().start();
}, 180_000);

afterAll(async () => {
  await api.stop();
  repo.dispose();
  rmSync(scratch, { recursive: true, force: true });
  for (const r of runs) rmSync(r.runnerTemp, { recursive: true, force: true });
});

async function run(eventName: string): Promise<ActionRun> {
  const r = await runAction('dist/index.js', repo.root, {
    INPUT_MIGRATIONS: 'db/migrations',
    INPUT_PROVIDER: 'embedded',
    INPUT_REPLICAS: '0',
    INPUT_TENANTS: '1',
    INPUT_GATES: 'replay,graph',
    INPUT_CONFIG: resolve('test/fixtures-action/superuser.schemagate.yml'),
    INPUT_COMMENT: 'true',
    INPUT_ANNOTATIONS: 'true',
    'INPUT_CHECK-NAME': 'schemagate',
    'INPUT_SARIF-FILE': 'schemagate.sarif',
    'INPUT_GITHUB-TOKEN': TOKEN,
    GITHUB_TOKEN: TOKEN,
    ACTIONS_RUNTIME_TOKEN: RUNTIME,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: OIDC,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: writeEvent('pull_request', scratch, {
      BASE_SHA: repo.base,
      HEAD_SHA: repo.head,
    }),
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: repo.head,
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.example',
  });
  runs.push(r);
  return r;
}

function expectClean(text: string, what: string): void {
  for (const secret of [TOKEN, RUNTIME, OIDC]) expect(text, what).not.toContain(secret);
}

describe('the Action on untrusted SQL that reads its environment', () => {
  it('leaks no token into the comment, check run, summary, SARIF, JSON report or log', async () => {
    const r = await run('pull_request');
    expect(r.code, r.stdout + r.stderr).toBe(1);
    // Registered with the runner first of all, so that it masks them in the log.
    const masks = r.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
    expect(masks.sort()).toEqual([RUNTIME, OIDC, TOKEN].map((s) => `::add-mask::${s}`).sort());
    expect(r.stdout.indexOf('::add-mask::')).toBe(0);

    const report = JSON.parse(readFileSync(r.outputs['report-path'], 'utf8')) as Report;
    const failed = report.findings.find((f) => f.file === FILE)!;
    // The SQL did run and read the server's environment: it has PATH, and no token.
    expect(failed.message).toMatch(/: leaked \*\*\* environ: .*PATH=/);
    for (const name of ['GITHUB_TOKEN', 'INPUT_GITHUB-TOKEN', 'ACTIONS_RUNTIME_TOKEN', 'RUNNER_'])
      expect(failed.message).not.toContain(name);

    const comment = api.comments.at(-1)!.body;
    expect(comment).toContain('leaked *** environ:');
    const check = api.checkRuns.at(-1)!.create;
    expect(JSON.stringify(check.output)).toContain('leaked *** environ:');
    const outputs = {
      comment,
      check: JSON.stringify(api.checkRuns),
      summary: r.summary,
      sarif: readFileSync(join(repo.root, 'schemagate.sarif'), 'utf8'),
      json: readFileSync(r.outputs['report-path'], 'utf8'),
      stdout: r.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
      stderr: r.stderr,
      outputs: JSON.stringify(r.outputs),
    };
    for (const [what, text] of Object.entries(outputs)) expectClean(text, what);
    expect(r.stdout).toContain(`::error title=${escapeProperty('schemagate replay/')}`);
    expect(r.stdout).not.toContain('pull_request_target');
  }, 180_000);

  it('warns on pull_request_target, pointing at docs/security.md', async () => {
    const r = await run('pull_request_target');
    const title = escapeProperty('schemagate: untrusted code with a write token');
    expect(r.stdout).toContain(`::warning title=${title}::${PULL_REQUEST_TARGET_WARNING}\n`);
    expect(PULL_REQUEST_TARGET_WARNING).toContain('docs/security.md');
    // Before anything else is done.
    expect(r.stdout.indexOf('::warning title=')).toBeLessThan(r.stdout.indexOf('::group::'));
  }, 180_000);
});
