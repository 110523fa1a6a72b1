import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/model.js';
import type { Report } from '../src/core/report.js';
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

const MARKER = '<!-- schemagate:comment -->';
const SERVER = 'https://github.example';
const FILE6 = 'db/migrations/000006_add_users_external_id.up.sql';

let blocked: FixtureRepo;
let clean: FixtureRepo;
let scratch: string;
/** A shallow clone of the blocked PR, as actions/checkout leaves it with its default depth 1. */
let workspace: string;
let api: FakeGitHub;
let forkApi: FakeGitHub;
const runs: ActionRun[] = [];

beforeAll(async () => {
  await ensureDistBuilt();
  blocked = await makeFixtureRepo('fixtures/demo/base', 'fixtures/demo/pr');
  clean = await makeFixtureRepo('fixtures/demo/base', 'test/fixtures-action/clean-pr');
  scratch = mkdtempSync(join(tmpdir(), 'schemagate-e2e-'));
  workspace = join(scratch, 'workspace');
  execFileSync('git', [
    'clone',
    '-q',
    '--depth=1',
    '--branch',
    'pr',
    `file://${blocked.root}`,
    workspace,
  ]);
  api = await new FakeGitHub().start();
  api.seedComment('Looks good to me');
  api.seedComment('Please add a down migration');
  forkApi = await new FakeGitHub({ readOnly: true }).start();
});

afterAll(async () => {
  await api.stop();
  await forkApi.stop();
  blocked.dispose();
  clean.dispose();
  rmSync(scratch, { recursive: true, force: true });
  for (const r of runs) rmSync(r.runnerTemp, { recursive: true, force: true });
});

/** Later runs are about publishing: one tenant, and no rollback gate (the slowest one). */
const QUICK = { INPUT_GATES: 'replay,graph,locks,isolation', INPUT_TENANTS: '1' };

/** The inputs as the runner passes them: every input of action.yml, defaults filled in. */
function inputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    INPUT_MIGRATIONS: 'db/migrations',
    INPUT_PROVIDER: 'embedded',
    INPUT_REPLICAS: '0',
    INPUT_TENANTS: '2',
    INPUT_CONFIG: resolve('test/fixtures-action/fast.schemagate.yml'),
    INPUT_COMMENT: 'true',
    INPUT_ANNOTATIONS: 'true',
    'INPUT_CHECK-NAME': 'schemagate',
    'INPUT_SARIF-FILE': 'schemagate.sarif',
    'INPUT_GITHUB-TOKEN': 'ghs_test',
    ...extra,
  };
}

function github(event: string, repo: FixtureRepo, apiUrl: string): Record<string, string> {
  return {
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: writeEvent(event, scratch, { BASE_SHA: repo.base, HEAD_SHA: repo.head }),
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: repo.head,
    GITHUB_API_URL: apiUrl,
    GITHUB_SERVER_URL: SERVER,
  };
}

async function run(dir: string, env: Record<string, string>): Promise<ActionRun> {
  const r = await runAction('dist/index.js', dir, env);
  runs.push(r);
  return r;
}

function reportOf(r: ActionRun): Report {
  return JSON.parse(readFileSync(r.outputs['report-path'], 'utf8'));
}

/** The workflow command @actions/core writes for a finding, up to the message. */
function annotationCommand(f: Finding): string {
  const level = { blocker: 'error', warning: 'warning', notice: 'notice' }[f.severity];
  const title = `schemagate ${f.gate}/${f.rule}${f.tenant ? ` (${f.tenant})` : ''}`;
  const where = f.file
    ? `,file=${f.file}${f.line ? `,line=${f.line},endLine=${f.endLine ?? f.line}` : ''}`
    : '';
  return `::${level} title=${escapeProperty(title)}${where}::`;
}

function annotationLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^::(error|warning|notice) title=/.test(l));
}

function checkAnnotations(report: Report) {
  return report.findings
    .filter((f) => f.file && f.line)
    .map((f) => ({
      path: f.file,
      start_line: f.line,
      end_line: f.endLine ?? f.line,
      annotation_level: { blocker: 'failure', warning: 'warning', notice: 'notice' }[f.severity],
      title: `schemagate ${f.gate}/${f.rule}${f.tenant ? ` (${f.tenant})` : ''}`,
      message: f.help ? `${f.message}\n\n${f.help}` : f.message,
    }));
}

describe('the Action on a pull_request event (node dist/index.js)', () => {
  it('blocks a PR that rewrites a table: annotations, check run, comment, summary, SARIF, outputs', async () => {
    const r = await run(workspace, { ...inputs(), ...github('pull_request', blocked, api.url) });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const report = reportOf(r);
    expect(
      report.findings
        .filter((f) => f.severity === 'blocker')
        .map((f) => [f.gate, f.rule, f.file, f.line, f.endLine]),
    ).toEqual([
      ['locks', 'exclusive-lock-held', FILE6, 2, 3],
      ['locks', 'table-rewrite', FILE6, 2, 3],
    ]);
    const warnings = report.summary.warnings;
    // The base commit was missing from the shallow checkout and was fetched by SHA.
    expect(r.stdout).toContain(`git fetch --no-tags --depth=1 origin ${blocked.base}\n`);
    expect(r.stdout).toContain(`comparing with ${blocked.base} (pull request #42 base)`);
    // One log group per phase: a line per tenant, then what the phase did.
    const group = (name: string) =>
      r.stdout
        .split(`::group::${name}\n`)[1]
        ?.split('::endgroup::\n')[0]
        .split('\n')
        .filter((l) => !l.startsWith('::debug::'));
    expect(group('replay PR')).toEqual([
      'replay PR · tenant 1/2',
      'replay PR · tenant 2/2',
      'replay PR: 3 migration(s) on 2 tenant(s)',
      '',
    ]);
    expect(group('replay merged')).toEqual([
      'replay merged · tenant 1/2',
      'replay merged · tenant 1/2 · seeding',
      'replay merged · tenant 2/2',
      expect.stringMatching(/^replay merged: 4 migration\(s\) on 2 tenant\(s\) of \w+, seeded /),
      '',
    ]);

    const lines = annotationLines(r.stdout);
    expect(lines.map((l) => l.slice(0, l.indexOf('::', 2) + 2))).toEqual(
      report.findings.map(annotationCommand),
    );
    expect(lines[0]).toMatch(
      /^::error title=schemagate locks\/exclusive-lock-held,file=db\/migrations\/000006_add_users_external_id\.up\.sql,line=2,endLine=3::ALTER TABLE users.* takes ACCESS EXCLUSIVE on pre-existing table users /,
    );
    expect(r.stdout).toContain(
      `::error::schemagate: 2 blocker(s) and ${warnings} warning(s) reach fail-on blocker; see the annotations, the pull request comment or the job summary\n`,
    );

    const comment = api.comments[2];
    expect(r.outputs).toEqual({
      status: 'blocked',
      blockers: '2',
      warnings: String(warnings),
      'report-path': join(r.runnerTemp, 'schemagate-report.json'),
      'comment-url': `https://github.com/o/r/pull/1#issuecomment-${comment.id}`,
    });

    expect(api.checkRuns).toHaveLength(1);
    const check = api.checkRuns[0].create;
    expect(check).toMatchObject({
      name: 'schemagate',
      head_sha: blocked.head,
      status: 'completed',
      conclusion: 'failure',
      output: { title: `2 blocker(s), ${warnings} warning(s), 0 notice(s)` },
    });
    expect(check.output.annotations).toEqual(checkAnnotations(report));
    expect(check.output.summary).toMatch(/^## ⛔ schemagate: blocked\n/);
    expect(api.checkRuns[0].updates).toEqual([]);

    const link = `[\`${FILE6}:2\`](${SERVER}/acme/shop/blob/${blocked.head}/${FILE6}#L2)`;
    expect(api.comments).toHaveLength(3);
    expect(comment.body.startsWith(`${MARKER}\n## ⛔ schemagate: blocked\n`)).toBe(true);
    expect(comment.body).toContain(`| ⛔ | \`table-rewrite\` | ${link} |`);
    expect(comment.body).toMatch(/\| provision \| ok \| \d+ \| embedded Postgres 18\./);
    expect(comment.body.length).toBeLessThan(65_536);
    expect(api.requests.every((q) => q.authorization === 'token ghs_test')).toBe(true);

    expect(r.summary).toContain('## ⛔ schemagate: blocked');
    expect(r.summary).toContain(link);
    const sarif = JSON.parse(readFileSync(join(workspace, 'schemagate.sarif'), 'utf8'));
    expect(sarif.runs[0].results.map((x: any) => x.ruleId)).toEqual(
      report.findings.map((f) => f.rule),
    );
    expect(r.stdout).not.toContain('::warning::');
  });

  it('updates the same comment on the next run instead of adding one', async () => {
    const id = api.comments[2].id;
    const before = api.requests.length;
    const r = await run(workspace, {
      ...inputs(QUICK),
      ...github('pull_request', blocked, api.url),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('git fetch');
    const writes = api.requests.slice(before).filter((q) => q.method !== 'GET');
    expect(writes.map((q) => `${q.method} ${q.path}`)).toEqual([
      'POST /repos/acme/shop/check-runs',
      `PATCH /repos/acme/shop/issues/comments/${id}`,
    ]);
    expect(api.comments.map((c) => c.id)).toEqual([api.comments[0].id, api.comments[1].id, id]);
    expect(api.comments[2].body.startsWith(`${MARKER}\n## ⛔ schemagate: blocked\n`)).toBe(true);
    expect(r.outputs['comment-url']).toBe(`https://github.com/o/r/pull/1#issuecomment-${id}`);
  });

  it('passes a PR without blockers and turns the comment green', async () => {
    const r = await run(clean.root, {
      ...inputs(QUICK),
      ...github('pull_request', clean, api.url),
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = reportOf(r);
    expect(report.findings).toEqual([]);
    expect(report.migrations.filter((m) => m.state === 'new').map((m) => m.file)).toEqual([
      'db/migrations/000005_add_invoice_note.up.sql',
    ]);
    expect(r.outputs).toMatchObject({ status: 'passed', blockers: '0', warnings: '0' });
    expect(r.stdout).not.toMatch(/^::error/m);
    const check = api.checkRuns.at(-1)!.create;
    expect([check.head_sha, check.conclusion, check.output.title]).toEqual([
      clean.head,
      'success',
      '0 blocker(s), 0 warning(s), 0 notice(s)',
    ]);
    expect(api.comments).toHaveLength(3);
    expect(api.comments[2].body.startsWith(`${MARKER}\n## ✅ schemagate: passed\n`)).toBe(true);
    expect(r.summary).toContain('## ✅ schemagate: passed');
  });

  it('on a fork PR (read-only token) still annotates, summarises, writes SARIF and fails, and warns once', async () => {
    rmSync(join(workspace, 'schemagate.sarif'));
    const r = await run(workspace, {
      ...inputs(QUICK),
      ...github('pull_request-fork', blocked, forkApi.url),
    });
    expect(r.code).toBe(1);
    const report = reportOf(r);
    expect(annotationLines(r.stdout)).toHaveLength(report.findings.length);
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('::warning::'));
    expect(warnings).toEqual([
      '::warning::schemagate skipped creating the check run and commenting on the pull request: the token is read-only (HTTP 403), as it is on pull requests from forks. The annotations, the job summary and the SARIF file carry the full report; docs/action.md ("Pull requests from forks") shows how to comment on them safely.',
    ]);
    expect(r.stdout).toContain('::error::schemagate: 2 blocker(s)');
    expect(forkApi.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      'POST /repos/acme/shop/check-runs',
      'GET /repos/acme/shop/issues/43/comments',
      'POST /repos/acme/shop/issues/43/comments',
    ]);
    expect(r.outputs).toMatchObject({ status: 'blocked', blockers: '2', 'comment-url': '' });
    expect(r.summary).toContain('## ⛔ schemagate: blocked');
    expect(existsSync(join(workspace, 'schemagate.sarif'))).toBe(true);
  });

  it('fails with the input error before starting Postgres', async () => {
    const before = api.requests.length;
    const r = await run(workspace, {
      ...inputs({ INPUT_TOPOLOGY: 'galaxy' }),
      ...github('pull_request', blocked, api.url),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '::error::schemagate input error: --topology: expected one of schema, database, shared, got "galaxy"\n',
    );
    expect(r.outputs).toEqual({ status: 'error' });
    expect(api.requests.length).toBe(before);
  });
});
