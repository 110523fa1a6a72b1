import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { defaultSettings } from '../src/config/settings.js';
import { brief, runFixture } from './helpers/run.js';

const root = 'fixtures/formats/flyway-placeholders';
const dir = `${root}/db/migration`;

describe('Flyway placeholders', () => {
  it('replaces built-in and flyway.conf placeholders without moving lines', async () => {
    const d = await discoverMigrations(root, 'db/migration', 'flyway');
    const [v1, v2, v3] = d.migrations;
    expect(v1.up.statements.map((s) => [s.line, s.sql.split('\n')[0]])).toEqual([
      [2, 'CREATE TABLE users ('],
    ]);
    expect(v2.up.statements.map((s) => [s.line, s.kind])).toEqual([
      [1, 'DoStmt'],
      [8, 'GrantStmt'],
    ]);
    expect(v2.up.statements[1].sql).toBe('GRANT SELECT, INSERT, UPDATE ON users TO app_user');
    expect(v3.up.statements[0].sql).toContain("DEFAULT 'CURRENT_USER'");
    expect(d.findings.map((f) => [f.rule, f.severity, f.file, f.line, f.message])).toEqual([
      [
        'flyway-placeholder',
        'blocker',
        'db/migration/V3__audit.sql',
        5,
        'no value for Flyway placeholder ${audit_role}: Flyway refuses to run V3__audit.sql without one',
      ],
    ]);
  });

  it('takes values from .schemagate.yml settings', async () => {
    const settings = { ...defaultSettings(), flyway: { placeholders: { audit_role: 'auditor' } } };
    const d = await discoverMigrations(root, 'db/migration', 'flyway', settings);
    expect(d.findings).toEqual([]);
    expect(d.migrations[2].up.statements[1].sql).toBe('GRANT INSERT ON audit_log TO auditor');
  });

  it('replays per tenant, reporting the missing placeholder once and no syntax error', async () => {
    const report = await runFixture(dir, { baseCount: 1, gates: ['replay'], format: 'flyway' });
    expect(brief(report.findings.filter((f) => f.rule !== 'migration-failed'))).toEqual([
      {
        gate: 'replay',
        rule: 'flyway-placeholder',
        severity: 'blocker',
        file: `${dir}/V3__audit.sql`,
        line: 5,
      },
    ]);
    // V2 ran on both tenants (the role exists once, the grant per tenant schema).
    expect(report.trace?.filter((t) => t.migrationId === '2' && !t.error)).toHaveLength(2);
  });

  it('reads flyway.toml: its placeholders and a custom prefix and suffix', async () => {
    const d = await discoverMigrations('fixtures/formats/flyway-toml', 'sql', 'flyway');
    const [v1, v2] = d.migrations;
    // ${...} is plain text once the prefix is #[.
    expect(v1.up.statements[0].sql).toContain("DEFAULT '${memo}'");
    expect(v2.up.statements.map((s) => [s.line, s.sql.split('\n').at(-1)])).toEqual([
      [1, '$$'],
      [8, 'GRANT SELECT ON invoices TO billing_reader'],
      [9, "COMMENT ON TABLE invoices IS 'kept 400 days, owner #[owner_team]'"],
    ]);
    expect(d.findings.map((f) => [f.rule, f.file, f.line, f.message, f.help])).toEqual([
      [
        'flyway-placeholder',
        'sql/V2__reader_role.sql',
        9,
        'no value for Flyway placeholder #[owner_team]: Flyway refuses to run V2__reader_role.sql without one',
        'Set flyway.placeholders.owner_team in flyway.conf, FLYWAY_PLACEHOLDERS_OWNER_TEAM in the environment, or flyway: { placeholders: { owner_team: ... } } in .schemagate.yml.',
      ],
    ]);
  });

  it('lets .schemagate.yml turn replacement off, as placeholderReplacement=false does', async () => {
    const settings = { ...defaultSettings(), flyway: { placeholderReplacement: false } };
    const d = await discoverMigrations('fixtures/formats/flyway-toml', 'sql', 'flyway', settings);
    expect(d.findings).toEqual([]);
    expect(d.migrations[1].up.statements[1].sql).toBe('GRANT SELECT ON invoices TO #[reader_role]');
  });

  it('names the file of a broken flyway.toml and its line', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'schemagate-toml-'));
    try {
      mkdirSync(join(repo, 'sql'));
      writeFileSync(join(repo, 'sql', 'V1__x.sql'), 'SELECT 1;\n');
      writeFileSync(join(repo, 'flyway.toml'), '[flyway]\nplaceholderPrefix = "#[\n');
      await expect(discoverMigrations(repo, 'sql', 'flyway')).rejects.toThrow(
        /^flyway\.toml:2: not valid TOML \(/,
      );
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it("reads Spring Boot's spring.flyway placeholders, resolving ${VAR:default} from the environment", async () => {
    const root = 'fixtures/formats/flyway-spring';
    const d = await discoverMigrations(root, 'src/main/resources/db/migration', 'flyway');
    expect(d.migrations[0].up.statements.map((s) => s.sql.split('\n')[0])).toEqual([
      'CREATE TABLE orders (',
      'GRANT SELECT, INSERT ON orders TO orders_app',
      'GRANT SELECT ON orders TO ${partner-role}',
    ]);
    expect(d.findings.map((f) => [f.rule, f.file, f.line, f.message, f.help])).toEqual([
      [
        'flyway-placeholder',
        'src/main/resources/db/migration/V1__create_orders.sql',
        7,
        'no value for Flyway placeholder ${partner-role}: Flyway refuses to run V1__create_orders.sql without one (src/main/resources/application.yml sets it from ${PARTNER_ROLE}, which is not set here)',
        "Set PARTNER_ROLE in the check's environment, or flyway: { placeholders: { partner-role: ... } } in .schemagate.yml.",
      ],
    ]);
    process.env.PARTNER_ROLE = 'partner_ro';
    process.env.ORDERS_APP_ROLE = 'orders_rw';
    try {
      const withEnv = await discoverMigrations(root, 'src/main/resources/db/migration', 'flyway');
      expect(withEnv.findings).toEqual([]);
      expect(withEnv.migrations[0].up.statements.slice(1).map((s) => s.sql)).toEqual([
        'GRANT SELECT, INSERT ON orders TO orders_rw',
        'GRANT SELECT ON orders TO partner_ro',
      ]);
    } finally {
      delete process.env.PARTNER_ROLE;
      delete process.env.ORDERS_APP_ROLE;
    }
  });

  it('binds a Spring YAML placeholder written with no value as the empty string, as Spring does', async () => {
    const root = 'fixtures/formats/flyway-spring-empty-placeholder';
    const d = await discoverMigrations(root, 'src/main/resources/db/migration', 'flyway');
    expect(d.findings).toEqual([]);
    expect(d.migrations[1].up.statements.map((s) => [s.line, s.kind, s.sql])).toEqual([
      [1, 'AlterSeqStmt', 'ALTER SEQUENCE fagsak_ekstern_id_seq RESTART with 200000000'],
    ]);
  });

  it('replays a merged script whose placeholder Spring binds as empty, with no setup error', async () => {
    const dir = 'fixtures/formats/flyway-spring-empty-placeholder/src/main/resources/db/migration';
    const report = await runFixture(dir, { baseCount: 2, tenantCount: 1, gates: ['replay'] });
    expect(report.status).toBe('passed');
    expect(report.setupError).toBeUndefined();
    expect(brief(report.findings)).toEqual([]);
    expect(report.migrations.map((m) => [m.id, m.state])).toEqual([
      ['1', 'merged'],
      ['2', 'merged'],
      ['3', 'new'],
    ]);
  });

  it('binds an empty spring.flyway.placeholders property as the empty string too', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'schemagate-spring-props-'));
    try {
      const resources = join(repo, 'src', 'main', 'resources');
      mkdirSync(join(resources, 'db', 'migration'), { recursive: true });
      writeFileSync(
        join(resources, 'application.properties'),
        'spring.flyway.placeholders.ignoreIfProd=\n',
      );
      writeFileSync(
        join(resources, 'db', 'migration', 'V1__seq.sql'),
        '${ignoreIfProd} ALTER SEQUENCE s RESTART WITH 100;\n',
      );
      const d = await discoverMigrations(repo, 'src/main/resources/db/migration', 'flyway');
      expect(d.findings).toEqual([]);
      expect(d.migrations[0].up.statements[0].sql).toBe('ALTER SEQUENCE s RESTART WITH 100');
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('names the Spring profile file that defines a placeholder the run has no value for', async () => {
    const root = 'fixtures/setup/flyway-profile-placeholder';
    const d = await discoverMigrations(root, 'src/main/resources/db/migration', 'flyway');
    expect(d.findings.map((f) => [f.rule, f.file, f.line, f.message, f.help])).toEqual([
      [
        'flyway-placeholder',
        'src/main/resources/db/migration/V2__fagsak_test_ekstern_id.sql',
        1,
        'no value for Flyway placeholder ${ignoreIfProd}: Flyway refuses to run V2__fagsak_test_ekstern_id.sql without one (src/main/resources/application-prod.yml defines it for the Spring profile prod, which the check does not activate)',
        "Give it the value production runs with (src/main/resources/application-prod.yml defines it for the Spring profile prod, which the check does not activate): flyway: { placeholders: { ignoreIfProd: ... } } in .schemagate.yml, or FLYWAY_PLACEHOLDERS_IGNOREIFPROD in the check's environment.",
      ],
    ]);
  });

  it("names the test resources' application.yml that defines a placeholder main does not", async () => {
    const repo = mkdtempSync(join(tmpdir(), 'schemagate-spring-test-res-'));
    try {
      const main = join(repo, 'src', 'main', 'resources');
      mkdirSync(join(main, 'db', 'migration'), { recursive: true });
      mkdirSync(join(repo, 'src', 'test', 'resources'), { recursive: true });
      writeFileSync(join(main, 'application.yml'), 'spring:\n  flyway:\n    enabled: true\n');
      writeFileSync(
        join(repo, 'src', 'test', 'resources', 'application.yml'),
        'spring:\n  flyway:\n    placeholders:\n      ignoreIfProd:\n',
      );
      writeFileSync(join(main, 'db', 'migration', 'V1__seq.sql'), '${ignoreIfProd} SELECT 1;\n');
      const d = await discoverMigrations(repo, 'src/main/resources/db/migration', 'flyway');
      expect(d.findings.map((f) => [f.message, f.help])).toEqual([
        [
          'no value for Flyway placeholder ${ignoreIfProd}: Flyway refuses to run V1__seq.sql without one (src/test/resources/application.yml defines it, a file the check does not read)',
          "Give it the value production runs with (src/test/resources/application.yml defines it, a file the check does not read): flyway: { placeholders: { ignoreIfProd: ... } } in .schemagate.yml, or FLYWAY_PLACEHOLDERS_IGNOREIFPROD in the check's environment.",
        ],
      ]);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
