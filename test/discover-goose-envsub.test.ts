import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { expandEnvsub } from '../src/discover/goose-envsub.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, runFixture } from './helpers/run.js';

const ROOT = 'fixtures/formats/goose-envsub';
const FILE = 'db/migrations/20240315120000_reporting_access.sql';

beforeAll(initSqlParser);
afterEach(() => {
  delete process.env.REPORTING_ROLE;
  delete process.env.INVOICE_RETENTION_DAYS;
});

describe('goose ENVSUB', () => {
  it('expands the shell forms goose expands, only between ENVSUB ON and OFF', () => {
    const source = [
      'SELECT 1;',
      '-- +goose ENVSUB ON',
      "SELECT '${A}', '$A', '${B:-b}', '${EMPTY:-e}', '${EMPTY-e}', '$$1', '${C:?need C}';",
      '-- +goose ENVSUB OFF',
      "SELECT '${A}';",
    ].join('\n');
    const r = expandEnvsub(source, 'x.sql', { A: 'a', EMPTY: '' });
    expect(r.source.split('\n')).toEqual([
      'SELECT 1;',
      '-- +goose ENVSUB ON',
      "SELECT 'a', 'a', 'b', 'e', '', '$1', '';",
      '-- +goose ENVSUB OFF',
      "SELECT '${A}';",
    ]);
    expect(r.findings.map((f) => [f.rule, f.severity, f.file, f.line, f.message])).toEqual([
      [
        'goose-envsub-unset',
        'blocker',
        'x.sql',
        3,
        "${C} is required (ENVSUB) and not set in the check's environment: goose stops at this migration without it",
      ],
    ]);
  });

  it('reports each unset variable at its line and replays what goose would send', async () => {
    const d = await discoverMigrations(ROOT, 'db/migrations', 'auto');
    expect(d.format).toBe('goose');
    const [first, second] = d.migrations;
    expect(first.up.statements[0].sql).toContain("DEFAULT '${NOT_EXPANDED}'");
    expect(second.up.statements.map((s) => [s.line, s.sql.split('\n')[0]])).toEqual([
      [3, 'DO $$'],
      [12, 'GRANT SELECT ON invoices TO reporting'],
      [13, "COMMENT ON TABLE invoices IS 'kept  days; price $5'"],
      [15, 'CREATE INDEX invoices_tenant_idx ON invoices (tenant_id)'],
    ]);
    expect(d.findings.map((f) => [f.rule, f.severity, f.file, f.line, f.message])).toEqual([
      [
        'goose-envsub-unset',
        'warning',
        FILE,
        13,
        "${INVOICE_RETENTION_DAYS} is not set in the check's environment, so goose's ENVSUB expands it to an empty string; the migration was replayed that way",
      ],
    ]);
  });

  it('replays with the variable set on every tenant without a finding', async () => {
    process.env.INVOICE_RETENTION_DAYS = '400';
    const report = await runFixture(`${ROOT}/db/migrations`, {
      repoRoot: `${process.cwd()}/${ROOT}`,
      dir: 'db/migrations',
      baseCount: 1,
      gates: ['replay'],
    });
    expect(brief(report.findings)).toEqual([]);
    const grants = report.trace?.filter((t) => t.kind === 'GrantStmt' && !t.error);
    expect(grants?.map((t) => [t.file, t.line, t.tenant])).toEqual([[FILE, 12, 'tenant_1']]);
  });

  it('says nothing about a merged migration the PR leaves as it is', async () => {
    const options = {
      repoRoot: `${process.cwd()}/${ROOT}`,
      dir: 'db/migrations',
      gates: ['replay' as const],
    };
    const merged = await runFixture(`${ROOT}/db/migrations`, { ...options, baseCount: 2 });
    expect(merged.findings).toEqual([]);
    const added = await runFixture(`${ROOT}/db/migrations`, { ...options, baseCount: 1 });
    expect(brief(added.findings)).toEqual([
      { gate: 'replay', rule: 'goose-envsub-unset', severity: 'warning', file: FILE, line: 13 },
    ]);
  });
});
