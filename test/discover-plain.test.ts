import { afterEach, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { ids, outline, tempRepo } from './discover-support.js';

const root = process.cwd();
const dir = 'fixtures/formats/plain';
let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

describe('plain SQL discovery', () => {
  it('orders files naturally (2 before 10) and pairs downs from the down folder', async () => {
    const d = await discoverMigrations(root, dir, 'auto');
    expect(d.format).toBe('plain');
    expect(d.reason).toBe('found 6 .sql files, applied in file-name order');
    expect(ids(d)).toEqual([
      '1_create_plans',
      '2_create_accounts',
      '3_create_users_and_memberships',
      '5_create_subscriptions',
      '8_create_invoices',
      '10_add_invoice_currency',
    ]);
    expect(d.migrations.map((m) => m.downFile)).toEqual([
      `${dir}/down/1_create_plans.sql`,
      `${dir}/down/2_create_accounts.sql`,
      `${dir}/down/3_create_users_and_memberships.sql`,
      `${dir}/down/5_create_subscriptions.sql`,
      `${dir}/down/8_create_invoices.sql`,
      `${dir}/down/10_add_invoice_currency.sql`,
    ]);
    expect(d.findings).toEqual([]);
    const currency = d.migrations[5];
    expect(currency).toMatchObject({
      name: 'add_invoice_currency',
      sortKey: [10, '_add_invoice_currency'],
    });
    expect(currency.up.transaction).toBe('transaction');
    expect(outline(currency.up)).toEqual([
      ['AlterTableStmt', 1, 1],
      ['CommentStmt', 3, 3],
    ]);
    expect(currency.up.statements[1].sql).toBe(
      "COMMENT ON COLUMN invoices.currency IS 'ISO 4217 code; USD unless the account says otherwise'",
    );
  });

  it('pairs .down.sql and _down.sql files, reports orphans and leaves ambiguous downs alone', async () => {
    const repo = tempRepo({
      'sql/001_a.sql': 'SELECT 1;',
      'sql/001_a.down.sql': 'SELECT -1;',
      'sql/002_b.up.sql': 'SELECT 2;',
      'sql/002_b_down.sql': 'SELECT -2;',
      'sql/003_c.sql': 'SELECT 3;',
      'sql/003_c.down.sql': 'SELECT -3;',
      'sql/down/003_c.sql': 'SELECT -3;',
      'sql/004_gone_down.sql': 'SELECT -4;',
      'sql/README.md': 'not sql',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'sql', 'plain');
    expect(d.migrations.map((m) => [m.id, m.file, m.downFile])).toEqual([
      ['001_a', 'sql/001_a.sql', 'sql/001_a.down.sql'],
      ['002_b', 'sql/002_b.up.sql', 'sql/002_b_down.sql'],
      ['003_c', 'sql/003_c.sql', undefined],
    ]);
    expect(d.findings.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ['orphan-down', 'blocker', 'sql/004_gone_down.sql', 1],
    ]);
    expect(d.notes).toEqual([
      'sql/003_c.down.sql matches more than one up or down file; it is not used as a down',
      'sql/down/003_c.sql matches more than one up or down file; it is not used as a down',
    ]);
  });
});
