import { beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { toPositional } from '../src/gates/compat/placeholders.js';
import { queriesIn } from '../src/gates/compat/queries.js';
import { expandGlobs } from '../src/gates/compat/sources.js';
import { referencesOf } from '../src/gates/compat/blame.js';
import { initSqlParser } from '../src/sql/split.js';

beforeAll(initSqlParser);

describe('sqlc placeholders', () => {
  it('numbers named parameters after the positional ones, one number per name', () => {
    expect(
      toPositional(
        'SELECT * FROM users WHERE account_id = $1 AND email = @email AND (sqlc.narg(name)::text IS NULL OR full_name = sqlc.narg(name)) LIMIT sqlc.arg(page_size)',
      ),
    ).toBe(
      'SELECT * FROM users WHERE account_id = $1 AND email = $2 AND ($3::text IS NULL OR full_name = $3) LIMIT $4',
    );
  });

  it('leaves strings, quoted identifiers, comments and the @> operator alone', () => {
    expect(
      toPositional(
        `SELECT '@x', "@y", tags @> @tags -- @z\nFROM t /* sqlc.arg(w) */ WHERE id = ANY(sqlc.slice('ids')) AND $q$@v$q$ <> ''`,
      ),
    ).toBe(
      `SELECT '@x', "@y", tags @> $1 -- @z\nFROM t /* sqlc.arg(w) */ WHERE id = ANY($2) AND $q$@v$q$ <> ''`,
    );
  });

  it('expands sqlc.embed to the table’s columns', () => {
    expect(
      toPositional(
        'SELECT sqlc.embed(users), a.name FROM users JOIN accounts a ON a.id = users.account_id',
      ),
    ).toBe('SELECT users.*, a.name FROM users JOIN accounts a ON a.id = users.account_id');
  });
});

describe('query files', () => {
  it('reads sqlc blocks with their header line and last line', () => {
    const text = [
      '-- name: GetUser :one',
      '-- Returns one user of the account.',
      'SELECT id, email',
      'FROM users',
      'WHERE account_id = @account_id AND id = @id;',
      '',
      '-- name: DeleteUser :exec',
      'DELETE FROM users WHERE id = $1;',
      '',
    ].join('\n');
    expect(queriesIn('q/users.sql', text)).toEqual([
      {
        name: 'GetUser',
        file: 'q/users.sql',
        line: 1,
        endLine: 5,
        sql: '-- Returns one user of the account.\nSELECT id, email\nFROM users\nWHERE account_id = @account_id AND id = @id',
        prepared:
          '-- Returns one user of the account.\nSELECT id, email\nFROM users\nWHERE account_id = $1 AND id = $2',
      },
      {
        name: 'DeleteUser',
        file: 'q/users.sql',
        line: 7,
        endLine: 8,
        sql: 'DELETE FROM users WHERE id = $1',
        prepared: 'DELETE FROM users WHERE id = $1',
      },
    ]);
  });

  it('reads a plain SQL file statement by statement', () => {
    const queries = queriesIn('r.sql', '-- report\nSELECT 1;\n\nSELECT name\nFROM accounts;\n');
    expect(queries.map((q) => [q.name, q.line, q.endLine, q.sql])).toEqual([
      ['r.sql:2', 2, 2, 'SELECT 1'],
      ['r.sql:4', 4, 5, 'SELECT name\nFROM accounts'],
    ]);
  });

  it('expands compat.queries globs relative to the repository root', () => {
    expect(
      expandGlobs(resolve('.'), [
        'fixtures/compat/configured-queries/app/**/*.sql',
        './fixtures/compat/column-dropped/db/queries/users.sql',
      ]),
    ).toEqual([
      'fixtures/compat/column-dropped/db/queries/users.sql',
      'fixtures/compat/configured-queries/app/sql/reports/accounts_by_plan.sql',
    ]);
  });

  it('finds the tables and columns a query uses, INSERT targets included', () => {
    const [q] = queriesIn(
      'q.sql',
      'INSERT INTO users (account_id, full_name) SELECT a.id, $1 FROM accounts a;',
    );
    const refs = referencesOf(q);
    expect([...refs.relations].sort()).toEqual(['accounts', 'users']);
    expect([...refs.columns].sort()).toEqual(['account_id', 'full_name', 'id']);
  });
});
