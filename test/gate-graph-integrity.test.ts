import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import type { Finding } from '../src/core/model.js';
import { brief, runFixture } from './helpers/run.js';

let cluster: Cluster;
const repos: string[] = [];

beforeAll(async () => {
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
});

afterAll(async () => {
  await cluster?.stop();
  for (const r of repos) rmSync(r, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=schemagate', '-c', 'user.email=ci@example.com', ...args], {
    cwd,
    stdio: 'ignore',
  });
}

/**
 * A repository whose base commit holds `<scenario>/base` as `migrations/` and whose work tree
 * holds `<scenario>/head`: what a PR checkout looks like.
 */
function prRepository(scenario: string): string {
  const repo = mkdtempSync(join(tmpdir(), 'schemagate-graph-'));
  repos.push(repo);
  const fixture = resolve('fixtures/graph', scenario);
  git(repo, 'init', '-q', '-b', 'main');
  cpSync(join(fixture, 'base'), join(repo, 'migrations'), { recursive: true });
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'base');
  rmSync(join(repo, 'migrations'), { recursive: true });
  cpSync(join(fixture, 'head'), join(repo, 'migrations'), { recursive: true });
  return repo;
}

async function graph(scenario: string): Promise<Finding[]> {
  const { host, port, user } = cluster.primary;
  const report = await runFixture('migrations', {
    repoRoot: prRepository(scenario),
    base: 'main',
    provider: 'url',
    gates: ['replay', 'graph'],
    databaseUrl: `postgres://${user}@${host}:${port}/postgres`,
  });
  return report.findings.filter((f) => f.gate === 'graph');
}

describe('migration set against the base', () => {
  it('blocks a new version that sorts before the newest merged one, saying what golang-migrate does', async () => {
    const found = await graph('out-of-order');
    expect(brief(found)).toEqual([
      {
        gate: 'graph',
        rule: 'out-of-order',
        severity: 'blocker',
        file: 'migrations/000002_add_author_bio.up.sql',
        line: 1,
      },
    ]);
    expect(found[0].message).toBe(
      "new migration 000002 sorts before 000003 (migrations/000003_create_books.up.sql), the newest merged one; golang-migrate never applies a version lower than the database's current version: on a database at 000003, `migrate up` never runs 000002",
    );
  });

  it('blocks an edit of a merged migration at the first statement that differs', async () => {
    const found = await graph('merged-migration-edited');
    expect(brief(found)).toEqual([
      {
        gate: 'graph',
        rule: 'merged-migration-edited',
        severity: 'blocker',
        file: 'migrations/000002_create_books.up.sql',
        line: 7,
      },
    ]);
    expect(found[0].message).toMatch(
      /^migration 000002 already ran in production and the PR edits it/,
    );
  });

  it('blocks the deletion of a merged migration', async () => {
    const found = await graph('merged-migration-removed');
    expect(brief(found)).toEqual([
      {
        gate: 'graph',
        rule: 'merged-migration-removed',
        severity: 'blocker',
        file: 'migrations/000002_create_books.up.sql',
        line: 1,
      },
    ]);
    expect(found[0].message).toMatch(
      /^migration 000002 \(migrations\/000002_create_books.up.sql\) already ran in production and the PR deletes it/,
    );
  });
});
