import { beforeAll, describe, expect, it } from 'vitest';
import { initSqlParser, splitStatements } from '../src/sql/split.js';
import type { Script, TransactionMode } from '../src/core/model.js';
import type { CatalogSnapshot } from '../src/catalog/types.js';
import { InputError } from '../src/core/errors.js';
import { resolveSettings } from '../src/config/settings.js';
import { optionsFromYaml } from './helpers/config.js';
import { transactionLayout } from '../src/gates/locks/transactions.js';
import { lockTimeoutSetting, relationsIn, statementLabel } from '../src/gates/locks/ast.js';
import { Scope } from '../src/gates/locks/scope.js';
import { blocksWrites, modeName, strongestBlocking } from '../src/gates/locks/lock-modes.js';
import { MigrationPosition, blockingStatement } from '../src/gates/locks/workload.js';
import type { StatementTrace } from '../src/core/trace.js';

beforeAll(async () => {
  await initSqlParser();
});

const script = (sql: string, transaction: TransactionMode): Script => ({
  file: 'm.sql',
  transaction,
  statements: splitStatements(sql, 'm.sql'),
});

describe('locks settings', () => {
  it('fills the defaults', () => {
    expect(resolveSettings({}).locks).toEqual({
      nonConcurrentIndex: 'warning',
      workload: { enabled: true, clients: 2 },
    });
  });

  it('names the key, the problem and the config file', () => {
    const bad = (yaml: string) => () => optionsFromYaml(yaml);
    expect(bad('locks:\n  nonConcurrentIndex: error\n')).toThrow(InputError);
    expect(bad('locks:\n  nonConcurrentIndex: error\n')).toThrow(
      /\.schemagate\.yml:2: locks\.nonConcurrentIndex: expected one of warning, blocker, got "error"$/,
    );
    expect(bad('locks:\n  workload:\n    clients: 0\n')).toThrow(
      /\.schemagate\.yml:3: locks\.workload\.clients: expected a whole number from 1 to 16, got 0$/,
    );
    expect(bad('locks:\n  workers: 2\n')).toThrow(
      /\.schemagate\.yml:2: locks\.workers: unknown key, expected one of nonConcurrentIndex, workload$/,
    );
  });
});

describe('transactionLayout', () => {
  const sql = 'create index concurrently a on t (x);\nselect 1;';

  it('groups a golang-migrate multi-statement file into one transaction block', () => {
    const layout = transactionLayout(script(sql, 'implicit'));
    expect(layout).toMatchObject({ group: [0, 0], inBlock: [true, true] });
    expect(layout.wholeFile).toContain('one query string');
  });

  it('groups a file the tool wraps in a transaction, even with one statement', () => {
    const layout = transactionLayout(
      script('create index concurrently a on t (x);', 'transaction'),
    );
    expect(layout).toEqual({
      group: [0],
      inBlock: [true],
      wholeFile: 'the migration tool runs the whole file in one transaction',
    });
  });

  it('leaves a single-statement golang-migrate file and NO TRANSACTION files unwrapped', () => {
    expect(transactionLayout(script('create index concurrently a on t (x);', 'implicit'))).toEqual({
      group: [0],
      inBlock: [false],
    });
    expect(transactionLayout(script(sql, 'none'))).toEqual({
      group: [0, 1],
      inBlock: [false, false],
    });
  });

  it('follows explicit BEGIN ... COMMIT blocks', () => {
    const s = script('select 1;\nbegin;\nselect 2;\nselect 3;\ncommit;\nselect 4;', 'none');
    expect(transactionLayout(s)).toEqual({
      group: [0, 1, 1, 1, 1, 2],
      inBlock: [false, false, true, true, false, false],
    });
  });
});

describe('statement readers', () => {
  it('reads lock_timeout settings, session or local, set or cleared', () => {
    const read = (sql: string) => lockTimeoutSetting(splitStatements(sql, 'm.sql')[0]);
    expect(read("set lock_timeout = '5s'")).toEqual({ local: false, enabled: true });
    expect(read("set local lock_timeout to '1s'")).toEqual({ local: true, enabled: true });
    expect(read('set lock_timeout = 0')).toEqual({ local: false, enabled: false });
    expect(read("select set_config('lock_timeout', '2s', true)")).toEqual({
      local: true,
      enabled: true,
    });
    expect(read("set statement_timeout = '5s'")).toBeUndefined();
  });

  it('finds the relations a statement reads and labels statements', () => {
    const [update] = splitStatements(
      'update orders set total = 0 from users u where u.id = orders.user_id and exists (select 1 from app.plans)',
      'm.sql',
    );
    expect(
      relationsIn(update.ast)
        .map((r) => `${r.schema ?? ''}.${r.name}`)
        .sort(),
    ).toEqual(['.orders', '.users', 'app.plans']);
    expect(statementLabel(update)).toBe('UPDATE orders');
  });

  it('labels unique indexes, triggers and new tables by name', () => {
    const label = (sql: string) => statementLabel(splitStatements(sql, 'm.sql')[0]);
    expect(label('create unique index users_email_idx on users (email)')).toBe(
      'CREATE UNIQUE INDEX users_email_idx',
    );
    expect(label('create index on users (email)')).toBe('CREATE INDEX');
    expect(
      label('create trigger users_touch before update on users for each row execute function f()'),
    ).toBe('CREATE TRIGGER users_touch');
    expect(label('create table invoices (id bigint)')).toBe('CREATE TABLE invoices');
  });
});

describe('lock modes', () => {
  it('names modes as Postgres documents them and knows which block writes', () => {
    expect(modeName('ShareRowExclusiveLock')).toBe('SHARE ROW EXCLUSIVE');
    expect(modeName('AccessExclusiveLock')).toBe('ACCESS EXCLUSIVE');
    expect(blocksWrites('ShareLock')).toBe(true);
    expect(blocksWrites('ShareUpdateExclusiveLock')).toBe(false);
    expect(blocksWrites('RowExclusiveLock')).toBe(false);
  });

  it('picks the strongest write-blocking mode and the tables that got it', () => {
    expect(
      strongestBlocking([
        { table: 'a', mode: 'ShareRowExclusiveLock' },
        { table: 'b', mode: 'AccessExclusiveLock' },
        { table: 'c', mode: 'ShareUpdateExclusiveLock' },
      ]),
    ).toEqual({ mode: 'AccessExclusiveLock', tables: ['b'] });
    expect(
      strongestBlocking([
        { table: 'a', mode: 'ShareRowExclusiveLock' },
        { table: 'b', mode: 'ShareRowExclusiveLock' },
      ]),
    ).toEqual({ mode: 'ShareRowExclusiveLock', tables: ['a', 'b'] });
    expect(strongestBlocking([{ table: 'a', mode: 'ShareUpdateExclusiveLock' }])).toBeUndefined();
  });
});

describe('Scope', () => {
  const before = {
    tables: [
      {
        name: '$tenant.users',
        kind: 'table',
        columns: [
          { name: 'id', notNull: true },
          { name: 'name', notNull: false },
        ],
      },
      { name: 'public.plans', kind: 'table', columns: [{ name: 'id', notNull: true }] },
    ],
    indexes: [{ name: '$tenant.users_pkey', table: '$tenant.users' }],
    constraints: [],
  } as unknown as CatalogSnapshot;
  const tenant = {
    name: 'tenant_1',
    database: 'db',
    schema: 'tenant_1',
    searchPath: ['tenant_1', 'public'],
  };

  it('resolves names through the search_path and trace names to catalog keys', () => {
    const scope = new Scope(before, tenant);
    expect(scope.table({ name: 'users' })).toBe('$tenant.users');
    expect(scope.table({ name: 'plans' })).toBe('public.plans');
    expect(scope.table({ schema: 'tenant_1', name: 'users' })).toBe('$tenant.users');
    expect(scope.table({ name: 'orders' })).toBeUndefined();
    expect(scope.traceKey('users')).toBe('$tenant.users');
    expect(scope.traceKey('public.plans')).toBe('public.plans');
    expect(scope.tableOfIndex(scope.index({ name: 'users_pkey' })!)).toBe('$tenant.users');
  });

  it('follows the PR: recreated tables are new, renames keep history, checks get validated', () => {
    const scope = new Scope(before, tenant);
    const apply = (sql: string) => splitStatements(sql, 'm.sql').forEach((s) => scope.apply(s));
    apply('alter table users add constraint users_name_nn check (name is not null) not valid;');
    expect(scope.hasValidatedNotNullCheck('$tenant.users', 'name')).toBe(false);
    apply('alter table users validate constraint users_name_nn;');
    expect(scope.hasValidatedNotNullCheck('$tenant.users', 'name')).toBe(true);
    apply(
      'alter table users rename to accounts; alter table accounts rename column name to label;',
    );
    expect(scope.table({ name: 'accounts' })).toBe('$tenant.accounts');
    expect(scope.hasColumn('$tenant.accounts', 'label')).toBe(true);
    expect(scope.hasValidatedNotNullCheck('$tenant.accounts', 'name')).toBe(true);
    apply('drop table plans; create table plans (id bigint);');
    expect(scope.table({ name: 'plans' })).toBeUndefined();
  });
});

describe('blockingStatement', () => {
  const trace = (index: number, locks: Array<[string, string]>) =>
    ({
      index,
      locks: locks.map(([relation, mode]) => ({ relation, mode, preexisting: true })),
    }) as StatementTrace;
  const traces = [
    trace(0, []),
    trace(1, [['users', 'AccessExclusiveLock']]),
    trace(2, [['users', 'RowExclusiveLock']]),
    trace(3, [['orders', 'ShareLock']]),
  ];

  it('credits the statement that took the conflicting lock, even when the wait began later', () => {
    const read = { traceName: 'users', mode: 'AccessShareLock' as const };
    expect(blockingStatement(traces, { ...read, seenAt: 2 })).toBe(1);
    expect(blockingStatement(traces, { ...read, seenAt: 0 })).toBe(1);
  });

  it('knows which lock modes block reads and which block writes', () => {
    expect(
      blockingStatement(traces, { traceName: 'orders', mode: 'RowExclusiveLock', seenAt: 3 }),
    ).toBe(3);
    // A SHARE lock (CREATE INDEX) does not block reads: nothing earlier to credit.
    expect(
      blockingStatement(traces, { traceName: 'orders', mode: 'AccessShareLock', seenAt: 0 }),
    ).toBe(0);
    expect(
      blockingStatement(traces, { traceName: 'plans', mode: 'AccessShareLock', seenAt: 2 }),
    ).toBe(2);
  });
});

describe('MigrationPosition', () => {
  it('follows the statements until the migration ends, and a late reading does not revive it', () => {
    const position = new MigrationPosition();
    expect(position.current).toBe(0);
    position.at(2);
    expect([position.current, position.ended]).toEqual([2, false]);
    position.end();
    // The monitor's query was on its way when the migration ended: the workload stops anyway.
    position.at(3);
    expect([position.current, position.ended]).toEqual([undefined, true]);
  });
});
