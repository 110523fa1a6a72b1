import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { ids, outline, tempRepo } from './discover-support.js';

const root = process.cwd();
const dir = 'fixtures/formats/golang-migrate';
let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

describe('golang-migrate discovery', () => {
  it('orders the fixture by timestamp version and pairs every down', async () => {
    const d = await discoverMigrations(root, dir, 'auto');
    expect(d.format).toBe('golang-migrate');
    expect(d.reason).toBe('found 14 files named {version}_{title}.up.sql or .down.sql');
    expect(ids(d)).toEqual([
      '20240105093000',
      '20240112141500',
      '20240119100000',
      '20240202083000',
      '20240216160000',
      '20240301120000',
      '20240315090000',
    ]);
    expect(d.findings).toEqual([]);
    expect(d.notes).toEqual([]);
    const invoices = d.migrations[4];
    expect(invoices).toMatchObject({
      name: 'create_invoices',
      format: 'golang-migrate',
      sortKey: [20240216160000],
      file: `${dir}/20240216160000_create_invoices.up.sql`,
      downFile: `${dir}/20240216160000_create_invoices.down.sql`,
      state: 'new',
    });
    expect(invoices.up.transaction).toBe('implicit');
    expect(invoices.down?.transaction).toBe('implicit');
    expect(outline(invoices.up)).toEqual([
      ['CreateStmt', 1, 10],
      ['IndexStmt', 12, 12],
      ['CreateFunctionStmt', 15, 21],
      ['CreateTrigStmt', 22, 24],
    ]);
    expect(outline(invoices.down)).toEqual([
      ['DropStmt', 1, 1],
      ['DropStmt', 2, 2],
    ]);
    const up = readFileSync(`${dir}/20240216160000_create_invoices.up.sql`, 'utf8');
    const down = readFileSync(`${dir}/20240216160000_create_invoices.down.sql`, 'utf8');
    expect(invoices.checksum).toBe(
      createHash('sha256').update(up).update('\0').update(down).digest('hex'),
    );
  });

  it('keeps a string with a semicolon and a comment with one inside their statements', async () => {
    const d = await discoverMigrations(root, dir, 'golang-migrate');
    const plans = d.migrations[0];
    expect(outline(plans.up)).toEqual([
      ['CreateStmt', 2, 8],
      ['InsertStmt', 10, 12],
    ]);
    expect(plans.up.statements[1].sql).toContain("'Free; forever'");
    expect(d.reason).toBe('given as golang-migrate (--format or the config file), not detected');
  });

  it('orders versions numerically, not as text', async () => {
    const repo = tempRepo({
      'm/9_nine.up.sql': 'SELECT 9;',
      'm/10_ten.up.sql': 'SELECT 10;',
      'm/0002_two.up.sql': 'SELECT 2;',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'm', 'auto');
    expect(ids(d)).toEqual(['0002', '9', '10']);
    expect(d.migrations.map((m) => m.down)).toEqual([undefined, undefined, undefined]);
  });

  it('reports a down without an up, and duplicate versions, keeping both migrations', async () => {
    const repo = tempRepo({
      'db/1_accounts.up.sql': 'CREATE TABLE accounts (id int);',
      'db/1_accounts.down.sql': 'DROP TABLE accounts;',
      'db/2_users.up.sql': 'CREATE TABLE users (id int);',
      'db/02_members.up.sql': 'CREATE TABLE members (id int);',
      'db/3_gone.down.sql': 'DROP TABLE gone;',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'db', 'golang-migrate');
    expect(d.migrations.map((m) => m.file)).toEqual([
      'db/1_accounts.up.sql',
      'db/02_members.up.sql',
      'db/2_users.up.sql',
    ]);
    expect(d.findings).toEqual([
      {
        gate: 'graph',
        rule: 'orphan-down',
        severity: 'blocker',
        file: 'db/3_gone.down.sql',
        line: 1,
        endLine: 1,
        message:
          'db/3_gone.down.sql has no up migration with version 3; golang-migrate pairs up and down by version, so this down never runs',
        help: 'Add the up migration of this version, renumber the down to its up’s version, or delete it.',
        docs: 'docs/rules/orphan-down.md',
      },
      {
        gate: 'graph',
        rule: 'duplicate-version',
        severity: 'blocker',
        file: 'db/2_users.up.sql',
        line: 1,
        endLine: 1,
        message:
          'version 2 is used twice: db/02_members.up.sql and db/2_users.up.sql; golang-migrate records a version once, so it either refuses the directory or runs only one of them',
        help: 'Give the newer migration a version of its own, higher than every merged one.',
        docs: 'docs/rules/duplicate-version.md',
      },
    ]);
  });

  it('treats an empty down file as no down, but still names the file', async () => {
    const repo = tempRepo({
      'db/1_a.up.sql': 'CREATE TABLE a (id int);',
      'db/1_a.down.sql': '-- irreversible\n',
    });
    dispose = repo.dispose;
    const [m] = (await discoverMigrations(repo.root, 'db', 'auto')).migrations;
    expect(m.down).toBeUndefined();
    expect(m.downFile).toBe('db/1_a.down.sql');
  });

  it('reports the unparseable statement of the broken fixture with its line', async () => {
    const d = await discoverMigrations(root, 'fixtures/broken/unparseable', 'auto');
    const users = d.migrations[1];
    expect(users.up.statements.map((s) => [s.kind, s.line, s.endLine, s.parseError])).toEqual([
      ['Unparsed', 2, 6, 'syntax error at or near "text" (line 5)'],
      ['IndexStmt', 8, 8, undefined],
    ]);
    expect(users.up.statements[0].file).toBe(
      'fixtures/broken/unparseable/000002_create_users.up.sql',
    );
  });
});
