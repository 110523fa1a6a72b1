import { afterEach, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { astOf } from '../src/sql/ast.js';
import { ids, outline, tempRepo } from './discover-support.js';

const root = process.cwd();
const dir = 'fixtures/formats/goose';
let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

describe('goose discovery', () => {
  it('reads up and down sections with the lines of the whole file', async () => {
    const d = await discoverMigrations(root, dir, 'auto');
    expect(d.format).toBe('goose');
    expect(d.reason).toBe('found 7 .sql files with a "-- +goose Up" annotation');
    expect(ids(d)).toEqual(['00001', '00002', '00003', '00004', '00005', '00006', '00007']);
    expect(d.findings).toEqual([]);
    const invoices = d.migrations[4];
    expect(invoices).toMatchObject({
      name: 'create_invoices',
      format: 'goose',
      sortKey: [5],
      file: `${dir}/00005_create_invoices.sql`,
    });
    expect(invoices.downFile).toBeUndefined();
    expect(invoices.up.transaction).toBe('transaction');
    expect(outline(invoices.up)).toEqual([
      ['CreateStmt', 2, 11],
      ['IndexStmt', 13, 13],
      ['CreateFunctionStmt', 17, 23],
      ['CreateTrigStmt', 25, 27],
    ]);
    expect(invoices.down?.file).toBe(`${dir}/00005_create_invoices.sql`);
    expect(outline(invoices.down)).toEqual([
      ['DropStmt', 30, 30],
      ['DropStmt', 31, 31],
    ]);
  });

  it('runs a NO TRANSACTION migration statement by statement, up and down', async () => {
    const d = await discoverMigrations(root, dir, 'goose');
    const index = d.migrations[6];
    expect(index.up.transaction).toBe('none');
    expect(index.down?.transaction).toBe('none');
    expect(outline(index.up)).toEqual([['IndexStmt', 4, 4]]);
    expect(astOf(index.up.statements[0], 'IndexStmt')?.concurrent).toBe(true);
  });

  it('orders sequential and timestamp versions numerically and notes Go migrations', async () => {
    const repo = tempRepo({
      'migrations/20240101000000_late.sql': '-- +goose Up\nSELECT 3;\n',
      'migrations/2_second.sql': '-- +goose Up\nSELECT 2;\n-- +goose Down\n',
      'migrations/10_tenth.sql': '-- +goose Up\nSELECT 10;\n',
      'migrations/3_backfill.go': 'package migrations\n// goose.AddMigration(up, down)\n',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'migrations', 'auto');
    expect(ids(d)).toEqual(['2', '10', '20240101000000']);
    expect(d.migrations[0].down).toBeUndefined();
    expect(d.notes).toEqual([
      'migrations/3_backfill.go is a Go migration: it is compiled into the application and cannot be replayed from files, so it is not checked',
    ]);
  });

  it('refuses a goose file without an Up annotation', async () => {
    const repo = tempRepo({
      'migrations/1_a.sql': '-- +goose Up\nSELECT 1;\n',
      'migrations/2_b.sql': 'SELECT 2;\n',
    });
    dispose = repo.dispose;
    await expect(discoverMigrations(repo.root, 'migrations', 'auto')).rejects.toThrow(
      'migrations/2_b.sql: no "-- +goose Up" annotation; goose refuses a SQL migration without one',
    );
  });

  it('reads ignore directives above a StatementBegin block', async () => {
    const repo = tempRepo({
      'm/1_fn.sql': [
        '-- +goose Up',
        '-- schemagate:ignore function-search-path set by the role',
        '-- +goose StatementBegin',
        'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;',
        '-- +goose StatementEnd',
      ].join('\n'),
    });
    dispose = repo.dispose;
    const [m] = (await discoverMigrations(repo.root, 'm', 'goose')).migrations;
    expect(m.up.statements.map((s) => [s.line, s.ignores])).toEqual([
      [4, [{ rule: 'function-search-path', reason: 'set by the role', line: 2 }]],
    ]);
  });

  it('reports a statement goose would cut at a line ending with a semicolon', async () => {
    const repo = tempRepo({
      'm/1_fn.sql': [
        '-- +goose Up',
        'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$',
        'BEGIN',
        '  NEW.updated_at := now(); -- keep it fresh',
        '  RETURN NEW;',
        'END $$;',
        'SELECT 1; SELECT 2;',
        '-- +goose StatementBegin',
        'DO $$ BEGIN',
        '  PERFORM 1;',
        'END $$;',
        '-- +goose StatementEnd',
        '-- +goose Down',
        'DROP FUNCTION touch();',
      ].join('\n'),
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'm', 'goose');
    expect(outline(d.migrations[0].up)).toEqual([
      ['CreateFunctionStmt', 2, 6],
      ['SelectStmt', 7, 7],
      ['SelectStmt', 7, 7],
      ['DoStmt', 9, 11],
    ]);
    expect(d.findings).toEqual([
      {
        gate: 'replay',
        rule: 'goose-statement-split',
        severity: 'blocker',
        file: 'm/1_fn.sql',
        line: 2,
        endLine: 6,
        message:
          'goose ends this CreateFunctionStmt at line 4, whose last word ends with ";", and sends the rest as another statement; Postgres rejects the pieces in production',
        help: 'Wrap the statement in "-- +goose StatementBegin" and "-- +goose StatementEnd" lines.',
        docs: 'docs/rules/goose-statement-split.md',
      },
    ]);
  });
});
