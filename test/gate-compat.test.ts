import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../src/config/settings.js';
import { brief, runFixture } from './helpers/run.js';

const F = 'fixtures/compat';
const only = { baseCount: 3, gates: ['replay', 'compat'] };
const KEEP_OLD_SHAPE =
  'Keep the old shape until no release uses it (expand, migrate the code, then contract in a later release): add the new column or table next to the old one, backfill, ship the code that uses it, and drop the old one afterwards.';

describe('compat gate on real Postgres', () => {
  it('blames a dropped column on the statement that dropped it, per query', async () => {
    const report = await runFixture(`${F}/column-dropped`, only);
    expect(report.status).toBe('blocked');
    const drop = `${F}/column-dropped/db/migrations/000004_drop_users_full_name.up.sql`;
    const queries = `${F}/column-dropped/db/queries/users.sql`;
    expect(report.findings.map((f) => [f.rule, f.severity, f.file, f.line, f.tenant])).toEqual([
      ['query-broken-by-migration', 'blocker', drop, 1, undefined],
      ['query-broken-by-migration', 'blocker', drop, 1, undefined],
      ['query-broken-by-migration', 'blocker', drop, 1, undefined],
    ]);
    expect(report.findings.map((f) => f.message)).toEqual([
      `ALTER TABLE users DROP COLUMN full_name (${drop}:1) breaks query GetUser (${queries}:1): column "full_name" does not exist (SQLSTATE 42703); the running release sends this query and fails from the moment the migration commits`,
      `ALTER TABLE users DROP COLUMN full_name (${drop}:1) breaks query ListUsersByAccount (${queries}:6): column "full_name" does not exist (SQLSTATE 42703); the running release sends this query and fails from the moment the migration commits`,
      `ALTER TABLE users DROP COLUMN full_name (${drop}:1) breaks query CreateUser (${queries}:13): column "full_name" of relation "users" does not exist (SQLSTATE 42703); the running release sends this query and fails from the moment the migration commits`,
    ]);
    expect(report.findings[0]).toMatchObject({
      gate: 'compat',
      help: KEEP_OLD_SHAPE,
      docs: 'docs/rules/query-broken-by-migration.md',
    });
  });

  it('checks SELECT * as sqlc generates it: with the columns the table had at the base', async () => {
    const report = await runFixture(`${F}/select-star`, only);
    const drop = `${F}/select-star/db/migrations/000004_drop_users_full_name.up.sql`;
    const queries = `${F}/select-star/db/queries/users.sql`;
    expect(brief(report.findings)).toEqual([
      {
        gate: 'compat',
        rule: 'query-broken-by-migration',
        severity: 'blocker',
        file: drop,
        line: 1,
      },
    ]);
    expect(report.findings[0].message).toBe(
      `ALTER TABLE users DROP COLUMN full_name (${drop}:1) breaks query GetUserByEmail (${queries}:1; sqlc generated its * as the columns it returned at the base: id, account_id, email, full_name): column "full_name" does not exist (SQLSTATE 42703); the running release sends this query and fails from the moment the migration commits`,
    );
  });

  it('blames a renamed table', async () => {
    const report = await runFixture(`${F}/table-renamed`, only);
    const rename = `${F}/table-renamed/db/migrations/000004_rename_invoices_to_bills.up.sql`;
    expect(brief(report.findings)).toEqual([
      {
        gate: 'compat',
        rule: 'query-broken-by-migration',
        severity: 'blocker',
        file: rename,
        line: 2,
      },
      {
        gate: 'compat',
        rule: 'query-broken-by-migration',
        severity: 'blocker',
        file: rename,
        line: 2,
      },
    ]);
    expect(report.findings[0].message).toBe(
      `ALTER TABLE invoices RENAME TO bills (${rename}:2) breaks query ListOpenInvoices (${F}/table-renamed/db/queries/invoices.sql:1): relation "invoices" does not exist (SQLSTATE 42P01); the running release sends this query and fails from the moment the migration commits`,
    );
  });

  it('blames an incompatible type change', async () => {
    const report = await runFixture(`${F}/type-changed`, only);
    const alter = `${F}/type-changed/db/migrations/000004_store_totals_as_text.up.sql`;
    expect(report.findings.map((f) => [f.rule, f.file, f.line, f.endLine, f.message])).toEqual([
      [
        'query-broken-by-migration',
        alter,
        3,
        4,
        `ALTER TABLE invoices ALTER COLUMN total_cents TYPE text USING total_cents::text (${alter}:3) breaks query AccountRevenue (${F}/type-changed/db/queries/invoices.sql:7): function sum(text) does not exist (SQLSTATE 42883); the running release sends this query and fails from the moment the migration commits`,
      ],
    ]);
  });

  it('passes an additive change', async () => {
    const report = await runFixture(`${F}/compatible-change`, only);
    expect(report.status).toBe('passed');
    expect(report.findings).toEqual([]);
  });

  it('only notes a query that fails before the pull request too', async () => {
    const report = await runFixture(`${F}/already-failing`, only);
    expect(report.status).toBe('passed');
    const file = `${F}/already-failing/db/queries/users.sql`;
    expect(report.findings).toEqual([
      {
        gate: 'compat',
        rule: 'query-already-failing',
        severity: 'notice',
        file,
        line: 18,
        endLine: 21,
        message: `query ListUsersByTeam (${file}:18) does not prepare before this pull request either (column "team_id" does not exist (SQLSTATE 42703)); not caused by these migrations`,
        docs: 'docs/rules/query-already-failing.md',
      },
    ]);
  });

  it('checks the SQL files of compat.queries when there is no sqlc config', async () => {
    const report = await runFixture(`${F}/configured-queries/migrations`, {
      ...only,
      settings: {
        ...defaultSettings(),
        compat: { queries: [`${F}/configured-queries/app/sql/**/*.sql`] },
      },
    });
    const rename = `${F}/configured-queries/migrations/000004_rename_accounts_plan.up.sql`;
    const query = `${F}/configured-queries/app/sql/reports/accounts_by_plan.sql`;
    expect(report.findings.map((f) => [f.rule, f.file, f.line, f.message])).toEqual([
      [
        'query-broken-by-migration',
        rename,
        1,
        `ALTER TABLE accounts RENAME COLUMN plan TO plan_code (${rename}:1) breaks query at ${query}:2: column "plan" does not exist (SQLSTATE 42703); the running release sends this query and fails from the moment the migration commits`,
      ],
    ]);
  });
});

describe('compat gate without a base', () => {
  it('checks every query against the final schema when all migrations are new', async () => {
    const report = await runFixture(`${F}/column-dropped`, { gates: ['replay', 'compat'] });
    const queries = `${F}/column-dropped/db/queries/users.sql`;
    expect(report.findings.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ['changed-query-incompatible', 'blocker', queries, 1],
      ['changed-query-incompatible', 'blocker', queries, 6],
      ['changed-query-incompatible', 'blocker', queries, 13],
    ]);
    expect(report.findings[0].message).toBe(
      `query GetUser (${queries}:1) does not prepare against the migrated schema: column "full_name" does not exist (SQLSTATE 42703)`,
    );
  });
});
