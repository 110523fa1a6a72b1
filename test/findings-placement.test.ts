import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger, memoryLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import type { Finding } from '../src/core/model.js';
import type { Report } from '../src/core/report.js';
import { runCheck } from '../src/check/check.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, fixtureOptions, runFixture, type FixtureOverrides } from './helpers/run.js';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../scripts/fixture-repo.mjs';

/** Each finding sits at the PR statement it is about, never at a merged file. */

let cluster: Cluster;

beforeAll(async () => {
  await initSqlParser();
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
});

afterAll(async () => {
  await cluster?.stop();
});

function onCluster(): FixtureOverrides {
  const { host, port, user } = cluster.primary;
  return { provider: 'url', databaseUrl: `postgres://${user}@${host}:${port}/postgres` };
}

const ofRule = (report: Report, rule: string) => report.findings.filter((f) => f.rule === rule);

/** Exactly what a test compares a finding on: where, how severe, what it says and the fix. */
const exact = (f: Finding) => ({
  ...brief([f])[0],
  endLine: f.endLine,
  message: f.message,
  help: f.help,
});

describe('duplicate-version: two branches that both add the next version', () => {
  const F = 'fixtures/graph/duplicate-version-across-branches';

  /** Runs the PR commit of `F/<format>` against its base commit, as the Action does. */
  async function checkAgainstBase(format: string, dir: string): Promise<Report> {
    const repo = makeFixtureRepo(`${F}/${format}/base`, `${F}/${format}/pr`);
    try {
      const options = {
        ...fixtureOptions(dir, { ...onCluster(), gates: ['replay', 'graph'] }),
        repoRoot: repo.root,
        base: repo.base,
      };
      const report = await runCheck(options, memoryLogger());
      expect(report.error).toBeUndefined();
      return report;
    } finally {
      repo.dispose();
    }
  }

  it('golang-migrate: on the PR file that sorts before the merged one, naming it', async () => {
    const report = await checkAgainstBase('golang-migrate', 'db/migrations');
    expect(report.migrations.map((m) => `${m.file}:${m.state}`)).toEqual([
      'db/migrations/000001_create_authors.up.sql:merged',
      'db/migrations/000002_add_author_avatar.up.sql:new',
      'db/migrations/000002_add_author_bio.up.sql:merged',
    ]);
    expect(ofRule(report, 'duplicate-version').map(exact)).toEqual([
      {
        gate: 'graph',
        rule: 'duplicate-version',
        severity: 'blocker',
        file: 'db/migrations/000002_add_author_avatar.up.sql',
        line: 1,
        endLine: 1,
        message:
          'version 000002 of this new migration is already taken by merged migration db/migrations/000002_add_author_bio.up.sql (two branches added the same version; the other one merged first); golang-migrate refuses a directory with two files of one version: `migrate up` stops with "duplicate migration file" on every database, production included',
        help: 'Renumber db/migrations/000002_add_author_avatar.up.sql and its down file to a version above 000002, the newest merged one, e.g. db/migrations/000003_add_author_avatar.up.sql, and rebase the PR on the base branch.',
      },
    ]);
    expect(report.status).toBe('blocked');
  });

  it('goose: says what goose answers', async () => {
    const report = await checkAgainstBase('goose', 'db/migrations');
    expect(ofRule(report, 'duplicate-version').map(exact)).toEqual([
      {
        gate: 'graph',
        rule: 'duplicate-version',
        severity: 'blocker',
        file: 'db/migrations/00002_add_author_avatar.sql',
        line: 1,
        endLine: 1,
        message:
          'version 00002 of this new migration is already taken by merged migration db/migrations/00002_add_author_bio.sql (two branches added the same version; the other one merged first); goose refuses a directory with two files of one version: `goose up` stops with "duplicate version 2 detected" on every database, production included',
        help: 'Renumber db/migrations/00002_add_author_avatar.sql to a version above 00002, the newest merged one, e.g. db/migrations/00003_add_author_avatar.sql, and rebase the PR on the base branch.',
      },
    ]);
  });

  it('dbmate: production takes the PR migration for applied', async () => {
    const report = await checkAgainstBase('dbmate', 'db/migrations');
    expect(ofRule(report, 'duplicate-version').map(exact)).toEqual([
      {
        gate: 'graph',
        rule: 'duplicate-version',
        severity: 'blocker',
        file: 'db/migrations/20240212143000_add_author_avatar.sql',
        line: 1,
        endLine: 1,
        message:
          'version 20240212143000 of this new migration is already taken by merged migration db/migrations/20240212143000_add_author_bio.sql (two branches added the same version; the other one merged first); dbmate records a version once: production, which already ran db/migrations/20240212143000_add_author_bio.sql, takes this migration for applied and never runs it',
        help: 'Renumber db/migrations/20240212143000_add_author_avatar.sql to a version above 20240212143000, the newest merged one, e.g. db/migrations/20240212143001_add_author_avatar.sql, and rebase the PR on the base branch.',
      },
    ]);
  });

  it('Flyway: says what Flyway answers', async () => {
    const dir = 'src/main/resources/db/migration';
    const report = await checkAgainstBase('flyway', dir);
    expect(ofRule(report, 'duplicate-version').map(exact)).toEqual([
      {
        gate: 'graph',
        rule: 'duplicate-version',
        severity: 'blocker',
        file: `${dir}/V2__add_author_avatar.sql`,
        line: 1,
        endLine: 1,
        message: `version 2 of this new migration is already taken by merged migration ${dir}/V2__add_author_bio.sql (two branches added the same version; the other one merged first); Flyway refuses two migrations of one version: migrate stops with "Found more than one migration with version 2" on every database, production included`,
        help: `Renumber ${dir}/V2__add_author_avatar.sql to a version above 2, the newest merged one, e.g. ${dir}/V3__add_author_avatar.sql, and rebase the PR on the base branch.`,
      },
    ]);
  });

  it('with the first migrations taken as merged, on the new file, naming the merged one', async () => {
    const dir = 'fixtures/graph/duplicate-version';
    const report = await runFixture(dir, {
      ...onCluster(),
      baseCount: 2,
      gates: ['replay', 'graph'],
    });
    expect(ofRule(report, 'duplicate-version').map(exact)).toEqual([
      {
        gate: 'graph',
        rule: 'duplicate-version',
        severity: 'blocker',
        file: `${dir}/000002_add_author_email.up.sql`,
        line: 1,
        endLine: 1,
        message: `version 000002 of this new migration is already taken by merged migration ${dir}/000002_add_author_bio.up.sql (two branches added the same version; the other one merged first); golang-migrate refuses a directory with two files of one version: \`migrate up\` stops with "duplicate migration file" on every database, production included`,
        help: `Renumber ${dir}/000002_add_author_email.up.sql and its down file to a version above 000002, the newest merged one, e.g. ${dir}/000003_add_author_email.up.sql, and rebase the PR on the base branch.`,
      },
    ]);
  });
});

describe('fk-without-index: at the PR statement that left the foreign key without an index', () => {
  const F = 'fixtures/graph';
  const graph = async (scenario: string, baseCount: number) =>
    ofRule(
      await runFixture(`${F}/${scenario}`, {
        ...onCluster(),
        baseCount,
        tenantCount: 2,
        gates: ['replay', 'graph'],
      }),
      'fk-without-index',
    );

  it('at the DROP INDEX that took away the index a merged foreign key used', async () => {
    const found = await graph('fk-index-dropped', 1);
    expect(found.map(exact)).toEqual([
      {
        gate: 'graph',
        rule: 'fk-without-index',
        severity: 'warning',
        file: `${F}/fk-index-dropped/000002_replace_order_indexes.up.sql`,
        line: 3,
        endLine: 3,
        message:
          'dropping index orders_account_id_idx leaves foreign key orders_account_id_fkey on orders (account_id) → accounts without an index whose leading columns are (account_id): every delete or key update on accounts then scans orders sequentially',
        help: 'Keep orders_account_id_idx as long as orders_account_id_fkey exists, or first create its replacement whose leading columns are (account_id) with CREATE INDEX CONCURRENTLY, in a migration of its own.',
      },
    ]);
  });

  it("at the PR's ALTER TABLE that adds a foreign key to a merged table, not its first migration", async () => {
    const found = await graph('fk-added-to-merged-table', 2);
    expect(found.map(exact)).toEqual([
      {
        gate: 'graph',
        rule: 'fk-without-index',
        severity: 'warning',
        file: `${F}/fk-added-to-merged-table/000004_link_invoices_to_accounts.up.sql`,
        line: 3,
        endLine: 5,
        message:
          'foreign key invoices_account_id_fkey on invoices (account_id) → accounts has no index whose leading columns are (account_id): every delete or key update on accounts scans invoices sequentially',
        help: 'CREATE INDEX CONCURRENTLY invoices_account_id_idx ON invoices (account_id); in its own migration (outside a transaction).',
      },
    ]);
  });

  it('follows tables the PR renames: the new key at its CREATE TABLE, the merged one not at all', async () => {
    const found = await graph('fk-table-renamed', 1);
    expect(found.map(exact)).toEqual([
      {
        gate: 'graph',
        rule: 'fk-without-index',
        severity: 'warning',
        file: `${F}/fk-table-renamed/000002_create_order_notes.up.sql`,
        line: 2,
        endLine: 6,
        message:
          'foreign key order_notes_order_id_fkey on purchase_notes (order_id) → purchases has no index whose leading columns are (order_id): every delete or key update on purchases scans purchase_notes sequentially',
        help: 'CREATE INDEX CONCURRENTLY purchase_notes_order_id_idx ON purchase_notes (order_id); in its own migration (outside a transaction).',
      },
    ]);
  });
});

describe('policy-without-rls: at the PR statement, not the merged CREATE TABLE', () => {
  it("at the PR's CREATE POLICY on a merged table whose row-level security is off", async () => {
    const dir = 'fixtures/isolation/shared-policy-on-merged-table';
    const report = await runFixture(dir, {
      ...onCluster(),
      topology: 'shared',
      baseCount: 1,
      gates: ['replay', 'isolation'],
    });
    expect(ofRule(report, 'policy-without-rls').map(exact)).toEqual([
      {
        gate: 'isolation',
        rule: 'policy-without-rls',
        severity: 'blocker',
        file: `${dir}/002_credit_notes_policy.up.sql`,
        line: 2,
        endLine: 4,
        message:
          'table credit_notes has policies (credit_notes_tenant) but row-level security is disabled, so none of them applies',
        help: 'ALTER TABLE credit_notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;',
      },
    ]);
  });
});
