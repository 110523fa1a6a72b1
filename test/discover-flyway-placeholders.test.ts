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
});
