import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { discoverMigrations } from '../src/discover/index.js';
import { initSqlParser } from '../src/sql/split.js';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { brief, fixtureOptions, runFixture } from './helpers/run.js';

const ROOT = resolve('.');
const SAAS = 'fixtures/formats/drizzle/saas/drizzle';
const MISMATCH = 'fixtures/formats/drizzle/journal-mismatch/drizzle';
const WHEN_ORDER = 'fixtures/formats/drizzle/when-order/drizzle';

beforeAll(initSqlParser);

describe('Drizzle discovery', () => {
  it('orders migrations by the journal and splits at statement breakpoints', async () => {
    const d = await discoverMigrations(ROOT, SAAS, 'auto');
    expect(d.format).toBe('drizzle');
    expect(d.reason).toBe('found meta/_journal.json and 3 Drizzle migration files');
    expect(d.findings).toEqual([]);
    expect(d.migrations.map((m) => [m.id, m.name, m.sortKey, m.up.transaction])).toEqual([
      ['0000_create_accounts_users', 'create_accounts_users', [0], 'transaction'],
      ['0001_create_invoices', 'create_invoices', [1], 'transaction'],
      ['0002_add_invoice_currency', 'add_invoice_currency', [2], 'transaction'],
    ]);
    expect(d.migrations[0].up.statements.map((s) => [s.kind, s.line, s.endLine])).toEqual([
      ['CreateStmt', 1, 6],
      ['CreateStmt', 8, 13],
      ['IndexStmt', 15, 15],
      ['DoStmt', 16, 20],
    ]);
  });

  it('reports journal entries without files and files without entries', async () => {
    const d = await discoverMigrations(ROOT, MISMATCH, 'auto');
    expect(d.migrations.map((m) => m.id)).toEqual([
      '0000_create_accounts_users',
      '0001_create_invoices',
    ]);
    expect(d.findings).toEqual([
      {
        gate: 'graph',
        rule: 'drizzle-journal-missing-file',
        severity: 'blocker',
        file: `${MISMATCH}/meta/_journal.json`,
        line: 23,
        endLine: 23,
        message: `the journal lists 0002_add_invoice_currency (idx 2) but ${MISMATCH}/0002_add_invoice_currency.sql does not exist; drizzle-orm's migrator stops with "No file 0002_add_invoice_currency.sql found"`,
        help: 'Restore the migration file, or regenerate the journal with drizzle-kit instead of deleting files by hand.',
        docs: 'docs/rules/drizzle-journal-missing-file.md',
      },
      {
        gate: 'graph',
        rule: 'drizzle-file-not-in-journal',
        severity: 'warning',
        file: `${MISMATCH}/0002_add_users_last_login.sql`,
        line: 1,
        endLine: 1,
        message: `${MISMATCH}/0002_add_users_last_login.sql is not in ${MISMATCH}/meta/_journal.json; drizzle-orm only runs journal entries, so this migration never runs`,
        help: 'Generate migrations with drizzle-kit generate (it adds the journal entry), or delete the stray file.',
        docs: 'docs/rules/drizzle-file-not-in-journal.md',
      },
    ]);
  });

  it('replays the new migration on real Postgres', async () => {
    const report = await runFixture(SAAS, { baseCount: 2 });
    expect(report.status).toBe('passed');
    const file = `${SAAS}/0002_add_invoice_currency.sql`;
    expect(brief(report.findings)).toEqual([
      { gate: 'locks', rule: 'char-column', severity: 'warning', file, line: 1 },
      { gate: 'locks', rule: 'exclusive-lock-held', severity: 'warning', file, line: 1 },
      { gate: 'locks', rule: 'missing-lock-timeout', severity: 'warning', file, line: 1 },
      { gate: 'locks', rule: 'multiple-exclusive-locks', severity: 'warning', file, line: 2 },
      {
        gate: 'rollback',
        rule: 'no-down-migrations',
        severity: 'notice',
        file: undefined,
        line: undefined,
      },
    ]);
  });

  it('blocks a journal entry whose file is missing', async () => {
    const report = await runFixture(MISMATCH, { baseCount: 1 });
    expect(report.status).toBe('blocked');
    expect(brief(report.findings).filter((f) => f.gate === 'graph')).toEqual([
      {
        gate: 'graph',
        rule: 'drizzle-journal-missing-file',
        severity: 'blocker',
        file: `${MISMATCH}/meta/_journal.json`,
        line: 23,
      },
      {
        gate: 'graph',
        rule: 'drizzle-file-not-in-journal',
        severity: 'warning',
        file: `${MISMATCH}/0002_add_users_last_login.sql`,
        line: 1,
      },
    ]);
  });

  it('reads each entry\'s journal "when" and where it is', async () => {
    const d = await discoverMigrations(ROOT, WHEN_ORDER, 'drizzle');
    expect(d.migrations.map((m) => m.journalWhen)).toEqual([
      { millis: 1709287500000, file: `${WHEN_ORDER}/meta/_journal.json`, line: 8 },
      { millis: 1710754930000, file: `${WHEN_ORDER}/meta/_journal.json`, line: 15 },
      { millis: 1710500000000, file: `${WHEN_ORDER}/meta/_journal.json`, line: 22 },
    ]);
  });

  it('blocks a new entry whose "when" is not after the newest merged one, at its journal line', async () => {
    const report = await runFixture(WHEN_ORDER, { baseCount: 2, gates: ['replay', 'graph'] });
    expect(report.status).toBe('blocked');
    const graph = report.findings.filter((f) => f.gate === 'graph');
    expect(brief(graph)).toEqual([
      {
        gate: 'graph',
        rule: 'out-of-order',
        severity: 'blocker',
        file: `${WHEN_ORDER}/meta/_journal.json`,
        line: 22,
      },
    ]);
    expect(graph[0].message).toBe(
      'new migration 0002_add_invoice_currency has journal "when" 1710500000000 (2024-03-15T10:53:20Z), not later than 0001_create_invoices\'s 1710754930000 (2024-03-18T09:42:10Z), the newest merged one; drizzle-orm\'s migrator runs only entries whose "when" is later than the newest applied one\'s, so on a database at 0001_create_invoices it skips 0002_add_invoice_currency without an error',
    );
    expect(graph[0].help).toBe(
      'Set its "when" after 1710754930000, or regenerate the migration with drizzle-kit generate on top of the base branch.',
    );
  });
});

describe('Drizzle deploys', () => {
  const DIR = 'fixtures/formats/drizzle/enum-across-files/drizzle';

  it('replays the pending migrations in one transaction, as drizzle-orm runs them', async () => {
    const report = await runFixture(DIR, {
      baseCount: 1,
      tenantCount: 1,
      topology: 'database',
      gates: ['replay'],
    });
    expect(brief(report.findings)).toEqual([
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        file: `${DIR}/0002_paused_index.sql`,
        line: 1,
        tenant: 'tenant_1',
      },
    ]);
    expect(report.findings[0].message).toContain('unsafe use of new value "paused"');
    expect(report.findings[0].message).toContain(
      'New enum values must be committed before they can be used. drizzle-orm applies every pending migration in one transaction: 0001_add_paused_status ran in the same transaction before it, and a failure rolls them all back',
    );
  });
});

describe('Drizzle in the schema-per-tenant topology', () => {
  const DIR = 'fixtures/formats/drizzle/public-qualified/drizzle';

  it('explains that drizzle-kit names public in every foreign key', async () => {
    // The merged migration fails: a setup error (the topology), never the PR's finding.
    const options = fixtureOptions(DIR, { tenantCount: 1, gates: ['replay'] });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 1 });
    expect(report.status).toBe('error');
    expect(report.findings).toEqual([]);
    expect(report.setupError).toMatchObject({
      file: `${DIR}/0000_init.sql`,
      line: 12,
      cause: 'missing-object',
    });
    expect(report.setupError?.remedy).toBe(
      'drizzle-kit qualifies every name with "public", and these migrations create accounts in the schema they run in, while this statement looks for it in public: with every tenant in one schema, use `--topology shared` (row-level security) or `--topology database`; the schema topology (each tenant\'s tables in its own schema) needs unqualified names.',
    );
    const shared = await runFixture(DIR, {
      baseCount: 1,
      tenantCount: 1,
      topology: 'database',
      gates: ['replay'],
    });
    expect(shared.findings).toEqual([]);
  });
});
