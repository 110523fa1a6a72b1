import type { Cluster } from '../src/provision/provider.js';
import type { Finding } from '../src/core/model.js';
import type { Report } from '../src/core/report.js';
import { runFixture, type FixtureOverrides } from './helpers/run.js';

export const LOCKS = 'fixtures/locks';

/** Runs a locks fixture (first `baseCount` migrations merged) on the shared cluster. */
export async function runLocks(
  cluster: Cluster,
  scenario: string,
  overrides: FixtureOverrides = {},
): Promise<{ report: Report; findings: Finding[] }> {
  const { host, port, user } = cluster.primary;
  const report = await runFixture(`${LOCKS}/${scenario}`, {
    baseCount: 1,
    tenantCount: 1,
    provider: 'url',
    databaseUrl: `postgres://${user}@${host}:${port}/postgres`,
    gates: ['replay', 'locks'],
    ...overrides,
  });
  return { report, findings: report.findings.filter((f) => f.gate === 'locks') };
}

/** Rule, severity and place of each finding, file relative to the scenario. */
export function placed(findings: Finding[]): string[] {
  return findings.map(
    (f) =>
      `${f.rule} ${f.severity} ${f.file?.split('/').slice(2).join('/')}:${f.line}-${f.endLine}`,
  );
}

const NOTE =
  / Under a concurrent workload, (?:queries on ([\w, ]+) waited up to ([\d.]+) ms|no query on ([\w, ]+) waited)\.$/;

/** The message without the workload note, and what the note measured (ms, tables). */
export function splitWait(message: string): { text: string; waitMs?: number; tables?: string } {
  const m = NOTE.exec(message);
  if (!m) return { text: message };
  return {
    text: message.slice(0, m.index),
    waitMs: m[2] ? Number(m[2]) : 0,
    tables: m[1] ?? m[3],
  };
}
