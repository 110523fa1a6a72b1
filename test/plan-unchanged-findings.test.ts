import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, fixtureOptions } from './helpers/run.js';

/**
 * dokploy: `drizzle/0001_abandoned_dagger.sql` was never in the journal and has sat unchanged at
 * the base for a long time; a PR that adds the next migration must not be told about it. A stray
 * file the PR itself adds still is.
 */

const FIXTURE = resolve('fixtures/real/dokploy-drizzle');
const DIR = 'apps/dokploy/drizzle';
const JOURNAL = `${DIR}/meta/_journal.json`;

function git(root: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd: root,
  });
}

/** The base commit: the head without the PR's migration and its journal entry. */
function repository(): string {
  const root = mkdtempSync(join(tmpdir(), 'sg-dokploy-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  cpSync(FIXTURE, root, { recursive: true });
  const head = readFileSync(join(root, JOURNAL), 'utf8');
  const journal = JSON.parse(head) as { entries: unknown[] };
  journal.entries.pop();
  const pr = join(root, DIR, '0002_nappy_wild_pack.sql');
  const sql = readFileSync(pr, 'utf8');
  rmSync(pr);
  writeFileSync(join(root, JOURNAL), `${JSON.stringify(journal, null, 2)}\n`);
  git(root, 'init', '-q');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'base');
  writeFileSync(pr, sql);
  writeFileSync(join(root, JOURNAL), head);
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'pr');
  return root;
}

async function check(root: string) {
  await initSqlParser();
  const options = fixtureOptions(DIR, {
    repoRoot: root,
    base: 'HEAD~1',
    topology: 'database',
    gates: ['replay', 'graph'],
  });
  return runCheck(options, memoryLogger());
}

describe('discovery findings on files the PR did not touch', () => {
  it('drops drizzle-file-not-in-journal on a stray file unchanged since the base', async () => {
    const report = await check(repository());
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(brief(report.findings)).toEqual([]);
  });

  it('keeps it on a stray file the PR adds or edits', async () => {
    const root = repository();
    writeFileSync(join(root, DIR, '0002_lonely_stray.sql'), 'SELECT 1;\n');
    writeFileSync(
      join(root, DIR, '0001_abandoned_dagger.sql'),
      'ALTER TABLE "application" ADD COLUMN "previewPort" integer DEFAULT 8080;\n',
    );
    const report = await check(root);
    expect(report.error).toBeUndefined();
    expect(brief(report.findings)).toEqual([
      {
        gate: 'graph',
        rule: 'drizzle-file-not-in-journal',
        severity: 'warning',
        file: `${DIR}/0001_abandoned_dagger.sql`,
        line: 1,
      },
      {
        gate: 'graph',
        rule: 'drizzle-file-not-in-journal',
        severity: 'warning',
        file: `${DIR}/0002_lonely_stray.sql`,
        line: 1,
      },
    ]);
  });
});
