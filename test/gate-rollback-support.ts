import { expect } from 'vitest';
import { runFixture, type FixtureOverrides } from './helpers/run.js';
import { defaultSettings } from '../src/config/settings.js';
import type { Finding } from '../src/core/model.js';

/** A file of a rollback fixture, as findings name it. */
export const at = (scenario: string, name: string) => `fixtures/rollback/${scenario}/${name}`;

/**
 * Runs a rollback fixture on embedded Postgres: the first migration is merged (and seeded with
 * rows), the rest are the PR's. Returns the rollback gate's findings; replay must be clean.
 */
export async function rollbackFindings(
  scenario: string,
  overrides: FixtureOverrides = {},
): Promise<Finding[]> {
  const report = await runFixture(`fixtures/rollback/${scenario}`, {
    baseCount: 1,
    tenantCount: 2,
    gates: ['replay', 'rollback'],
    ...overrides,
  });
  expect(report.findings.filter((f) => f.gate === 'replay')).toEqual([]);
  return report.findings.filter((f) => f.gate === 'rollback');
}

/** Settings with the rollback section given (and the fixtures' small seed). */
export function withRollback(rollback: Record<string, unknown>) {
  return { ...defaultSettings(), seedRows: 200, rollback };
}

export const blocker = (rule: string, file: string, line: number) => ({
  gate: 'rollback',
  rule,
  severity: 'blocker',
  file,
  line,
});
