import { describe, expect, it } from 'vitest';
import { brief } from './helpers/run.js';
import { at, blocker, rollbackFindings, withRollback } from './gate-rollback-support.js';

/**
 * Rollback gate on whole fixtures (real embedded Postgres): non-transactional pairs
 * (CONCURRENTLY), a non-transactional down failing midway, the reverse-order chain, and formats
 * without downs.
 */

describe('rollback gate: scripts that do not run in one transaction', () => {
  it('passes a golang-migrate pair that creates and drops an index CONCURRENTLY', async () => {
    expect(await rollbackFindings('concurrently-pair')).toEqual([]);
  });

  it('passes a goose NO TRANSACTION pair with two CONCURRENTLY statements each way', async () => {
    expect(await rollbackFindings('goose-no-transaction-pair')).toEqual([]);
  });

  it('reports a NO TRANSACTION down failing midway with the statements it left applied', async () => {
    const file = at('goose-no-transaction-half-rolled-back', '00002_index_orders.sql');
    const f = await rollbackFindings('goose-no-transaction-half-rolled-back');
    expect(brief(f)).toEqual([blocker('down-failed', file, 8)]);
    expect(f[0].message).toBe(
      `The down of 00002 fails right after its up: ${file}:8: index "orders_notes_idx" does not exist (SQLSTATE 42704). It does not run in one transaction: the statement at ${file}:7 stays applied, so the database is left half rolled back.`,
    );
  });
});

describe('rollback gate: the added migrations roll back in reverse order and forward again', () => {
  const scenario = 'chain-blocked-by-leftover';
  const items = at(scenario, '000002_create_items.down.sql');
  const lookupUp = at(scenario, '000003_item_lookup.up.sql');
  const lookupDown = at(scenario, '000003_item_lookup.down.sql');

  it('reports the down that fails because a later down left a dependent object', async () => {
    const f = await rollbackFindings(scenario);
    expect(brief(f)).toEqual([
      blocker('down-failed', items, 1),
      blocker('rollback-incomplete', lookupDown, 1),
      blocker('reapply-failed', lookupUp, 1),
    ]);
    expect(f[0].message).toBe(
      `Rolling back the added migrations in reverse order fails at the down of 000002 (after rolling back 000003): ${items}:1: cannot drop table items because other objects depend on it (SQLSTATE 2BP01). Detail: function item_named(text) depends on type items. Hint: Use DROP ... CASCADE to drop the dependent objects too. No statement of ${items} was applied before the failure.`,
    );
    expect(f[1].message).toBe(
      `After 000003 up then down, the catalog differs from before the up: function item_named(p_name text) is left over (created at ${lookupUp}:1).`,
    );
    expect(f[2].endLine).toBe(3);
  });

  it('rolls back only the last migration with chain: 1, on every tenant with tenants: all', async () => {
    const f = await rollbackFindings(scenario, {
      settings: withRollback({ chain: 1, tenants: 'all' }),
    });
    expect(brief(f)).toEqual([
      blocker('rollback-incomplete', lookupDown, 1),
      blocker('reapply-failed', lookupUp, 1),
    ]);
  });
});

describe('rollback gate: missing downs', () => {
  it('warns about an added migration without a down', async () => {
    const up = at('missing-down', '000002_add_currency.up.sql');
    const f = await rollbackFindings('missing-down');
    expect(brief(f)).toEqual([
      { gate: 'rollback', rule: 'missing-down', severity: 'warning', file: up, line: 1 },
    ]);
    expect(f[0].message).toBe(
      `000002 (add_currency) has no down migration (expected ${at('missing-down', '000002_add_currency.down.sql')}): it cannot be rolled back.`,
    );
  });
  it('says a down that is there but holds no statement does nothing', async () => {
    const up = at('empty-down-goose', '20240310090000_backfill_totals.sql');
    const f = await rollbackFindings('empty-down-goose');
    expect(brief(f)).toEqual([
      { gate: 'rollback', rule: 'missing-down', severity: 'warning', file: up, line: 2 },
    ]);
    expect(f[0].message).toBe(
      '20240310090000 (backfill_totals) has a down that does nothing (its `-- +goose Down` section holds no statement): rolling it back leaves every change of the up in place.',
    );
  });

  it('says nothing of a migration whose up and down hold no statement (its work is in code)', async () => {
    expect(await rollbackFindings('empty-up-and-down')).toEqual([]);
  });

  it('makes a missing down a blocker when configured', async () => {
    const f = await rollbackFindings('missing-down', {
      settings: withRollback({ missingDown: 'blocker' }),
    });
    expect(brief(f)).toEqual([
      blocker('missing-down', at('missing-down', '000002_add_currency.up.sql'), 1),
    ]);
  });

  it('says once that Flyway migrations without undo files cannot be verified', async () => {
    const f = await rollbackFindings('flyway-without-undo');
    expect(f).toEqual([
      {
        gate: 'rollback',
        rule: 'no-down-migrations',
        severity: 'notice',
        message:
          'Rollback is not verified: these Flyway migrations have no undo (U__) files. Rolling back in production means writing and running a new forward migration.',
        help: 'Plan rollbacks as forward migrations (expand/contract), so that every deployed version of the application works with the schema before and after.',
        docs: 'docs/rules/no-down-migrations.md',
      },
    ]);
  });

  it('says once that Prisma migrations have no downs', async () => {
    const f = await rollbackFindings('prisma-without-downs/prisma/migrations');
    expect(brief(f)).toEqual([
      { gate: 'rollback', rule: 'no-down-migrations', severity: 'notice' },
    ]);
    expect(f[0].message).toBe(
      'Rollback is not verified: Prisma migrations have no down migrations. Rolling back in production means writing and running a new forward migration.',
    );
  });
});
