import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runFixture } from './helpers/run.js';

let repo: string;

function git(...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', ...args], {
    cwd: repo,
    stdio: 'ignore',
  });
}

/** A repository whose base commit ships the queries; the work tree is the pull request. */
beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'schemagate-compat-'));
  cpSync(resolve('fixtures/compat/compatible-change'), repo, { recursive: true });
  for (const f of ['000004_add_users_last_login.up.sql', '000004_add_users_last_login.down.sql'])
    unlinkSync(join(repo, 'db/migrations', f));
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  writeFileSync(
    join(repo, 'db/migrations/000004_rename_users_full_name.up.sql'),
    'ALTER TABLE users RENAME COLUMN full_name TO display_name;\n',
  );
  writeFileSync(
    join(repo, 'db/migrations/000004_rename_users_full_name.down.sql'),
    'ALTER TABLE users RENAME COLUMN display_name TO full_name;\n',
  );
  const users = readFileSync(join(repo, 'db/queries/users.sql'), 'utf8')
    .replace(
      'SELECT id, account_id, email, full_name',
      'SELECT id, account_id, email, display_name',
    )
    .concat(
      "\n-- name: ListRecentLogins :many\nSELECT id, email\nFROM users\nWHERE last_login_at > now() - interval '1 day';\n",
    );
  writeFileSync(join(repo, 'db/queries/users.sql'), users);
});

afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('compat gate against a base ref', () => {
  it('checks the base queries and the ones the pull request changed against the new schema', async () => {
    const report = await runFixture('.', {
      repoRoot: repo,
      base: 'main',
      gates: ['replay', 'compat'],
    });
    const rename = 'db/migrations/000004_rename_users_full_name.up.sql';
    expect(report.findings.map((f) => [f.rule, f.severity, f.file, f.line, f.message])).toEqual([
      [
        'query-broken-by-migration',
        'blocker',
        rename,
        1,
        `ALTER TABLE users RENAME COLUMN full_name TO display_name (${rename}:1) breaks query GetUser (db/queries/users.sql:1): column "full_name" does not exist (SQLSTATE 42703); the running release sends this query and fails from the moment the migration commits`,
      ],
      [
        'query-broken-by-migration',
        'blocker',
        rename,
        1,
        `ALTER TABLE users RENAME COLUMN full_name TO display_name (${rename}:1) breaks query ListUsersByAccount (db/queries/users.sql:6): column "full_name" does not exist (SQLSTATE 42703); the running release sends this query and fails from the moment the migration commits`,
      ],
      [
        'query-broken-by-migration',
        'blocker',
        rename,
        1,
        `ALTER TABLE users RENAME COLUMN full_name TO display_name (${rename}:1) breaks query CreateUser (db/queries/users.sql:13): column "full_name" of relation "users" does not exist (SQLSTATE 42703); the running release sends this query and fails from the moment the migration commits`,
      ],
      [
        'changed-query-incompatible',
        'blocker',
        'db/queries/users.sql',
        18,
        'query ListRecentLogins (db/queries/users.sql:18), added or changed by this pull request, does not prepare against the migrated schema: column "last_login_at" does not exist (SQLSTATE 42703)',
      ],
    ]);
  });
});
