import { describe, expect, it } from 'vitest';
import { parse } from 'libpg-query';
import type { Statement } from '../src/core/model.js';
import { bareName } from '../src/sql/names.js';
import {
  foreignKeysAdded,
  indexesAdopted,
  indexesAndConstraintsDropped,
  objectsCreated,
} from '../src/gates/graph/ast.js';
import { missingObject } from '../src/gates/graph/used-before-created.js';

async function stmt(sql: string): Promise<Statement> {
  const parsed = (await parse(sql)).stmts ?? [];
  const node = parsed[0]?.stmt as unknown as Record<string, Record<string, unknown>>;
  const kind = Object.keys(node)[0];
  return { sql, file: 'm.sql', line: 1, endLine: 1, kind, ast: node[kind], ignores: [] };
}

describe('foreignKeysAdded', () => {
  it('reads column and table foreign keys of CREATE TABLE', async () => {
    const s = await stmt(
      'CREATE TABLE app.a (id int PRIMARY KEY, b_id int REFERENCES b (id) DEFERRABLE, c int, CONSTRAINT a_c_fk FOREIGN KEY (c) REFERENCES public.c (id))',
    );
    expect(foreignKeysAdded(s)).toEqual([
      { table: 'a', references: 'b', columns: ['b_id'], name: undefined },
      { table: 'a', references: 'c', columns: ['c'], name: 'a_c_fk' },
    ]);
  });

  it('reads ALTER TABLE ADD CONSTRAINT and ADD COLUMN … REFERENCES', async () => {
    const s = await stmt(
      'ALTER TABLE a ADD CONSTRAINT a_x_fk FOREIGN KEY (x, y) REFERENCES b (p, q) NOT VALID, ADD COLUMN z int REFERENCES c',
    );
    expect(foreignKeysAdded(s)).toEqual([
      { table: 'a', references: 'b', columns: ['x', 'y'], name: 'a_x_fk' },
      { table: 'a', references: 'c', columns: ['z'], name: undefined },
    ]);
  });

  it('finds none in other statements', async () => {
    expect(foreignKeysAdded(await stmt('CREATE INDEX i ON a (x)'))).toEqual([]);
  });
});

describe('objectsCreated', () => {
  it('names relations with their columns, types, functions, schemas and indexes', async () => {
    expect(objectsCreated(await stmt('CREATE TABLE s.t (id int, name text)'))).toEqual([
      { kind: 'relation', name: 't' },
      { kind: 'column', name: 'id', table: 't' },
      { kind: 'column', name: 'name', table: 't' },
    ]);
    expect(objectsCreated(await stmt("CREATE TYPE mood AS ENUM ('ok')"))).toEqual([
      { kind: 'type', name: 'mood' },
    ]);
    expect(objectsCreated(await stmt('CREATE DOMAIN pos AS int CHECK (VALUE > 0)'))).toEqual([
      { kind: 'type', name: 'pos' },
    ]);
    expect(
      objectsCreated(
        await stmt("CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql AS 'select 1'"),
      ),
    ).toEqual([{ kind: 'function', name: 'f' }]);
    expect(objectsCreated(await stmt('CREATE SCHEMA billing'))).toEqual([
      { kind: 'schema', name: 'billing' },
    ]);
    expect(objectsCreated(await stmt('CREATE UNIQUE INDEX CONCURRENTLY u ON t (x)'))).toEqual([
      { kind: 'index', name: 'u' },
    ]);
    expect(objectsCreated(await stmt('CREATE VIEW v AS SELECT 1'))).toEqual([
      { kind: 'relation', name: 'v' },
    ]);
  });

  it('names columns added and renamed', async () => {
    expect(objectsCreated(await stmt('ALTER TABLE t ADD COLUMN email text'))).toEqual([
      { kind: 'column', name: 'email', table: 't' },
    ]);
    expect(objectsCreated(await stmt('ALTER TABLE t RENAME COLUMN mail TO email'))).toEqual([
      { kind: 'column', name: 'email', table: 't' },
    ]);
    expect(objectsCreated(await stmt('ALTER TABLE t RENAME TO u'))).toEqual([
      { kind: 'relation', name: 'u' },
    ]);
  });
});

describe('drops and adoptions', () => {
  it('reads DROP INDEX and DROP CONSTRAINT with their CASCADE', async () => {
    expect(
      indexesAndConstraintsDropped(await stmt('DROP INDEX CONCURRENTLY app.i1, i2 CASCADE')),
    ).toEqual([
      { kind: 'index', name: 'i1', cascade: true },
      { kind: 'index', name: 'i2', cascade: true },
    ]);
    expect(indexesAndConstraintsDropped(await stmt('ALTER TABLE t DROP CONSTRAINT t_key'))).toEqual(
      [{ kind: 'constraint', name: 't_key', table: 't', cascade: false }],
    );
  });

  it('reads ADD CONSTRAINT … USING INDEX', async () => {
    expect(
      indexesAdopted(
        await stmt('ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY USING INDEX t_id_idx'),
      ),
    ).toEqual([{ table: 't', index: 't_id_idx', constraint: 't_pk' }]);
    expect(indexesAdopted(await stmt('ALTER TABLE t ADD CONSTRAINT t_u UNIQUE (x)'))).toEqual([]);
  });

  it('unqualifies and unquotes catalog names', () => {
    expect(bareName('$tenant.users')).toBe('users');
    expect(bareName('public."Users"')).toBe('Users');
    expect(bareName('plans')).toBe('plans');
  });
});

describe('missingObject', () => {
  const err = (sqlstate: string, message: string) => missingObject({ sqlstate, message });
  it('reads the missing object from undefined_* errors', () => {
    expect(err('42P01', 'relation "billing.records" does not exist')).toEqual({
      kind: 'relation',
      name: 'records',
    });
    expect(err('42703', 'column "nope" of relation "a" does not exist')).toEqual({
      kind: 'column',
      name: 'nope',
      table: 'a',
    });
    expect(err('42703', 'column "nope" does not exist')).toEqual({ kind: 'column', name: 'nope' });
    expect(err('42703', 'column a.nope does not exist')).toEqual({ kind: 'column', name: 'nope' });
    expect(err('42704', 'type "mood" does not exist')).toEqual({ kind: 'type', name: 'mood' });
    expect(err('42883', 'function f(integer) does not exist')).toEqual({
      kind: 'function',
      name: 'f',
    });
    expect(err('3F000', 'schema "s" does not exist')).toEqual({ kind: 'schema', name: 's' });
    expect(err('42704', 'index "nope" does not exist')).toEqual({ kind: 'index', name: 'nope' });
  });

  it('ignores other errors', () => {
    expect(err('42P07', 'relation "a" already exists')).toBeUndefined();
    expect(err('23505', 'duplicate key value violates unique constraint "x"')).toBeUndefined();
  });
});
