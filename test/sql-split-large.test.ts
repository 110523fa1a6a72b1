import { beforeAll, describe, expect, it } from 'vitest';
import type { Statement } from '../src/core/model.js';
import { astOf, unwrap } from '../src/sql/ast.js';
import { roughStatements } from '../src/sql/slices.js';
import {
  initSqlParser,
  MAX_PARSED_STATEMENT_BYTES,
  NOT_PARSED,
  splitStatements,
} from '../src/sql/split.js';

beforeAll(async () => {
  await initSqlParser();
});

/** Statements as the tests compare them. */
const brief = (stmts: Statement[]) =>
  stmts.map((s) => ({ kind: s.kind, line: s.line, endLine: s.endLine, sql: s.sql }));

/** A script with everything that hides a `;`, 13 lines, ending with a newline. */
const TRICKY = [
  "INSERT INTO t (a, b, c) VALUES (1, 2, 'a;b'), (2, 3, E'it\\'s; fine');",
  'CREATE FUNCTION f() RETURNS int LANGUAGE sql',
  'BEGIN ATOMIC',
  '  SELECT 1;',
  '  SELECT CASE WHEN true THEN 2 END;',
  'END;',
  "DO $x$ BEGIN PERFORM 'a;'; END $x$; -- done; really",
  '/* a; /* nested; */ comment */ CREATE RULE r AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b);',
  'SELECT "semi;colon", a$b$c, $1 FROM t;',
  '-- schemagate:ignore some-rule because',
  'CREATE INDEX t_a ON t (a);',
  'UPDATE t SET b = 1',
  '  WHERE a = 2;',
  '',
].join('\n');

/** Whole copies of TRICKY past the size that is parsed in one call. */
function largeScript(): { source: string; copies: number } {
  const copies = Math.ceil((MAX_PARSED_STATEMENT_BYTES * 1.3) / Buffer.byteLength(TRICKY));
  return { source: TRICKY.repeat(copies), copies };
}

describe('roughStatements', () => {
  it('cuts after every top-level semicolon, outside quotes, comments and parentheses', () => {
    const source =
      "SELECT 'a;b';\n-- x; y\nSELECT E'\\';', \"q;\", $t$;$t$, a$b$c;(SELECT 1; SELECT 2);";
    const bytes = Buffer.from(source);
    const texts = [...roughStatements(bytes)].map((s) => bytes.subarray(s.start, s.end).toString());
    expect(texts).toEqual([
      "SELECT 'a;b'",
      "SELECT E'\\';', \"q;\", $t$;$t$, a$b$c",
      '(SELECT 1; SELECT 2)',
    ]);
  });

  it('makes the rest one statement when a quote is still open at the end', () => {
    const bytes = Buffer.from("SELECT 1;\nSELECT 'open;\nSELECT 2;\n");
    const cuts = [...roughStatements(bytes)].map((s) => [s.start, s.end, s.cut]);
    expect(cuts).toEqual([
      [0, 8, 9],
      [10, bytes.length, bytes.length],
    ]);
  });
});

describe('splitStatements on a file too large to parse at once', () => {
  it('finds the same statements, lines and ignores as for the script alone', () => {
    const small = splitStatements(TRICKY, 'db/m.sql');
    expect(small.map((s) => s.kind)).toEqual([
      'InsertStmt',
      'CreateFunctionStmt',
      'DoStmt',
      'RuleStmt',
      'SelectStmt',
      'IndexStmt',
      'UpdateStmt',
    ]);
    const { source, copies } = largeScript();
    expect(Buffer.byteLength(source)).toBeGreaterThan(MAX_PARSED_STATEMENT_BYTES);
    const large = splitStatements(source, 'db/m.sql');
    const lines = TRICKY.split('\n').length - 1;
    const expected = Array.from({ length: copies }, (_, i) =>
      small.map((s) => ({
        ...s,
        line: s.line + i * lines,
        endLine: s.endLine + i * lines,
        ignores: s.ignores.map((x) => ({ ...x, line: x.line + i * lines })),
      })),
    ).flat();
    expect(brief(large)).toEqual(brief(expected));
    expect(large.map((s) => s.ignores)).toEqual(expected.map((s) => s.ignores));
    expect(large[5].ignores).toEqual([{ rule: 'some-rule', reason: 'because', line: 10 }]);
    // AST locations are file offsets, in the last copy too
    const last = large[large.length - 1];
    const at = astOf(last, 'UpdateStmt')!.relation!.location!;
    expect(
      Buffer.from(source)
        .subarray(at, at + 11)
        .toString(),
    ).toBe('t SET b = 1');
  });

  it('keeps a BEGIN ATOMIC body whole when a batch would end inside it', () => {
    const body = Array(40_000).fill('  SELECT 1;').join('\n');
    const fn = `CREATE FUNCTION f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n${body}\nEND`;
    const { source } = largeScript();
    const stmts = splitStatements(`${fn};\n${source}`, 'db/m.sql');
    expect(brief(stmts.slice(0, 2))).toEqual([
      { kind: 'CreateFunctionStmt', line: 1, endLine: 40_003, sql: fn },
      { kind: 'InsertStmt', line: 40_004, endLine: 40_004, sql: expect.any(String) },
    ]);
    expect(stmts.filter((s) => s.kind === 'Unparsed')).toEqual([]);
  });

  it('does not parse a statement over the bound, and keeps its lines and text', () => {
    const row = "(1, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')";
    const rows = Math.ceil(MAX_PARSED_STATEMENT_BYTES / row.length) + 10;
    const huge = `INSERT INTO t (a, b) VALUES\n${Array(rows).fill(row).join(',\n')}`;
    const source = `CREATE TABLE t (a int, b text);\n\n-- the load\n${huge};\nCREATE INDEX t_a ON t (a);\n`;
    const stmts = splitStatements(source, 'db/load.sql');
    expect(stmts.map((s) => [s.kind, s.line, s.endLine])).toEqual([
      ['CreateStmt', 1, 1],
      [NOT_PARSED, 4, 4 + rows],
      ['IndexStmt', 5 + rows, 5 + rows],
    ]);
    expect(stmts[1].sql).toBe(huge);
    expect(stmts[1].ast).toBeUndefined();
    expect(stmts[1].parseError).toBeUndefined();
  });

  it('reports a syntax error at its line and parses what follows', () => {
    const { source, copies } = largeScript();
    const broken = `${source}SELEC 1;\nSELECT 2;\n`;
    const stmts = splitStatements(broken, 'db/m.sql');
    const lines = copies * (TRICKY.split('\n').length - 1);
    expect(stmts.slice(-2).map((s) => [s.kind, s.line, s.parseError])).toEqual([
      ['Unparsed', lines + 1, `syntax error at or near "SELEC" (line ${lines + 1})`],
      ['SelectStmt', lines + 2, undefined],
    ]);
  });

  it('keeps everything after an unterminated quote at the end as one unparsed statement', () => {
    const { source, copies } = largeScript();
    const stmts = splitStatements(`${source}SELECT 'open;\nSELECT 3;\n`, 'db/m.sql');
    const lines = copies * (TRICKY.split('\n').length - 1);
    expect(stmts.length).toBe(copies * 7 + 1);
    const last = stmts[stmts.length - 1];
    expect([last.kind, last.line, last.endLine]).toEqual(['Unparsed', lines + 1, lines + 2]);
    expect(last.parseError).toMatch(/^unterminated quoted string/);
  });
});

describe('INSERT parse trees', () => {
  it('drop VALUES rows of literal constants only, which no check reads', () => {
    const [insert] = splitStatements(
      "INSERT INTO t (a, b) VALUES (1, 'x'), (-2, NULL), (3, 'y'::mood), (now(), (SELECT 1 FROM s))",
      'x.sql',
    );
    const select = unwrap(astOf(insert, 'InsertStmt')!.selectStmt, 'SelectStmt')!;
    const rows = select.valuesLists!.map((r) =>
      unwrap(r, 'List')!.items!.map((item) => Object.keys(item)[0]),
    );
    expect(rows).toEqual([
      ['A_Const', 'TypeCast'],
      ['FuncCall', 'SubLink'],
    ]);
    expect(insert.sql).toContain("(1, 'x'), (-2, NULL)");
  });
});
