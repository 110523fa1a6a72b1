import { afterEach, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { defaultSettings } from '../src/config/settings.js';
import { ids, outline, tempRepo } from './discover-support.js';

const root = process.cwd();
const dir = 'fixtures/formats/flyway';
let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

describe('Flyway discovery', () => {
  it('orders versions part by part as numbers: 1.2 < 1.2.10 < 1.10, repeatables last', async () => {
    const d = await discoverMigrations(root, dir, 'auto');
    expect(d.format).toBe('flyway');
    expect(d.reason).toBe(
      'found 15 files named V{version}__{description}.sql or R__{description}.sql',
    );
    expect(ids(d)).toEqual([
      '1',
      '1.1',
      '1.2',
      '1.2.10',
      '1.10',
      '2',
      '2.1',
      'R__account_overview',
    ]);
    expect(d.migrations.map((m) => m.sortKey)).toEqual([
      [1],
      [1, 1],
      [1, 2],
      [1, 2, 10],
      [1, 10],
      [2],
      [2, 1],
      [Number.MAX_SAFE_INTEGER, 'account_overview'],
    ]);
    expect(d.findings).toEqual([]);
    expect(d.notes).toEqual([]);
  });

  it('pairs undo scripts as downs and honours executeInTransaction=false', async () => {
    const d = await discoverMigrations(root, dir, 'flyway');
    const invoices = d.migrations[4];
    expect(invoices).toMatchObject({
      name: 'create_invoices',
      file: `${dir}/V1.10__create_invoices.sql`,
      downFile: `${dir}/U1.10__create_invoices.sql`,
    });
    expect(invoices.up.transaction).toBe('transaction');
    expect(outline(invoices.up)).toEqual([
      ['CreateStmt', 1, 10],
      ['IndexStmt', 12, 12],
      ['CreateFunctionStmt', 15, 21],
      ['CreateTrigStmt', 22, 24],
    ]);
    const index = d.migrations[6];
    expect([index.up.transaction, index.down?.transaction]).toEqual(['none', 'none']);
    const view = d.migrations[7];
    expect(view.repeatable).toBe(true);
    expect(view.down).toBeUndefined();
    expect(outline(view.up)).toEqual([['ViewStmt', 2, 10]]);
  });

  it('treats 1.0 as version 1, orders repeatables by description and notes the rest', async () => {
    const repo = tempRepo({
      'sql/V1__init.sql': 'SELECT 1;',
      'sql/V1.0__again.sql': 'SELECT 1;',
      'sql/V1_1__underscore.sql': 'SELECT 11;',
      'sql/R__b_view.sql': 'SELECT 2;',
      'sql/R__a_view.sql': 'SELECT 3;',
      'sql/B5__baseline.sql': 'SELECT 5;',
      'sql/U7__undo_nothing.sql': 'SELECT 7;',
      'sql/seed.sql': 'SELECT 0;',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'sql', 'auto');
    expect(d.migrations.map((m) => m.file)).toEqual([
      'sql/V1.0__again.sql',
      'sql/V1__init.sql',
      'sql/V1_1__underscore.sql',
      'sql/R__a_view.sql',
      'sql/R__b_view.sql',
    ]);
    expect(d.migrations[2].id).toBe('1.1');
    expect(d.findings.map((f) => [f.rule, f.severity, f.file, f.message])).toEqual([
      [
        'orphan-down',
        'blocker',
        'sql/U7__undo_nothing.sql',
        'sql/U7__undo_nothing.sql has no up migration with version 7; Flyway pairs up and down by version, so this down never runs',
      ],
      [
        'duplicate-version',
        'blocker',
        'sql/V1__init.sql',
        'version 1 is used twice: sql/V1.0__again.sql and sql/V1__init.sql; Flyway records a version once, so it either refuses the directory or runs only one of them',
      ],
    ]);
    expect(d.notes).toEqual([
      'sql/B5__baseline.sql is a baseline migration: it is not replayed; the versioned migrations are replayed from an empty database instead',
      'sql/seed.sql is not named like a Flyway migration; Flyway ignores it, and so does this check',
    ]);
  });

  it('reads outOfOrder from flyway.conf, flyway.toml, Spring, FLYWAY_OUT_OF_ORDER and .schemagate.yml', async () => {
    const script = { 'db/V1__t.sql': 'CREATE TABLE t (a int);' };
    const layers: Array<[Record<string, string>, Record<string, unknown>?]> = [
      [{ 'flyway.conf': 'flyway.outOfOrder=true\n' }],
      [{ 'flyway.toml': '[flyway]\noutOfOrder = true\n' }],
      [{ 'application.properties': 'spring.flyway.out-of-order=true\n' }],
      [{ 'application.yml': 'spring:\n  flyway:\n    out-of-order: true\n' }],
      [{}, { outOfOrder: true }],
    ];
    for (const [files, flyway] of layers) {
      const repo = tempRepo({ ...files, ...script });
      try {
        const settings = { ...defaultSettings(), flyway: flyway ?? {} };
        expect((await discoverMigrations(repo.root, 'db', 'flyway', settings)).outOfOrder).toBe(
          true,
        );
      } finally {
        repo.dispose();
      }
    }
    const repo = tempRepo({ 'flyway.conf': 'flyway.outOfOrder=false\n', ...script });
    dispose = repo.dispose;
    expect((await discoverMigrations(repo.root, 'db', 'flyway')).outOfOrder).toBeUndefined();
    process.env.FLYWAY_OUT_OF_ORDER = 'true';
    try {
      expect((await discoverMigrations(repo.root, 'db', 'flyway')).outOfOrder).toBe(true);
    } finally {
      delete process.env.FLYWAY_OUT_OF_ORDER;
    }
  });
});
