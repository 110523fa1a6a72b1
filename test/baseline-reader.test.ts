import { beforeAll, describe, expect, it } from 'vitest';
import { copyRow, readPgDump } from '../src/sql/pg-dump.js';
import { initSqlParser } from '../src/sql/split.js';

describe("reading pg_dump's plain text without psql", () => {
  beforeAll(() => initSqlParser());

  it('keeps each statement at its line with its table-of-contents entry, and reads COPY rows', () => {
    const text = [
      '--',
      '-- PostgreSQL database dump',
      '--',
      '',
      '\\restrict abcDEF123',
      '',
      '-- Dumped from database version 17.6',
      'SET transaction_timeout = 0;',
      "SELECT pg_catalog.set_config('search_path', '', false);",
      '',
      '--',
      '-- Name: acme; Type: SCHEMA; Schema: -; Owner: app',
      '--',
      '',
      'CREATE SCHEMA acme;',
      '',
      '--',
      '-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: acme; Owner: app',
      '--',
      '',
      'COPY acme.schema_migrations (version, "Note") FROM stdin;',
      '20240101\\tfirst\\\\line\\nsecond',
      '20240202\t\\N',
      '\\.',
      '',
      '\\connect prod',
      'CREATE TABLE acme.t (id int);',
      '\\unrestrict abcDEF123',
      '',
    ].join('\n');
    const dump = readPgDump(text, 'db/structure.sql');
    expect(
      dump.statements.map((s) => [s.statement.line, s.statement.kind, s.toc?.name ?? null]),
    ).toEqual([
      [8, 'VariableSetStmt', null],
      [9, 'SelectStmt', null],
      [15, 'CreateSchemaStmt', 'acme'],
      [27, 'CreateStmt', 'schema_migrations'],
    ]);
    expect(dump.statements[2].toc).toEqual({ name: 'acme', type: 'SCHEMA' });
    expect(dump.copies).toEqual([
      {
        schema: 'acme',
        table: 'schema_migrations',
        columns: ['version', 'Note'],
        rows: [['20240101\tfirst\\line\nsecond'], ['20240202', null]],
        line: 21,
      },
    ]);
    expect(dump.connects).toEqual(['prod']);
    expect(dump.serverVersion).toBe('17.6');
  });

  it("decodes COPY's text format: NULL, tabs, backslashes, octal and hex escapes", () => {
    expect(copyRow('a\\tb\t\\N\t\\\\N\t\\101\\x42\r')).toEqual(['a\tb', null, '\\N', 'AB']);
  });
});
