import { describe, expect, it } from 'vitest';
import { brief, fixtureOptions } from './helpers/run.js';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { initSqlParser } from '../src/sql/split.js';
import { at, blocker, rollbackFindings } from './gate-rollback-support.js';

/**
 * Rollback gate on whole fixtures (real embedded Postgres): orphaned sequence, type and index, a
 * clean pair, a failing down, a data-losing down, a missing down.
 */

describe('rollback gate: up → down must restore the catalog', () => {
  it('reports the sequence a down leaves behind, and the up that then fails again', async () => {
    const up = at('orphaned-sequence', '000002_add_order_number.up.sql');
    const down = at('orphaned-sequence', '000002_add_order_number.down.sql');
    const f = await rollbackFindings('orphaned-sequence');
    expect(brief(f)).toEqual([
      blocker('rollback-incomplete', down, 2),
      blocker('reapply-failed', up, 1),
    ]);
    expect(f[0].message).toBe(
      `After 000002 up then down, the catalog differs from before the up: sequence order_number_seq is left over (created at ${up}:1).`,
    );
    expect(f[0].help).toContain('`DROP SEQUENCE IF EXISTS order_number_seq;`');
    expect(f[0].docs).toBe('docs/rules/rollback-incomplete.md');
    expect(f[1].message).toBe(
      `000002 cannot be applied again after its down (the down left sequence order_number_seq behind): ${up}:1: relation "order_number_seq" already exists (SQLSTATE 42P07).`,
    );
  });

  it('reports an enum type the down leaves behind', async () => {
    const up = at('orphaned-enum-type', '000002_add_order_state.up.sql');
    const down = at('orphaned-enum-type', '000002_add_order_state.down.sql');
    const f = await rollbackFindings('orphaned-enum-type');
    expect(brief(f)).toEqual([
      blocker('rollback-incomplete', down, 1),
      blocker('reapply-failed', up, 1),
    ]);
    expect(f[0].message).toBe(
      `After 000002 up then down, the catalog differs from before the up: type order_state is left over (created at ${up}:1).`,
    );
    expect(f[1].message).toBe(
      `000002 cannot be applied again after its down (the down left type order_state behind): ${up}:1: type "order_state" already exists (SQLSTATE 42710).`,
    );
  });

  it('reports an index the down leaves behind, at the statement that created it on re-apply', async () => {
    const up = at('orphaned-index', '000002_add_note_search.up.sql');
    const down = at('orphaned-index', '000002_add_note_search.down.sql');
    const f = await rollbackFindings('orphaned-index');
    expect(brief(f)).toEqual([
      blocker('rollback-incomplete', down, 1),
      blocker('reapply-failed', up, 2),
    ]);
    expect(f[0].message).toBe(
      `After 000002 up then down, the catalog differs from before the up: index orders_total_idx is left over (created at ${up}:2).`,
    );
  });

  it('reports default privileges the down leaves behind, at the statement that set them', async () => {
    const up = at('default-privileges-left-over', '000002_reporting_access.up.sql');
    const down = at('default-privileges-left-over', '000002_reporting_access.down.sql');
    const f = await rollbackFindings('default-privileges-left-over');
    // The table-level REVOKE also took the column grants back: only the defaults are left.
    expect(brief(f)).toEqual([blocker('rollback-incomplete', down, 2)]);
    expect(f[0].message).toBe(
      `After 000002 up then down, the catalog differs from before the up: grant SELECT on future tables of sg_migrator to reporting is left over (created at ${up}:9).`,
    );
  });

  it('accepts a validation and an enum value the down cannot take back', async () => {
    expect(await rollbackFindings('irreversible-leftovers')).toEqual([]);
  });

  it('passes a pair whose down undoes its up in reverse order', async () => {
    expect(await rollbackFindings('clean-pair')).toEqual([]);
  });
});

describe('rollback gate: the down must apply and keep existing rows', () => {
  it('reports a failing down at its statement with Postgres message and SQLSTATE', async () => {
    const down = at('failing-down', '000002_add_paid_at.down.sql');
    const f = await rollbackFindings('failing-down');
    expect(brief(f)).toEqual([blocker('down-failed', down, 2)]);
    expect(f[0].endLine).toBe(3);
    expect(f[0].message).toBe(
      `The down of 000002 fails right after its up: ${down}:2: column "paid" of relation "orders" does not exist (SQLSTATE 42703). No statement of ${down} was applied before the failure.`,
    );
  });

  it('runs a down in a session of its own: what the up left in its session does not carry over', async () => {
    // Both the up and the down stage rows in a temporary table named staging. Production runs
    // the down later, on a new connection, where the up's staging no longer exists.
    expect(await rollbackFindings('temp-table-in-up-and-down')).toEqual([]);
  });

  it('reports a down that truncates a table the up did not create', async () => {
    const down = at('data-losing-down', '000002_add_refunds.down.sql');
    const f = await rollbackFindings('data-losing-down');
    expect(brief(f)).toEqual([blocker('down-loses-data', down, 2)]);
    expect(f[0].message).toBe(
      'After 000002 up then down, table orders (which existed before the up) has 0 rows, it had 200: the down destroys data the up did not create.',
    );
  });

  it('reports a down that empties a table only through a function it calls', async () => {
    // Neither the up nor the down names order_events: its rows are compared once the down's
    // locks show it was written.
    const down = at('down-writes-through-function', '000002_add_order_notes.down.sql');
    const f = await rollbackFindings('down-writes-through-function');
    expect(brief(f)).toEqual([blocker('down-loses-data', down, 1)]);
    expect(f[0].message).toBe(
      'After 000002 up then down, table order_events (which existed before the up) has 0 rows, it had 200: the down destroys data the up did not create.',
    );
  });

  it('checks a down that drops the index its up made once, on the rows the traces name', async () => {
    // DROP INDEX locks the index's table ACCESS EXCLUSIVE but changes none of its rows: the pair
    // is not checked again from a fresh copy with every table.
    await initSqlParser();
    const logger = memoryLogger();
    const dir = 'fixtures/locks/non-concurrent-index';
    const options = fixtureOptions(dir, { tenantCount: 2, gates: ['replay', 'rollback'] });
    const report = await runCheck(options, logger, { mergedCount: 1 });
    expect(report.findings.filter((f) => f.gate === 'rollback')).toEqual([]);
    const rollback = logger.lines.filter((l) => l.startsWith('debug: rollback:'));
    expect(rollback).toEqual(['debug: rollback: 000002 up → down → up on tenant_1']);
  });

  it('warns, at the up, that a rollback cannot bring back the values of a column the up drops', async () => {
    const up = at('dropped-column-with-default', '000002_drop_accounts_plan.up.sql');
    const f = await rollbackFindings('dropped-column-with-default');
    // The down re-adds the column as it was: the loss is the up's, which no down can undo.
    expect(brief(f)).toEqual([{ ...blocker('down-loses-data', up, 1), severity: 'warning' }]);
    expect(f[0].message).toBe(
      'After 000002 up then down, table accounts (which existed before the up) has column plan back without its values: the up drops column plan at line 1 and no down can bring that data back, so a rollback restores the schema, not the data.',
    );
  });

  it('warns once, at the up, about every table a TRUNCATE … CASCADE empties', async () => {
    const up = at('truncate-cascade', '000002_reset.up.sql');
    const f = await rollbackFindings('truncate-cascade');
    expect(brief(f)).toEqual([{ ...blocker('down-loses-data', up, 2), severity: 'warning' }]);
    expect(f[0].message).toBe(
      'After 000002 up then down, table orders (which existed before the up) has 0 rows, it had 200; table users (which existed before the up) has 0 rows, it had 200: the up truncates users with CASCADE at line 2 and no down can bring that data back, so a rollback restores the schema, not the data.',
    );
  });

  it('warns, at the up, that a down recreating a table the up drops brings it back empty', async () => {
    const up = at('drop-table-recreated-by-down', '000002_drop_orders.up.sql');
    const f = await rollbackFindings('drop-table-recreated-by-down');
    expect(brief(f)).toEqual([{ ...blocker('down-loses-data', up, 1), severity: 'warning' }]);
    expect(f[0].message).toBe(
      'After 000002 up then down, table orders (which existed before the up) is back with 0 rows, it had 200: the up drops table orders at line 1 and no down can bring that data back, so a rollback restores the schema, not the data.',
    );
  });

  it('takes a function the down restores without its comments for the same function', async () => {
    expect(await rollbackFindings('down-restores-function-without-comments')).toEqual([]);
  });

  it('reports a down that recreates a column instead of renaming it back', async () => {
    const down = at('down-recreates-column', '000002_rename_note.down.sql');
    const f = await rollbackFindings('down-recreates-column');
    expect(brief(f)).toEqual([blocker('down-loses-data', down, 1)]);
    expect(f[0].message).toBe(
      'After 000002 up then down, table orders (which existed before the up) has changed values in column(s) note: the down destroys data the up did not create.',
    );
  });
});
