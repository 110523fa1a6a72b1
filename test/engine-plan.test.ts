import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { discoverMigrations } from '../src/discover/index.js';
import { materializeAt, resolveBase, splitPlan } from '../src/plan/plan.js';
import { initSqlParser } from '../src/sql/split.js';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { fixtureOptions } from './helpers/run.js';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../scripts/fixture-repo.mjs';

type Repo = { root: string; base: string; head: string; dispose: () => void };

describe('plan against a base ref', () => {
  let repo: Repo;
  beforeAll(async () => {
    await initSqlParser();
    repo = makeFixtureRepo(
      'fixtures/engine/edited-merged/base',
      'fixtures/engine/edited-merged/pr',
    );
  });
  afterAll(() => repo.dispose());

  async function planFor(ref: string) {
    const head = await discoverMigrations(repo.root, 'db/migrations', 'auto');
    const commit = resolveBase(repo.root, ref);
    const tree = materializeAt(repo.root, commit, ['db/migrations']);
    try {
      return splitPlan(head, await discoverMigrations(tree.dir, 'db/migrations', head.format), ref);
    } finally {
      tree.dispose();
    }
  }

  it('splits merged, new and edited migrations from a real git history', async () => {
    const plan = await planFor(repo.base);
    expect(plan.merged.map((m) => [m.id, m.state])).toEqual([
      ['000001', 'merged'],
      ['000002', 'merged'],
      ['000003', 'merged'],
    ]);
    // Production ran the base version of the edited migration: that is what replay uses.
    expect(plan.merged[2].up.statements[0].sql).toContain('CHECK (amount_cents >= 0)');
    expect(plan.changed.map((c) => [c.head.id, c.head.state, c.head.file])).toEqual([
      ['000003', 'changed', 'db/migrations/000003_create_invoices.up.sql'],
    ]);
    expect(plan.added.map((m) => [m.id, m.state])).toEqual([['000004', 'new']]);
    expect(plan.removed).toEqual([]);
  });

  it('treats every migration as merged against the head itself', async () => {
    const plan = await planFor(repo.head);
    expect(plan.added).toEqual([]);
    expect(plan.changed).toEqual([]);
    expect(plan.merged).toHaveLength(4);
  });

  it('lists each migration once in the report, an edited merged one as changed', async () => {
    const options = {
      ...fixtureOptions('db/migrations', { gates: ['replay'] }),
      repoRoot: repo.root,
      base: repo.base,
    };
    const report = await runCheck(options, memoryLogger());
    expect(report.migrations.map((m) => `${m.id}:${m.state}`)).toEqual([
      '000001:merged',
      '000002:merged',
      '000003:changed',
      '000004:new',
    ]);
  });

  it('rejects a ref that does not exist with a message that names it', () => {
    expect(() => resolveBase(repo.root, 'no-such-branch')).toThrow(
      `--base no-such-branch: no such commit in ${repo.root} (on a shallow checkout, fetch the base first: actions/checkout with fetch-depth: 0)`,
    );
  });

  it('reads the base from a subdirectory checkout path', async () => {
    const tree = materializeAt(join(repo.root, 'db'), resolveBase(repo.root, repo.base), [
      'migrations',
    ]);
    try {
      const base = await discoverMigrations(tree.dir, 'migrations', 'golang-migrate');
      expect(base.migrations.map((m) => m.id)).toEqual(['000001', '000002', '000003']);
    } finally {
      tree.dispose();
    }
  });

  it('reads the base of the checkout root, and of paths the base has and has not', async () => {
    const commit = resolveBase(repo.root, repo.base);
    const whole = materializeAt(repo.root, commit, ['.']);
    const below = materializeAt(join(repo.root, 'db', 'migrations'), commit, ['.']);
    const some = materializeAt(repo.root, commit, ['db/migrations/', 'sqlc.yaml', 'db']);
    try {
      const base = await discoverMigrations(whole.dir, 'db/migrations', 'golang-migrate');
      expect(base.migrations.map((m) => m.id)).toEqual(['000001', '000002', '000003']);
      const inside = await discoverMigrations(below.dir, '.', 'golang-migrate');
      expect(inside.migrations.map((m) => m.id)).toEqual(['000001', '000002', '000003']);
      const again = await discoverMigrations(some.dir, 'db/migrations', 'golang-migrate');
      expect(again.migrations.map((m) => m.id)).toEqual(['000001', '000002', '000003']);
    } finally {
      whole.dispose();
      below.dispose();
      some.dispose();
    }
  });
});
