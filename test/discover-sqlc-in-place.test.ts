import { afterAll, describe, expect, it } from 'vitest';
import { brief, runFixture } from './helpers/run.js';
import { makeFixtureRepo, type FixtureRepo } from './action-support.js';

/** sqlc projects whose schema is one file kept in place, edited by the PR. */

const F = 'fixtures/formats/sqlc/schema-in-place';
const repos: FixtureRepo[] = [];

async function check(pr: 'append' | 'rewrite') {
  const repo = await makeFixtureRepo(`${F}/base`, `${F}/${pr}`);
  repos.push(repo);
  return runFixture('.', { repoRoot: repo.root, base: repo.base, tenantCount: 1 });
}

afterAll(() => repos.forEach((r) => r.dispose()));

describe('a sqlc schema file kept in place', () => {
  it('checks the statements a PR appends as a migration on top of the merged file', async () => {
    const report = await check('append');
    expect(report.findings.filter((f) => f.rule === 'merged-migration-edited')).toEqual([]);
    expect(
      brief(report.findings).filter((f) => f.severity === 'blocker' && f.gate !== 'replay'),
    ).toEqual([
      {
        gate: 'locks',
        rule: 'add-not-null-column-without-default',
        severity: 'blocker',
        file: 'db/schema.sql',
        line: 6,
      },
    ]);
    expect(report.notes).toContain(
      'db/schema.sql is a schema file kept in place: the statements the PR appends to it are checked as a migration on top of its merged version',
    );
  });

  it('replays a rewritten file whole and checks the queries the application ships against it', async () => {
    const report = await check('rewrite');
    expect(brief(report.findings).filter((f) => f.severity === 'blocker')).toEqual([
      {
        gate: 'compat',
        rule: 'query-broken-by-migration',
        severity: 'blocker',
        file: 'db/query.sql',
        line: 1,
      },
    ]);
    expect(report.findings.find((f) => f.gate === 'compat')?.message).toBe(
      'query GetAccount (db/query.sql:1) no longer prepares after this pull request\'s migrations: column "name" does not exist (SQLSTATE 42703); the running release sends it and fails from the moment the migration commits',
    );
    expect(report.notes).toContain(
      "db/schema.sql is a schema file kept in place and the PR rewrites it: it is replayed whole on an empty schema, so the new schema and the application's queries are checked, but not how production gets from the old schema to the new one",
    );
  });
});
