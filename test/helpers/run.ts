import { resolve } from 'node:path';
import { runCheck } from '../../src/check/check.js';
import { tenantNames, type Options } from '../../src/core/options.js';
import { resolveSettings, type SettingsInput } from '../../src/config/settings.js';
import { memoryLogger } from '../../src/core/logger.js';
import type { Report } from '../../src/core/report.js';
import type { Finding } from '../../src/core/model.js';
import { initSqlParser } from '../../src/sql/split.js';

export interface FixtureOverrides extends Partial<Omit<Options, 'settings'>> {
  /** Settings by their in-memory names, any section partial: validated, defaults applied. */
  settings?: SettingsInput;
  /** The first N migrations are merged (at base); the rest are the PR's. */
  baseCount?: number;
  /** Tenant count shortcut. */
  tenantCount?: number;
}

/** Options for a fixture directory (relative to the repository root or absolute). */
export function fixtureOptions(dir: string, o: FixtureOverrides = {}): Options {
  const { baseCount: _b, tenantCount, settings, ...rest } = o;
  void _b;
  return {
    repoRoot: resolve('.'),
    dir,
    format: 'auto',
    topology: 'schema',
    tenants: tenantNames(tenantCount ?? 2),
    tenantColumn: 'tenant_id',
    tenantSetting: 'app.tenant_id',
    replicas: 0,
    provider: 'embedded',
    failOn: 'blocker',
    rules: {},
    ...rest,
    settings: resolveSettings({ seedRows: 200, ...settings }),
  };
}

/** Runs a whole check of a fixture on embedded Postgres and returns its report. */
export async function runFixture(dir: string, o: FixtureOverrides = {}): Promise<Report> {
  await initSqlParser();
  const logger = memoryLogger();
  const report = await runCheck(fixtureOptions(dir, o), logger, { mergedCount: o.baseCount });
  if (report.status === 'error')
    throw new Error(`${report.error?.message}\n${logger.lines.join('\n')}`);
  return report;
}

/** The fields tests compare findings on. */
export function brief(
  findings: Finding[],
): Array<Pick<Finding, 'gate' | 'rule' | 'severity' | 'file' | 'line'> & { tenant?: string }> {
  return findings.map((f) => ({
    gate: f.gate,
    rule: f.rule,
    severity: f.severity,
    file: f.file,
    line: f.line,
    ...(f.tenant ? { tenant: f.tenant } : {}),
  }));
}
