import { beforeAll, describe, expect, it } from 'vitest';
import { qualifiedName } from '../src/sql/ast.js';
import {
  cannotRunInTransaction,
  isTransactionControl,
  statementTargets,
} from '../src/sql/kinds.js';
import { initSqlParser, splitStatements } from '../src/sql/split.js';

beforeAll(async () => {
  await initSqlParser();
});

const one = (sql: string) => {
  const [stmt] = splitStatements(sql, 'x.sql');
  return stmt;
};

describe('statementTargets', () => {
  it.each([
    ['CREATE TABLE tenant_1.users (id int)', ['tenant_1.users']],
    ['ALTER TABLE users ADD COLUMN email text', ['users']],
    ['CREATE INDEX CONCURRENTLY users_email_idx ON users (email)', ['users']],
    ['DROP TABLE memberships, billing.invoices', ['memberships', 'billing.invoices']],
    ['DROP INDEX users_email_idx', ['users_email_idx']],
    ['ALTER TABLE users RENAME TO people', ['users']],
    ['INSERT INTO plans SELECT * FROM legacy_plans', ['plans', 'legacy_plans']],
    ['UPDATE accounts a SET plan_id = p.id FROM plans p', ['accounts', 'plans']],
    ['DELETE FROM users USING accounts', ['users', 'accounts']],
    ['SELECT * FROM (SELECT 1 FROM s.a) x, b', ['s.a', 'b']],
    ['UPDATE accounts SET name = 1', ['accounts']],
    ['DELETE FROM invoices', ['invoices']],
    ['TRUNCATE a, b', ['a', 'b']],
    ['LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE', ['accounts']],
    ['VACUUM accounts', ['accounts']],
    ['CREATE VIEW v AS SELECT * FROM accounts a JOIN plans p ON true', ['v', 'accounts', 'plans']],
    ['CREATE MATERIALIZED VIEW mv AS SELECT * FROM invoices', ['mv', 'invoices']],
    ['CREATE POLICY tenant ON accounts USING (true)', ['accounts']],
    ['CREATE TRIGGER t BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION f()', ['invoices']],
    ["COMMENT ON TABLE accounts IS 'x'", ['accounts']],
    ['GRANT SELECT ON accounts TO PUBLIC', ['accounts']],
    ['CREATE SEQUENCE invoice_numbers', ['invoice_numbers']],
    ['CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', []],
  ])('%s', (sql, targets) => {
    expect(statementTargets(one(sql))).toEqual(targets);
  });

  it('is empty for an unparsed statement', () => {
    expect(statementTargets({ kind: 'Unparsed' })).toEqual([]);
  });
});

describe('qualifiedName', () => {
  it('joins schema and relation', () => {
    expect(qualifiedName({ schemaname: 's', relname: 't' })).toBe('s.t');
    expect(qualifiedName({ relname: 't' })).toBe('t');
    expect(qualifiedName(undefined)).toBe('');
  });
});

describe('transaction properties', () => {
  it.each([
    ['BEGIN', true],
    ['START TRANSACTION', true],
    ['COMMIT', true],
    ['SAVEPOINT a', true],
    ['SELECT 1', false],
  ])('isTransactionControl(%s) is %s', (sql, expected) => {
    expect(isTransactionControl(one(sql))).toBe(expected);
  });

  it.each([
    ['CREATE INDEX CONCURRENTLY i ON t (a)', true],
    ['CREATE INDEX i ON t (a)', false],
    ['DROP INDEX CONCURRENTLY i', true],
    ['DROP INDEX i', false],
    ['REINDEX TABLE CONCURRENTLY t', true],
    ['REINDEX TABLE t', false],
    ['VACUUM t', true],
    ['ANALYZE t', false],
    ['CREATE DATABASE d', true],
    ['DROP DATABASE d', true],
    ['ALTER SYSTEM SET work_mem = 1', true],
    ['ALTER TABLE p DETACH PARTITION c CONCURRENTLY', true],
    ['ALTER TABLE p DETACH PARTITION c', false],
    ["ALTER TYPE mood ADD VALUE 'meh'", false],
  ])('cannotRunInTransaction(%s) is %s', (sql, expected) => {
    expect(cannotRunInTransaction(one(sql))).toBe(expected);
  });
});
