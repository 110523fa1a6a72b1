import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../src/config/settings.js';
import { optionsFromYaml } from './helpers/config.js';
import { InputError } from '../src/core/errors.js';
import type { Script, Statement } from '../src/core/model.js';
import { appliedBeforeFailure } from '../src/gates/rollback/describe.js';
import { transactionLayout } from '../src/gates/locks/transactions.js';
import { objectNames } from '../src/gates/rollback/locate.js';

const withRollback = (rollback: Record<string, unknown>) => resolveSettings({ rollback }).rollback;

describe('rollback settings', () => {
  it('defaults to one tenant, the whole chain and a warning for a missing down', () => {
    expect(withRollback({})).toEqual({
      tenants: 'one',
      chain: 'all',
      missingDown: 'warning',
    });
  });

  it('accepts every tenant, a chain length and blocking missing downs', () => {
    expect(withRollback({ tenants: 'all', chain: 2, missingDown: 'blocker' })).toEqual({
      tenants: 'all',
      chain: 2,
      missingDown: 'blocker',
    });
  });

  it('names the file, the line, the key and the value it refuses', () => {
    const bad = () => optionsFromYaml('rollback:\n  tenants: some\n');
    expect(bad).toThrow(InputError);
    expect(bad).toThrow(
      /\.schemagate\.yml:2: rollback\.tenants: expected one of one, all, got "some"$/,
    );
    expect(() => optionsFromYaml('rollback:\n  chain: -1\n')).toThrow(
      /\.schemagate\.yml:2: rollback\.chain: expected all or a whole number of at least 0, got -1$/,
    );
    expect(() => optionsFromYaml('topology: schema\nrollback:\n  tenant: one\n')).toThrow(
      /\.schemagate\.yml:3: rollback\.tenant: unknown key, expected one of tenants, chain, missingDown$/,
    );
  });
});

const stmt = (
  line: number,
  sql: string,
  kind = 'IndexStmt',
  ast: Record<string, unknown> = {},
): Statement => ({
  sql,
  file: 'm/2.down.sql',
  line,
  endLine: line,
  kind,
  ast,
  ignores: [],
});

describe('what a failed down leaves applied', () => {
  it('keeps every earlier statement of a script without a transaction', () => {
    const script: Script = {
      file: 'm/2.down.sql',
      transaction: 'none',
      statements: [
        stmt(1, 'drop index concurrently a'),
        stmt(2, 'drop index concurrently b'),
        stmt(3, 'drop index c'),
      ],
    };
    expect(appliedBeforeFailure(script, 2).map((s) => s.line)).toEqual([1, 2]);
  });

  it('keeps nothing of a script that runs in one transaction', () => {
    const script: Script = {
      file: 'm/2.down.sql',
      transaction: 'transaction',
      statements: [stmt(1, 'a'), stmt(2, 'b')],
    };
    expect(appliedBeforeFailure(script, 1)).toEqual([]);
  });

  it('keeps what a COMMIT inside a tool transaction committed (Alembic autocommit_block)', () => {
    const commit = stmt(3, 'commit', 'TransactionStmt', { kind: 'TRANS_STMT_COMMIT' });
    const begin = stmt(5, 'begin', 'TransactionStmt', { kind: 'TRANS_STMT_BEGIN' });
    const script: Script = {
      file: 'v/abc.py',
      transaction: 'transaction',
      statements: [stmt(1, 'a'), stmt(2, 'b'), commit, stmt(4, 'c'), begin, stmt(6, 'd')],
    };
    expect(appliedBeforeFailure(script, 5).map((s) => s.line)).toEqual([1, 2, 4]);
    expect(transactionLayout(script)).toEqual({
      group: [0, 0, 0, 1, 2, 2],
      inBlock: [true, true, false, false, false, true],
    });
  });

  it('keeps the committed block of a script with its own BEGIN/COMMIT, not the open one', () => {
    const begin = stmt(1, 'begin', 'TransactionStmt', { kind: 'TRANS_STMT_BEGIN' });
    const commit = stmt(3, 'commit', 'TransactionStmt', { kind: 'TRANS_STMT_COMMIT' });
    const begin2 = stmt(4, 'begin', 'TransactionStmt', { kind: 'TRANS_STMT_BEGIN' });
    const script: Script = {
      file: 'm/2.down.sql',
      transaction: 'implicit',
      statements: [
        begin,
        stmt(2, 'drop table a', 'DropStmt'),
        commit,
        begin2,
        stmt(5, 'drop table b', 'DropStmt'),
        stmt(6, 'x'),
      ],
    };
    expect(appliedBeforeFailure(script, 5).map((s) => s.line)).toEqual([2]);
  });
});

describe('names a catalog change is about', () => {
  it('puts the object first, then the table it is on', () => {
    expect(
      objectNames({ change: 'added', kind: 'sequence', name: '$tenant.order_number_seq' }),
    ).toEqual(['order_number_seq']);
    expect(objectNames({ change: 'changed', kind: 'column', name: '$tenant.orders.note' })).toEqual(
      ['note', 'orders'],
    );
    expect(
      objectNames({ change: 'added', kind: 'function', name: '$tenant.item_named(text)' }),
    ).toEqual(['item_named']);
    expect(
      objectNames({
        change: 'removed',
        kind: 'grant',
        name: 'SELECT on table $tenant.orders to reporting',
      }),
    ).toEqual(['orders']);
  });
});
