import { afterEach, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { ids, outline, tempRepo } from './discover-support.js';

const root = process.cwd();
const dir = 'fixtures/formats/dbmate/db/migrations';
let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

describe('dbmate discovery', () => {
  it('finds migrations in db/migrations, dbmate’s default directory', async () => {
    const d = await discoverMigrations(root, 'fixtures/formats/dbmate', 'auto');
    expect(d.format).toBe('dbmate');
    expect(d.reason).toBe('found 7 .sql files with a "-- migrate:up" section in db/migrations');
    expect(d.notes).toEqual([
      "dbmate migrations read from fixtures/formats/dbmate/db/migrations, dbmate's default directory",
    ]);
    expect(ids(d)).toEqual([
      '20240105093000',
      '20240112141500',
      '20240119100000',
      '20240202083000',
      '20240216160000',
      '20240301120000',
      '20240315090000',
    ]);
    expect(d.migrations[0].file).toBe(`${dir}/20240105093000_create_plans.sql`);
  });

  it('reads up and down sections with their lines and transaction options', async () => {
    const d = await discoverMigrations(root, dir, 'auto');
    expect(d.reason).toBe('found 7 .sql files with a "-- migrate:up" section');
    expect(d.notes).toEqual([]);
    const members = d.migrations[2];
    expect(members.name).toBe('create_users_and_memberships');
    expect(members.up.transaction).toBe('transaction');
    expect(outline(members.up)).toEqual([
      ['CreateStmt', 2, 7],
      ['IndexStmt', 9, 9],
      ['CreateStmt', 12, 17],
      ['IndexStmt', 19, 19],
    ]);
    expect(outline(members.down)).toEqual([
      ['DropStmt', 22, 22],
      ['DropStmt', 23, 23],
    ]);
    const index = d.migrations[6];
    expect([index.up.transaction, index.down?.transaction]).toEqual(['implicit', 'implicit']);
  });

  it('takes the transaction option of each section on its own', async () => {
    const repo = tempRepo({
      'db/migrations/1_a.sql':
        '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\nDROP INDEX i;\n',
    });
    dispose = repo.dispose;
    const [m] = (await discoverMigrations(repo.root, '.', 'dbmate')).migrations;
    expect([m.up.transaction, m.down?.transaction]).toEqual(['implicit', 'transaction']);
    expect([outline(m.up), outline(m.down)]).toEqual([[['IndexStmt', 2, 2]], [['DropStmt', 4, 4]]]);
    expect(m.file).toBe('db/migrations/1_a.sql');
  });

  it('refuses a file without a migrate:up section', async () => {
    const repo = tempRepo({
      'db/1_a.sql': '-- migrate:up\nSELECT 1;\n',
      'db/2_b.sql': '-- migrate:down\nSELECT 2;\n',
    });
    dispose = repo.dispose;
    await expect(discoverMigrations(repo.root, 'db', 'dbmate')).rejects.toThrow(
      'db/2_b.sql: no "-- migrate:up" line; dbmate refuses a migration without one',
    );
  });
});
