import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { buildOptions } from '../src/config/build-options.js';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { InputError } from '../src/core/errors.js';
import { knownIds } from '../src/gates/index.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderText } from '../src/report/text.js';
import { initSqlParser } from '../src/sql/split.js';
import { alembicTool, runsWith } from './helpers/tools.js';

const withAlembic = runsWith(alembicTool(), 'a Go service and a Python service with Alembic');

/** The PR's files: the newest migration of each service. */
const PR_FILES = [
  'services/accounts/migrations/000002_index_users_email.up.sql',
  'services/accounts/migrations/000002_index_users_email.down.sql',
  'services/billing/db/migrations/20240312141500_invoice_status.sql',
];

/** The fixture as a repository whose last commit is the PR: base without PR_FILES, then them. */
function prRepo(fixture: string, prFiles = PR_FILES): string {
  const root = mkdtempSync(join(tmpdir(), 'sg-sets-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  cpSync(resolve('fixtures/sets', fixture), root, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: root });
  git('init', '-q', '-b', 'main');
  git('add', '-A', '.', ...prFiles.map((f) => `:!${f}`));
  git('commit', '-q', '-m', 'base');
  git('add', '-A');
  git('commit', '-q', '-m', 'pr');
  return root;
}

async function check(root: string) {
  await initSqlParser();
  const options = buildOptions(
    { base: 'HEAD~1', provider: 'embedded', replicas: '0', gates: 'replay,locks' },
    knownIds(),
    root,
  );
  return { options, report: await runCheck(options, memoryLogger()) };
}

const brief = (
  fs: Array<{
    set?: string;
    rule: string;
    severity: string;
    file?: string;
    line?: number;
    tenant?: string;
  }>,
) =>
  fs.map(
    (f) => `${f.set} ${f.rule} ${f.severity} ${f.file}:${f.line}${f.tenant ? ` ${f.tenant}` : ''}`,
  );

describe('several migration sets in one repository', () => {
  it('reads the list of sets, each with its directory and format', async () => {
    const root = prRepo('monorepo');
    const options = buildOptions({}, knownIds(), root);
    expect(options.dir).toBe('services/accounts/migrations');
    expect(options.format).toBe('golang-migrate');
    expect(options.sets).toEqual([
      { dir: 'services/accounts/migrations', format: 'golang-migrate' },
      { dir: 'services/billing/db/migrations', format: 'dbmate' },
    ]);
    // A directory on the command line checks that one set.
    expect(buildOptions({ dir: 'services/billing/db/migrations' }, knownIds(), root).sets).toBe(
      undefined,
    );
  });

  it('names the set whose directory is missing', () => {
    const root = prRepo('monorepo');
    writeFileSync(
      join(root, '.schemagate.yml'),
      'migrations:\n  - dir: services/accounts/migrations\n  - dir: services/payments/migrations\n',
    );
    expect(() => buildOptions({}, knownIds(), root)).toThrow(InputError);
    expect(() => buildOptions({}, knownIds(), root)).toThrow(
      /\.schemagate\.yml: migrations\[1\]\.dir: services\/payments\/migrations is not a directory of the repository$/,
    );
  });

  it('checks each set on its own database and groups the findings by set', async () => {
    const { report } = await check(prRepo('monorepo'));
    expect(report.status).toBe('blocked');
    expect(report.sets).toEqual([
      {
        dir: 'services/accounts/migrations',
        format: 'golang-migrate',
        status: 'passed',
        summary: expect.objectContaining({ blockers: 0, warnings: 1, migrationsApplied: 1 }),
      },
      {
        dir: 'services/billing/db/migrations',
        format: 'dbmate',
        status: 'blocked',
        summary: expect.objectContaining({ blockers: 1, warnings: 0, migrationsApplied: 1 }),
      },
    ]);
    expect(brief(report.findings)).toEqual([
      'services/billing/db/migrations table-rewrite blocker services/billing/db/migrations/20240312141500_invoice_status.sql:3',
      'services/accounts/migrations non-concurrent-index warning services/accounts/migrations/000002_index_users_email.up.sql:3',
    ]);
    expect(report.summary).toMatchObject({ blockers: 1, warnings: 1, migrationsApplied: 2 });
    expect(report.migrations.map((m) => `${m.file} ${m.state}`)).toEqual([
      'services/accounts/migrations/000001_create_users.up.sql merged',
      'services/accounts/migrations/000002_index_users_email.up.sql new',
      'services/billing/db/migrations/20240105093000_create_invoices.sql merged',
      'services/billing/db/migrations/20240312141500_invoice_status.sql new',
    ]);
    const md = renderMarkdown(report);
    expect(md).toContain(
      '| `services/accounts/migrations` | golang-migrate | its own | ✅ 0 blocker(s), 1 warning(s), 0 notice(s); 1 migration(s) applied |',
    );
    expect(md.indexOf('## services/accounts/migrations')).toBeLessThan(
      md.indexOf('## services/billing/db/migrations'),
    );
    const text = renderText(report);
    expect(text).toContain(
      '== services/billing/db/migrations (dbmate)\n   blocked: 1 blocker(s), 0 warning(s), 0 notice(s); 1 migration(s) applied',
    );
  });

  it('replays a set after the sets before it that name the same database', async () => {
    const { report } = await check(prRepo('shared-database'));
    // billing's merged invoices reference accounts' users: without accounts' history first, its
    // base could not be built.
    expect(report.setupError).toBeUndefined();
    expect(report.sets?.map((s) => `${s.dir} ${s.database} ${s.status}`)).toEqual([
      'services/accounts/migrations app passed',
      'services/billing/db/migrations app blocked',
    ]);
    expect(report.notes).toContain(
      "services/billing/db/migrations: services/accounts/migrations: its 1 merged golang-migrate migration(s) replay before this set's, in the same database",
    );
    expect(brief(report.findings.filter((f) => f.severity === 'blocker'))).toEqual([
      'services/billing/db/migrations table-rewrite blocker services/billing/db/migrations/20240312141500_invoice_status.sql:3',
    ]);
  });

  it.runIf(withAlembic)(
    'checks a Go service with golang-migrate beside a Python one with Alembic',
    async () => {
      const root = prRepo('go-and-python', [
        'services/api/migrations/000002_index_users_email.up.sql',
        'services/api/migrations/000002_index_users_email.down.sql',
        'services/worker/migrations/versions/d7e05a6b4c21_create_invoices.py',
      ]);
      const { report } = await check(root);
      expect(
        report.sets?.map((s) => `${s.dir} ${s.format} ${s.status} ${s.summary.migrationsApplied}`),
      ).toEqual([
        'services/api/migrations golang-migrate passed 1',
        'services/worker/migrations alembic passed 1',
      ]);
      expect(brief(report.findings)).toEqual([
        'services/api/migrations non-concurrent-index warning services/api/migrations/000002_index_users_email.up.sql:3',
        'services/worker/migrations missing-lock-timeout warning services/worker/migrations/versions/d7e05a6b4c21_create_invoices.py:20',
      ]);
    },
  );
});
