import { afterEach, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { InputError } from '../src/core/errors.js';
import { brief, runFixture } from './helpers/run.js';
import { ids, outline, tempRepo } from './discover-support.js';

const root = process.cwd();
let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

describe('tern (jackc/tern)', () => {
  const dir = 'fixtures/formats/tern';

  it('splits each file at "---- create above / drop below ----": the up above, the down below', async () => {
    const d = await discoverMigrations(root, dir, 'auto');
    expect(d.format).toBe('plain');
    expect(d.reason).toBe(
      'found 3 .sql files, applied in file-name order; tern (tern.conf): 3 split at "---- create above / drop below ----", the up above and the down below',
    );
    expect(ids(d)).toEqual(['001_create_users', '002_add_display_name', '003_index_users_email']);
    const [users, name, index] = d.migrations;
    expect(outline(users.up)).toEqual([['CreateStmt', 1, 4]]);
    expect(outline(users.down)).toEqual([['DropStmt', 8, 8]]);
    expect(users.downFile).toBeUndefined();
    expect([users.up.transaction, users.down?.transaction]).toEqual(['transaction', 'transaction']);
    expect(outline(name.down)).toEqual([['AlterTableStmt', 5, 5]]);
    expect(outline(index.up)).toEqual([['IndexStmt', 2, 2]]);
    expect(outline(index.down)).toEqual([['DropStmt', 7, 7]]);
    expect([index.up.transaction, index.down?.transaction]).toEqual(['none', 'none']);
    expect(d.findings).toEqual([]);
  });

  it('takes only the first marker, as tern splits the text once', async () => {
    const repo = tempRepo({
      'm/001_a.sql':
        'create table a (id int);\n---- create above / drop below ----\ndrop table a;\n---- create above / drop below ----\nselect 1;\n',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'm', 'auto');
    expect(outline(d.migrations[0].up)).toEqual([['CreateStmt', 1, 1]]);
    expect(outline(d.migrations[0].down)).toEqual([
      ['DropStmt', 3, 3],
      ['SelectStmt', 5, 5],
    ]);
  });

  it('replays the PR’s ups, then checks their downs on Postgres (no self-dropping up)', async () => {
    const report = await runFixture(dir, { baseCount: 1 });
    expect(report.migrations.map((m) => [m.id, m.state, m.statements])).toEqual([
      ['001_create_users', 'merged', 1],
      ['002_add_display_name', 'new', 1],
      ['003_index_users_email', 'new', 1],
    ]);
    expect(brief(report.findings)).toEqual([
      {
        gate: 'locks',
        rule: 'missing-lock-timeout',
        severity: 'warning',
        file: `${dir}/002_add_display_name.sql`,
        line: 1,
      },
    ]);
    expect(report.steps.find((s) => s.action === 'gate rollback')?.status).toBe('ok');
  }, 120_000);
});

describe('Atlas versioned migrations (atlas.sum)', () => {
  const dir = 'fixtures/formats/atlas';

  it('honours -- atlas:txmode none|file in the file header', async () => {
    const d = await discoverMigrations(root, dir, 'auto');
    expect(d.format).toBe('plain');
    expect(d.reason).toBe(
      'found 3 .sql files, applied in file-name order; Atlas (atlas.sum): each file in a transaction, 1 with "-- atlas:txmode none" run each statement on its own',
    );
    expect(d.migrations.map((m) => [m.id, m.up.transaction])).toEqual([
      ['20240101000000_create_users', 'transaction'],
      ['20240201000000_users_email_idx', 'none'],
      ['20240301000000_users_name', 'transaction'],
    ]);
  });

  it('reads the directive only where Atlas does: header comments a blank line separates', async () => {
    const repo = tempRepo({
      'm/atlas.sum': 'h1:x=\n',
      'm/1_a.sql': '-- atlas:txmode none\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n',
      'm/2_b.sql': 'SELECT 1;\n-- atlas:txmode none\n\nSELECT 2;\n',
      'm/3_c.sql': '-- header\n-- atlas:txmode none\n\nCREATE INDEX CONCURRENTLY c_id ON c (id);\n',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'm', 'auto');
    expect(d.migrations.map((m) => m.up.transaction)).toEqual([
      'transaction',
      'transaction',
      'none',
    ]);
  });

  it('replays a CONCURRENTLY file with txmode none on Postgres without a blocker', async () => {
    const report = await runFixture(dir, { baseCount: 1 });
    expect(brief(report.findings)).toEqual([
      {
        gate: 'locks',
        rule: 'missing-lock-timeout',
        severity: 'warning',
        file: `${dir}/20240301000000_users_name.sql`,
        line: 4,
      },
      {
        gate: 'rollback',
        rule: 'no-down-migrations',
        severity: 'notice',
        file: undefined,
        line: undefined,
      },
    ]);
    expect(report.status).toBe('passed');
  }, 120_000);
});

describe('a folder whose only .sql file is a schema snapshot', () => {
  const repoDir = 'fixtures/real-shapes/schema-snapshot-root';

  it('is no history: the error names the snapshot, baseline: and where migrations are kept', async () => {
    const error = await discoverMigrations(root, repoDir, 'auto').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      `no migrations in ${repoDir}: ${repoDir}/schema.sql is a schema snapshot by its name (the whole schema a fresh install creates), not a history of migrations to replay. Check the folder that holds the SQL migrations (schemagate check DIR, or migrations: DIR in .schemagate.yml; projects keep them in migrations/, db/migrations/, sql/migrations/ or internal/db/migrations/); to start that replay from this schema, set baseline: ${repoDir}/schema.sql`,
    );
  });

  it('says so with --format plain too, and keeps a schema.sql beside real migrations', async () => {
    await expect(discoverMigrations(root, repoDir, 'plain')).rejects.toThrow(
      /schema\.sql is a schema snapshot by its name/,
    );
    const repo = tempRepo({
      'm/schema.sql': 'CREATE TABLE a (id int);',
      'm/001_b.sql': 'CREATE TABLE b (id int);',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'm', 'auto');
    expect(ids(d)).toEqual(['001_b', 'schema']);
  });
});
