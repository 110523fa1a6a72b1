import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { defaultSettings, resolveSettings } from '../src/config/settings.js';
import { memoryLogger } from '../src/core/logger.js';
import type { Report } from '../src/core/report.js';
import { discoverMigrations } from '../src/discover/index.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, fixtureOptions } from './helpers/run.js';
import { ids, tempRepo } from './discover-support.js';
import { optionsFromYaml } from './helpers/config.js';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../scripts/fixture-repo.mjs';

/**
 * Migrations in subfolders of the migration folder: Flyway's `common/`, `dev/`, `prod/` (as
 * Spring Boot projects keep them, one environment's folder on each environment's locations) and
 * plain SQL kept in one folder per release (memos' `0.1/`, `0.2/`, …, beside a LATEST.sql).
 */
type Repo = { root: string; base: string; dispose: () => void };
const repos: Repo[] = [];
const disposers: Array<() => void> = [];

beforeAll(() => initSqlParser());
afterAll(() => {
  repos.forEach((r) => r.dispose());
  disposers.forEach((d) => d());
});

async function checkAgainstBase(fixture: string, dir: string): Promise<Report> {
  const repo: Repo = makeFixtureRepo(`${fixture}/base`, `${fixture}/pr`);
  repos.push(repo);
  const options = {
    ...fixtureOptions(dir, { settings: { ...defaultSettings(), seedRows: 50 } }),
    repoRoot: repo.root,
    base: repo.base,
  };
  const logger = memoryLogger();
  const report = await runCheck(options, logger);
  if (report.status === 'error') throw new Error(logger.lines.join('\n'));
  return report;
}

const FLYWAY = 'fixtures/discover-subfolders/flyway-environments';
const SPRING = 'src/main/resources/db/migration';

describe('Flyway migrations in subfolders', () => {
  it('replays common/ and prod/ in version order across them, passing over dev/', async () => {
    const report = await checkAgainstBase(FLYWAY, SPRING);
    expect(report.migrations.map((m) => [m.id, m.file, m.state])).toEqual([
      ['1', `${SPRING}/common/V1__create_oppgave.sql`, 'merged'],
      ['2', `${SPRING}/common/V2__create_notat.sql`, 'merged'],
      ['3', `${SPRING}/prod/V3__avbrutte_oppgaver_ferdig.sql`, 'merged'],
      ['4', `${SPRING}/common/V4__siste_saksbehandler.sql`, 'new'],
      ['5', `${SPRING}/prod/V5__nullstill_siste_saksbehandler.sql`, 'new'],
    ]);
    expect(report.steps[0].details).toBe(
      `5 flyway migrations in ${SPRING} (found 6 files named V{version}__{description}.sql or R__{description}.sql in common/, dev/, prod/, as Flyway scans subfolders)`,
    );
    expect(report.notes).toEqual([
      `${SPRING}/dev/ holds 1 .sql file(s) for a non-production environment: not replayed, taken as a folder production's Flyway does not scan; flyway.locations in .schemagate.yml names the folders it scans`,
    ]);
    const v4 = `${SPRING}/common/V4__siste_saksbehandler.sql`;
    expect(brief(report.findings)).toEqual([
      { gate: 'locks', rule: 'exclusive-lock-held', severity: 'blocker', file: v4, line: 1 },
      { gate: 'locks', rule: 'missing-lock-timeout', severity: 'warning', file: v4, line: 1 },
      { gate: 'locks', rule: 'non-concurrent-index', severity: 'warning', file: v4, line: 4 },
      {
        gate: 'rollback',
        rule: 'no-down-migrations',
        severity: 'notice',
        file: undefined,
        line: undefined,
      },
    ]);
  });

  const layout = (files: string[]) => {
    const repo = tempRepo(Object.fromEntries(files.map((f) => [`${SPRING}/${f}`, 'SELECT 1;\n'])));
    disposers.push(repo.dispose);
    return repo.root;
  };
  const discover = (root: string, locations?: string[] | string, format = 'auto' as const) =>
    discoverMigrations(
      root,
      SPRING,
      format,
      resolveSettings(locations ? { flyway: { locations } } : {}),
    );

  it('stops with an input error naming both files when two folders hold one version', async () => {
    const root = layout([
      'common/V1__a.sql',
      'staging/V2__grants.sql',
      'prod/V2__grants.sql',
      'common/V3__b.sql',
    ]);
    for (const format of ['auto', 'flyway'] as const) {
      await expect(discoverMigrations(root, SPRING, format, resolveSettings({}))).rejects.toThrow(
        `${SPRING}/prod/V2__grants.sql and ${SPRING}/staging/V2__grants.sql are both Flyway version 2, in different folders: Flyway fails with "Found more than one migration with version 2" when both folders are on its locations, so production scans only one of them. Set flyway.locations in .schemagate.yml to the folders production's Flyway scans, e.g. flyway: { locations: [common, prod] }`,
      );
    }
    const chosen = await discover(root, ['common', 'classpath:db/migration/staging']);
    expect(chosen.migrations.map((m) => m.file)).toEqual([
      `${SPRING}/common/V1__a.sql`,
      `${SPRING}/staging/V2__grants.sql`,
      `${SPRING}/common/V3__b.sql`,
    ]);
    expect(chosen.notes).toEqual([]);
  });

  it("reads the folders flyway.locations names, dev/ too, in any of Flyway's forms", async () => {
    const root = layout(['common/V1__a.sql', 'dev/V2__seed.sql', 'prod/V2__seed.sql']);
    const forms = [
      ['common', 'dev'],
      'common,dev',
      [`filesystem:${SPRING}/common`, 'classpath:db/migration/dev'],
    ];
    for (const locations of forms) {
      const d = await discover(root, locations);
      expect(d.migrations.map((m) => m.file)).toEqual([
        `${SPRING}/common/V1__a.sql`,
        `${SPRING}/dev/V2__seed.sql`,
      ]);
    }
    await expect(discover(root, ['common', 'staging'])).rejects.toThrow(
      `flyway.locations: staging names ${SPRING}/staging, which is not a folder; name folders below ${SPRING}, e.g. [common, prod]`,
    );
  });

  it('takes flyway.locations from .schemagate.yml as a list or a comma-separated string', () => {
    const locations = (yaml: string) => optionsFromYaml(yaml).settings.flyway.locations;
    expect(locations('flyway:\n  locations: [common, prod]\n')).toEqual(['common', 'prod']);
    expect(locations('flyway:\n  locations: common, prod\n')).toEqual(['common', 'prod']);
    expect(locations('flyway: {}\n')).toBeUndefined();
    expect(() => optionsFromYaml('flyway:\n  locations: 5\n')).toThrow(
      '.schemagate.yml:2: flyway.locations: expected a list of folders below the migration folder, e.g. [common, prod], got 5',
    );
  });

  it("passes over another database's folder and says so; all scripts there is an input error", async () => {
    const root = layout(['postgresql/V1__a.sql', 'h2/V1__a.sql', 'postgresql/V2__b.sql']);
    const d = await discover(root);
    expect(ids(d)).toEqual(['1', '2']);
    expect(d.reason).toBe(
      'found 3 files named V{version}__{description}.sql or R__{description}.sql in h2/, postgresql/, as Flyway scans subfolders',
    );
    expect(d.notes).toEqual([
      `${SPRING}/h2/ holds 1 .sql file(s) for another database (h2): not replayed, taken as a folder production's Flyway does not scan; flyway.locations in .schemagate.yml names the folders it scans`,
    ]);
    const devOnly = layout(['dev/V1__a.sql', 'afterMigrate.sql']);
    await expect(discover(devOnly)).rejects.toThrow(
      `the Flyway migrations in ${SPRING} are all in ${SPRING}/dev/, folders for a non-production environment or another database, which this check passes over: set flyway.locations in .schemagate.yml to the folders production's Flyway scans (e.g. flyway: { locations: [dev] }), or check that folder itself`,
    );
  });
});

const PLAIN = 'fixtures/discover-subfolders/plain-release-folders';
const MEMOS = 'store/migration/postgres';

describe('plain SQL in release folders', () => {
  it("replays the version folders in version order and judges the PR's new folder", async () => {
    const report = await checkAgainstBase(PLAIN, MEMOS);
    expect(report.migrations.map((m) => [m.id, m.file, m.state])).toEqual([
      ['0.1/00__init', `${MEMOS}/0.1/00__init.sql`, 'merged'],
      ['0.2/00__memo_visibility', `${MEMOS}/0.2/00__memo_visibility.sql`, 'merged'],
      ['0.10/00__reaction', `${MEMOS}/0.10/00__reaction.sql`, 'merged'],
      ['0.10/01__memo_visibility_index', `${MEMOS}/0.10/01__memo_visibility_index.sql`, 'merged'],
      ['0.11/00__reaction_memo_id', `${MEMOS}/0.11/00__reaction_memo_id.sql`, 'new'],
    ]);
    expect(report.steps[0].details).toBe(
      `5 plain migrations in ${MEMOS} (found 5 .sql files in 4 version folder(s), 0.1/ to 0.11/, applied in version order, then by file name within each; LATEST.sql beside them is a snapshot, not replayed; 1 .sql file(s) in other subfolders not read)`,
    );
    // LATEST.sql changed too, and is no migration: not a merged migration edited.
    expect(report.steps[1].details).toMatch(/^4 merged, 1 new, 0 changed, 0 removed against /);
    expect(report.notes).toEqual([
      `${MEMOS}/LATEST.sql is beside version folders and has no version in its name: taken as a snapshot of the whole schema (what a fresh install creates), not a migration, and not replayed`,
      `1 .sql file(s) in subfolders of ${MEMOS} are not read: ${MEMOS}/seed/demo.sql. Only the folder's own files, down/ and version folders (0.1/, 2/, v3/) hold migrations here; check a subfolder on its own to replay it`,
    ]);
    const pr = `${MEMOS}/0.11/00__reaction_memo_id.sql`;
    expect(brief(report.findings)).toEqual([
      { gate: 'locks', rule: 'exclusive-lock-held', severity: 'blocker', file: pr, line: 4 },
      { gate: 'locks', rule: 'missing-lock-timeout', severity: 'warning', file: pr, line: 4 },
      { gate: 'locks', rule: 'constraint-index-in-place', severity: 'warning', file: pr, line: 13 },
      { gate: 'locks', rule: 'drop-existing-object', severity: 'warning', file: pr, line: 13 },
      {
        gate: 'rollback',
        rule: 'no-down-migrations',
        severity: 'notice',
        file: undefined,
        line: undefined,
      },
    ]);
  });

  const folder = (files: Record<string, string>) => {
    const repo = tempRepo(
      Object.fromEntries(Object.entries(files).map(([f, t]) => [`db/${f}`, t])),
    );
    disposers.push(repo.dispose);
    return repo.root;
  };

  it('orders release folders by their numbers and pairs downs inside them', async () => {
    const root = folder({
      '0.10/00__c.sql': 'SELECT 3;',
      '0.2.1/00__b.sql': 'SELECT 2;',
      '0.2/01__a2.sql': 'SELECT 12;',
      '0.2/00__a.sql': 'SELECT 1;',
      '0.2/00__a.down.sql': 'SELECT -1;',
      'v1/00__d.sql': 'SELECT 4;',
      '1_loose.sql': 'SELECT 0;',
      'schema.sql': 'SELECT 9;',
    });
    const d = await discoverMigrations(root, 'db', 'auto');
    expect(d.migrations.map((m) => [m.id, m.name, m.downFile])).toEqual([
      ['1_loose', 'loose', undefined],
      ['0.2/00__a', 'a', 'db/0.2/00__a.down.sql'],
      ['0.2/01__a2', 'a2', undefined],
      ['0.2.1/00__b', 'b', undefined],
      ['0.10/00__c', 'c', undefined],
      ['v1/00__d', 'd', undefined],
    ]);
    expect(d.reason).toBe(
      'found 6 .sql files in 4 version folder(s), 0.2/ to v1/, applied in version order, then by file name within each; schema.sql beside them is a snapshot, not replayed',
    );
    // Only release folders: still recognised as plain SQL.
    const only = folder({ '1/00__a.sql': 'SELECT 1;', '2/00__b.sql': 'SELECT 2;' });
    expect(ids(await discoverMigrations(only, 'db', 'auto'))).toEqual(['1/00__a', '2/00__b']);
  });

  it('names the .sql files of other subfolders it does not read, and keeps the order it had', async () => {
    const root = folder({
      '2_users.sql': 'SELECT 2;',
      '10_index.sql': 'SELECT 10;',
      'schema.sql': 'SELECT 0;',
      ...Object.fromEntries(
        ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => [`seeds/${n}.sql`, 'SELECT 1;']),
      ),
      'down/2_users.sql': 'SELECT -2;',
      '.hidden/x.sql': 'SELECT 1;',
    });
    const d = await discoverMigrations(root, 'db', 'plain');
    expect(d.migrations.map((m) => [m.file, m.downFile])).toEqual([
      ['db/2_users.sql', 'db/down/2_users.sql'],
      ['db/10_index.sql', undefined],
      ['db/schema.sql', undefined],
    ]);
    expect(d.notes).toEqual([
      "7 .sql file(s) in subfolders of db are not read: db/seeds/a.sql, db/seeds/b.sql, db/seeds/c.sql, db/seeds/d.sql, db/seeds/e.sql and 2 more. Only the folder's own files, down/ and version folders (0.1/, 2/, v3/) hold migrations here; check a subfolder on its own to replay it",
    ]);
    const auto = await discoverMigrations(root, 'db', 'auto');
    expect(auto.reason).toBe(
      'found 3 .sql files, applied in file-name order; 7 .sql file(s) in other subfolders not read',
    );
  });
});
