import { beforeAll, describe, expect, it } from 'vitest';
import { astOf } from '../src/sql/ast.js';
import { initSqlParser, splitStatements } from '../src/sql/split.js';
import { splitSection } from '../src/sql/sections.js';

beforeAll(async () => {
  await initSqlParser();
});

const brief = (source: string) =>
  splitStatements(source, 'db/m.sql').map((s) => ({
    kind: s.kind,
    line: s.line,
    endLine: s.endLine,
    sql: s.sql,
  }));

describe('splitStatements', () => {
  it('maps multi-line statements to their first and last line, leading comments excluded', () => {
    const source = [
      '-- accounts pay; tenants own them',
      '',
      'CREATE TABLE accounts (',
      '    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),',
      "    name text NOT NULL DEFAULT 'a;b'",
      ');',
      '/* index; next */ CREATE INDEX accounts_name_idx ON accounts (name);',
      '',
      'ALTER TABLE accounts',
      '  ADD COLUMN plan text',
    ].join('\n');
    expect(brief(source)).toEqual([
      {
        kind: 'CreateStmt',
        line: 3,
        endLine: 6,
        sql: [
          'CREATE TABLE accounts (',
          '    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),',
          "    name text NOT NULL DEFAULT 'a;b'",
          ')',
        ].join('\n'),
      },
      {
        kind: 'IndexStmt',
        line: 7,
        endLine: 7,
        sql: 'CREATE INDEX accounts_name_idx ON accounts (name)',
      },
      {
        kind: 'AlterTableStmt',
        line: 9,
        endLine: 10,
        sql: 'ALTER TABLE accounts\n  ADD COLUMN plan text',
      },
    ]);
  });

  it('keeps dollar-quoted bodies, E strings and BEGIN ATOMIC bodies whole', () => {
    const source = [
      'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$',
      'BEGIN',
      "  NEW.note := 'done; really';",
      '  RETURN NEW;',
      'END',
      '$body$;',
      "SELECT E'it\\'s; fine';",
      'CREATE FUNCTION two() RETURNS int LANGUAGE sql',
      'BEGIN ATOMIC',
      '  SELECT 1;',
      '  SELECT CASE WHEN true THEN 2 END;',
      'END;',
      'BEGIN;',
      'COMMIT;',
    ].join('\n');
    expect(brief(source).map((s) => [s.kind, s.line, s.endLine])).toEqual([
      ['CreateFunctionStmt', 1, 6],
      ['SelectStmt', 7, 7],
      ['CreateFunctionStmt', 8, 12],
      ['TransactionStmt', 13, 13],
      ['TransactionStmt', 14, 14],
    ]);
    const [fn, , atomic, begin] = splitStatements(source, 'db/m.sql');
    expect(fn.sql.endsWith('$body$')).toBe(true);
    expect(atomic.sql.endsWith('END')).toBe(true);
    expect(begin.ast).toEqual({ kind: 'TRANS_STMT_BEGIN', location: -1 });
  });

  it('counts lines, not bytes, after non-ASCII text', () => {
    const source =
      "-- Grüße, 日本語; émoji 🎉\nINSERT INTO plans (name) VALUES ('Größe 🎉');\n\nSELECT 'ü';";
    const stmts = splitStatements(source, 'db/m.sql');
    expect(stmts.map((s) => [s.kind, s.line, s.sql])).toEqual([
      ['InsertStmt', 2, "INSERT INTO plans (name) VALUES ('Größe 🎉')"],
      ['SelectStmt', 4, "SELECT 'ü'"],
    ]);
    // AST locations are byte offsets into the file
    const bytes = Buffer.from(source);
    const at = astOf(stmts[0], 'InsertStmt')!.relation!.location!;
    expect(bytes.subarray(at, at + 5).toString()).toBe('plans');
  });

  it('returns nothing for a file of comments only', () => {
    expect(splitStatements('-- nothing here;\n/* nor; here */\n', 'x.sql')).toEqual([]);
  });

  it('reports an unparseable statement with its line and parses the others', () => {
    const source = [
      'CREATE TABLE plans (id int);',
      '',
      'CREATE TABLE users (',
      '  id int,',
      '  email txet text',
      ');',
      'INSERT INTO plans VALUES (1); -- trailing; comment',
    ].join('\n');
    const stmts = splitStatements(source, 'db/m.sql');
    expect(stmts.map((s) => [s.kind, s.line, s.endLine, s.parseError])).toEqual([
      ['CreateStmt', 1, 1, undefined],
      ['Unparsed', 3, 6, 'syntax error at or near "text" (line 5)'],
      ['InsertStmt', 7, 7, undefined],
    ]);
    expect(stmts[1].ast).toBeUndefined();
    // locations of a statement parsed on its own are still file offsets
    const location = astOf(stmts[2], 'InsertStmt')!.relation!.location;
    expect(source.slice(location).startsWith('plans VALUES')).toBe(true);
  });

  it('reports the line of a syntax error after non-ASCII text', () => {
    const source = "SELECT 'éé';\nSELECT 'ü'\n  FROM FROM t;";
    const stmts = splitStatements(source, 'x.sql');
    expect(stmts.map((s) => [s.kind, s.line, s.parseError])).toEqual([
      ['SelectStmt', 1, undefined],
      ['Unparsed', 2, 'syntax error at or near "FROM" (line 3)'],
    ]);
  });

  it('keeps everything after an unterminated quote as one unparsed statement', () => {
    const source = "SELECT 1;\nSELECT 2;\nINSERT INTO t VALUES ('open;\nSELECT 3;\n";
    expect(
      splitStatements(source, 'x.sql').map((s) => [s.kind, s.line, s.endLine, s.parseError]),
    ).toEqual([
      ['SelectStmt', 1, 1, undefined],
      ['SelectStmt', 2, 2, undefined],
      ['Unparsed', 3, 4, 'unterminated quoted string at or near "\'open;…" (line 3)'],
    ]);
  });

  it('splits BEGIN ATOMIC bodies correctly when another statement fails', () => {
    const source = [
      'CREATE FUNCTION two() RETURNS int LANGUAGE sql',
      'BEGIN ATOMIC',
      '  SELECT 1;',
      'END;',
      'SELEC 2;',
    ].join('\n');
    expect(brief(source).map((s) => [s.kind, s.line, s.endLine])).toEqual([
      ['CreateFunctionStmt', 1, 4],
      ['Unparsed', 5, 5],
    ]);
  });
});

describe('ignore directives', () => {
  it('reads ignores on the comment lines directly above a statement', () => {
    const source = [
      'CREATE TABLE a (id int);',
      '-- schemagate:ignore lock-timeout-missing small table, 10 rows',
      '-- schemagate:ignore non-concurrent-index',
      '-- another comment',
      'CREATE INDEX a_idx ON a (id);',
      '',
      '-- schemagate:ignore volatile-default too far away',
      '',
      'ALTER TABLE a ADD COLUMN b int;',
    ].join('\n');
    const stmts = splitStatements(source, 'x.sql');
    expect(stmts.map((s) => s.ignores)).toEqual([
      [],
      [
        { rule: 'lock-timeout-missing', reason: 'small table, 10 rows', line: 2 },
        { rule: 'non-concurrent-index', reason: '', line: 3 },
      ],
      [],
    ]);
  });

  it('does not take an ignore from inside the previous statement', () => {
    const source = [
      "SELECT 'x' ||",
      '-- schemagate:ignore table-rewrite inside the select',
      "'y';",
      'ALTER TABLE a ADD COLUMN b int;',
    ].join('\n');
    expect(splitStatements(source, 'x.sql').map((s) => s.ignores)).toEqual([[], []]);
  });
});

describe('splitSection', () => {
  it('numbers a section’s statements by their lines in the whole file', () => {
    const source = [
      '-- +goose Up',
      '-- schemagate:ignore table-rewrite new table',
      'CREATE TABLE plans (',
      '  id int',
      ');',
      '-- +goose Down',
      'DROP TABLE plans;',
    ].join('\n');
    const up = splitSection(source, 'g.sql', 2, 5);
    expect(up.map((s) => [s.kind, s.line, s.endLine, s.sql, s.ignores.length])).toEqual([
      ['CreateStmt', 3, 5, 'CREATE TABLE plans (\n  id int\n)', 1],
    ]);
    const down = splitSection(source, 'g.sql', 7, 7);
    expect(down.map((s) => [s.kind, s.line, s.sql])).toEqual([['DropStmt', 7, 'DROP TABLE plans']]);
  });
});
