import { describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { defaultSettings } from '../src/engine/options.js';
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
});
