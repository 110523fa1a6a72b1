import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { defaultSettings } from '../src/config/settings.js';
import type { Report } from '../src/core/report.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, fixtureOptions } from './helpers/run.js';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../scripts/fixture-repo.mjs';

/**
 * A Spring Boot repository (application.properties sets the placeholder the merged migrations
 * use) checked against its base branch: the base reads the same Flyway configuration, and an
 * edited repeatable is re-run on top of its merged version, as Flyway does.
 */
type Repo = { root: string; base: string; head: string; dispose: () => void };
const fixture = 'fixtures/formats/flyway-repeatable';
const dir = 'src/main/resources/db/migration';
const unset = 'fixtures/formats/flyway-base-unset';
const repos: Repo[] = [];

beforeAll(() => initSqlParser());
afterAll(() => repos.forEach((r) => r.dispose()));

async function check(
  pr: string,
  gates?: string[],
  from = fixture,
  mayFail = false,
): Promise<Report> {
  const repo: Repo = makeFixtureRepo(`${from}/base`, `${from}/${pr}`);
  repos.push(repo);
  const shared = from === fixture;
  const options = {
    ...fixtureOptions(shared ? dir : 'db/migration', {
      ...(shared ? { topology: 'shared' as const, tenantCount: 3 } : {}),
      ...(gates ? { gates } : {}),
      settings: { ...defaultSettings(), seedRows: 50, isolation: { appRole: 'billing_app' } },
    }),
    repoRoot: repo.root,
    base: repo.base,
  };
  const logger = memoryLogger();
  const report = await runCheck(options, logger);
  if (report.status === 'error' && !mayFail) throw new Error(logger.lines.join('\n'));
  return report;
}

const step = (report: Report, action: string) =>
  report.steps.find((s) => s.action === action)?.details;

describe('Flyway against the base branch', () => {
  it('re-runs an edited repeatable after the new versions and judges it like a new migration', async () => {
    const report = await check('pr');
    expect(report.migrations.map((m) => `${m.id}:${m.state}`)).toEqual([
      '1:merged',
      '2:merged',
      '3:new',
      'R__invoice_summary:changed',
    ]);
    expect(step(report, 'plan')).toMatch(/^3 merged, 1 new, 1 changed, 0 removed against /);
    expect(step(report, 'replay merged')).toMatch(/^3 migration\(s\) on 1 tenant\(s\)/);
    const view = `${dir}/R__invoice_summary.sql`;
    expect(
      brief(report.findings.filter((f) => f.severity === 'blocker' || f.gate === 'graph')),
    ).toEqual([
      { gate: 'isolation', rule: 'tenant-read-leak', severity: 'blocker', file: view, line: 2 },
      {
        gate: 'isolation',
        rule: 'view-without-security-invoker',
        severity: 'blocker',
        file: view,
        line: 2,
      },
    ]);
    // The re-run view, not the merged one, is what the PR's trace holds.
    expect(report.trace?.filter((t) => t.file === view).map((t) => [t.line, t.kind])).toEqual([
      [2, 'ViewStmt'],
      [10, 'GrantStmt'],
    ]);
  });

  it('reads the placeholders of the base from its own application.properties', async () => {
    const report = await check('pr-edit-merged', ['replay', 'graph']);
    expect(step(report, 'replay merged')).toMatch(/^3 migration\(s\) on 1 tenant\(s\)/);
    expect(brief(report.findings)).toEqual([
      {
        gate: 'graph',
        rule: 'merged-migration-edited',
        severity: 'blocker',
        file: `${dir}/V2__app_role.sql`,
        line: 8,
      },
    ]);
  });

  it('ends with a setup error, not a finding, when the base version of an edited migration does not replay', async () => {
    // Production set audit_role on the deploy host; here the base version keeps ${audit_role}.
    const report = await check('pr', undefined, unset, true);
    expect(report.status).toBe('error');
    expect(report.error?.exitCode).toBe(3);
    expect(report.findings).toEqual([]);
    expect(report.setupError).toEqual({
      file: 'db/migration/V1__create_audit_log.sql',
      line: 6,
      message: 'syntax error at or near "$" (SQLSTATE 42601)',
      cause: 'template-placeholder',
      remedy:
        'Flyway placeholder ${audit_role} has no value here: set flyway.placeholders.audit_role in flyway.conf, FLYWAY_PLACEHOLDERS_AUDIT_ROLE in the environment, or `flyway: { placeholders: { audit_role: … } }` in .schemagate.yml.',
    });
  });
});
