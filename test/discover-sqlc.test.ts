import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { discoverMigrations } from '../src/discover/index.js';
import { InputError } from '../src/core/errors.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, runFixture } from './helpers/run.js';

const ROOT = resolve('.');
const SAAS = 'fixtures/formats/sqlc/saas';
const FILES = 'fixtures/formats/sqlc/schema-files';

beforeAll(initSqlParser);

describe('sqlc discovery', () => {
  it('delegates a golang-migrate schema directory and records the query files', async () => {
    const d = await discoverMigrations(ROOT, SAAS, 'auto');
    expect(d.format).toBe('sqlc');
    expect(d.reason).toBe('found sqlc.yaml with engine postgresql');
    expect(d.queries).toEqual([`${SAAS}/db/queries/invoices.sql`, `${SAAS}/db/queries/users.sql`]);
    expect(d.notes).toEqual([
      `${SAAS}/sqlc.yaml: schema ${SAAS}/db/migrations (${SAAS}/db/migrations is golang-migrate: found 6 files named {version}_{title}.up.sql or .down.sql)`,
    ]);
    expect(
      d.migrations.map((m) => [m.id, m.format, m.sortKey, m.up.transaction, m.downFile]),
    ).toEqual([
      [
        '000001',
        'golang-migrate',
        [0, 1],
        'implicit',
        `${SAAS}/db/migrations/000001_create_accounts.down.sql`,
      ],
      [
        '000002',
        'golang-migrate',
        [0, 2],
        'implicit',
        `${SAAS}/db/migrations/000002_create_users.down.sql`,
      ],
      [
        '000003',
        'golang-migrate',
        [0, 3],
        'implicit',
        `${SAAS}/db/migrations/000003_create_invoices.down.sql`,
      ],
    ]);
  });

  it('reads version 1 JSON with plain schema files and skips other engines', async () => {
    const d = await discoverMigrations(ROOT, FILES, 'sqlc');
    expect(d.queries).toEqual([`${FILES}/sql/queries.sql`]);
    expect(d.migrations.map((m) => [m.id, m.format, m.file, m.up.statements.length])).toEqual([
      ['schema_accounts', 'sqlc', `${FILES}/sql/schema_accounts.sql`, 1],
      ['schema_invoices', 'sqlc', `${FILES}/sql/schema_invoices.sql`, 1],
    ]);
  });

  it('needs a config file', async () => {
    await expect(
      discoverMigrations(ROOT, 'fixtures/formats/drizzle/saas/drizzle', 'sqlc'),
    ).rejects.toThrow(
      new InputError(
        'no sqlc.yaml, sqlc.yml or sqlc.json in fixtures/formats/drizzle/saas/drizzle or the repository root',
      ),
    );
  });

  it('replays the schema migrations on real Postgres', async () => {
    const report = await runFixture(SAAS, { baseCount: 2 });
    expect(report.status).toBe('passed');
    // The new table's foreign key locks accounts (SHARE ROW EXCLUSIVE) with no lock_timeout.
    expect(brief(report.findings)).toEqual([
      {
        gate: 'locks',
        rule: 'missing-lock-timeout',
        severity: 'warning',
        file: `${SAAS}/db/migrations/000003_create_invoices.up.sql`,
        line: 1,
      },
    ]);
    expect(report.migrations.map((m) => [m.id, m.state])).toEqual([
      ['000001', 'merged'],
      ['000002', 'merged'],
      ['000003', 'new'],
    ]);
  });
});
