import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { flywayNonTransactional } from '../src/discover/flyway-transactions.js';
import { ConfigSchema } from '../src/config/schema.js';
import { defaultSettings } from '../src/config/settings.js';
import { initSqlParser, splitStatements } from '../src/sql/split.js';
import { tempRepo } from './discover-support.js';
import { brief, runFixture } from './helpers/run.js';

const root = 'fixtures/formats/flyway-transactions';
const dir = `${root}/db/migration`;
let dispose: (() => void) | undefined;
afterEach(() => {
  dispose?.();
  dispose = undefined;
});
beforeAll(() => initSqlParser());

const MIXED_V3 =
  'Flyway refuses V3__create_audit_log.sql: CREATE INDEX CONCURRENTLY at line 7 cannot run in a transaction and the script also has statements that run in one; with mixed=false (the default) migrate fails with "Detected both transactional and non-transactional statements within the same migration (even though mixed is false). Offending statement found at line 7". The other gates judge it as Flyway would run it with mixed=true: each statement on its own, without a transaction.';

describe("Flyway's transaction decision", () => {
  it('marks the statements its PostgreSQL parser runs outside a transaction, and no others', () => {
    const sql = [
      'CREATE INDEX CONCURRENTLY i ON t (a)',
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS u ON t (a)',
      'DROP INDEX CONCURRENTLY i',
      'REINDEX SCHEMA public',
      'REINDEX (VERBOSE) DATABASE app',
      'VACUUM (ANALYZE) t',
      'ALTER SYSTEM SET work_mem = 4096',
      'CREATE DATABASE reports',
      'DROP DATABASE reports',
      "CREATE TABLESPACE fast LOCATION '/mnt/fast'",
      'DROP TABLESPACE fast',
      "CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p",
      'DROP SUBSCRIPTION s',
      'DISCARD ALL',
      // Transactional for Flyway: Postgres refuses the first two in a transaction all the same.
      'REINDEX TABLE CONCURRENTLY t',
      'ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY',
      "ALTER TYPE mood ADD VALUE 'meh'",
      'CREATE INDEX i ON t (a)',
      'DROP INDEX i',
      'ANALYZE t',
      'DISCARD PLANS',
      'REINDEX TABLE t',
    ];
    const statements = splitStatements(sql.map((s) => `${s};`).join('\n'), 'x.sql');
    expect(statements.map((s) => [s.sql, flywayNonTransactional(s)])).toEqual(
      sql.map((s, i) => [s, i < 14]),
    );
  });

  it('runs a script of only CONCURRENTLY statements without a transaction, with no .sql.conf', async () => {
    const d = await discoverMigrations(root, 'db/migration', 'flyway');
    expect(d.migrations.map((m) => [m.id, m.up.transaction])).toEqual([
      ['1', 'transaction'],
      ['2', 'none'],
      ['3', 'none'],
    ]);
  });

  it('reports a script mixing both kinds as refused, at its first non-transactional statement', async () => {
    const d = await discoverMigrations(root, 'db/migration', 'flyway');
    expect(d.findings.map((f) => [f.gate, f.rule, f.severity, f.file, f.line, f.message])).toEqual([
      [
        'replay',
        'flyway-mixed-transaction',
        'blocker',
        'db/migration/V3__create_audit_log.sql',
        7,
        MIXED_V3,
      ],
    ]);
    expect(d.findings[0].help).toBe(
      'Move the statements that cannot run in a transaction into a migration of their own (Flyway runs such a script without a transaction), or set flyway.mixed=true (spring.flyway.mixed=true, FLYWAY_MIXED=true) to run the whole script without a transaction.',
    );
  });

  it("names the line Flyway's own error names when the non-transactional statement comes first", async () => {
    const repo = tempRepo({
      'sql/V1__t.sql': 'CREATE TABLE t (a int);',
      'sql/V2__idx.sql':
        '-- index first\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n\nCOMMENT ON INDEX t_a IS $$by a$$;\n',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'sql', 'flyway');
    expect(d.findings.map((f) => [f.rule, f.line])).toEqual([['flyway-mixed-transaction', 2]]);
    expect(d.findings[0].message).toContain('Offending statement found at line 4"');
  });

  it('lets a .sql.conf decide, either way, without the mixed check', async () => {
    const repo = tempRepo({
      'sql/V1__t.sql': 'CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);',
      'sql/V1__t.sql.conf': 'executeInTransaction=false\n',
      'sql/V2__u.sql': 'CREATE INDEX CONCURRENTLY t_b ON t (a);',
      'sql/V2__u.sql.conf': '# forced\nexecuteInTransaction = true\n',
    });
    dispose = repo.dispose;
    const d = await discoverMigrations(repo.root, 'sql', 'flyway');
    expect(d.migrations.map((m) => m.up.transaction)).toEqual(['none', 'transaction']);
    expect(d.findings).toEqual([]);
  });

  it('reads mixed and executeInTransaction from every layer Flyway reads', async () => {
    const mixedV2 = {
      'sql/V2__idx.sql': 'CREATE TABLE a (x int);\nCREATE INDEX CONCURRENTLY a_x ON a (x);',
    };
    const layers: Array<[Record<string, string>, Record<string, unknown>?]> = [
      [{ 'flyway.conf': 'flyway.mixed=true\n' }],
      [{ 'conf/flyway.toml': '[flyway]\nmixed = true\n' }],
      [{ 'application.yml': 'spring:\n  flyway:\n    mixed: true\n' }],
      [{}, { mixed: true }],
      [{ 'flyway.conf': 'flyway.executeInTransaction=false\n' }],
    ];
    for (const [files, flyway] of layers) {
      const repo = tempRepo({ ...files, ...mixedV2 });
      try {
        const settings = { ...defaultSettings(), flyway: flyway ?? {} };
        const d = await discoverMigrations(repo.root, 'sql', 'flyway', settings);
        expect([d.findings, d.migrations[0].up.transaction]).toEqual([[], 'none']);
      } finally {
        repo.dispose();
      }
    }
    const repo = tempRepo({ 'flyway.conf': 'flyway.mixed=true\n', ...mixedV2 });
    dispose = repo.dispose;
    process.env.FLYWAY_MIXED = 'false';
    try {
      const d = await discoverMigrations(repo.root, 'sql', 'flyway');
      expect(d.findings.map((f) => f.rule)).toEqual(['flyway-mixed-transaction']);
    } finally {
      delete process.env.FLYWAY_MIXED;
    }
  });

  it('accepts mixed, outOfOrder and executeInTransaction in .schemagate.yml', () => {
    const parsed = ConfigSchema.safeParse({
      flyway: { mixed: true, outOfOrder: true, executeInTransaction: false },
    });
    expect(parsed.success).toBe(true);
    expect(ConfigSchema.safeParse({ flyway: { mixed: 'yes' } }).success).toBe(false);
  });

  it('replays them as Flyway runs them: no false CONCURRENTLY blockers, one refusal', async () => {
    const report = await runFixture(dir, {
      baseCount: 1,
      gates: ['replay', 'locks'],
      format: 'flyway',
    });
    expect(brief(report.findings)).toEqual([
      {
        gate: 'replay',
        rule: 'flyway-mixed-transaction',
        severity: 'blocker',
        file: `${dir}/V3__create_audit_log.sql`,
        line: 7,
      },
    ]);
    expect(report.findings[0].message).toBe(MIXED_V3);
    expect(report.summary.migrationsApplied).toBe(2);
  });

  it('passes the mixed script when Flyway is configured with mixed=true', async () => {
    const settings = { ...defaultSettings(), seedRows: 200, flyway: { mixed: true } };
    const report = await runFixture(dir, {
      baseCount: 1,
      gates: ['replay', 'locks'],
      format: 'flyway',
      settings,
    });
    expect(brief(report.findings)).toEqual([]);
  });
});
