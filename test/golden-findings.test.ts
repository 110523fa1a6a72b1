import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/model.js';
import type { Report } from '../src/core/report.js';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { initSqlParser } from '../src/sql/split.js';
import { allRules } from '../src/rules/index.js';
import { fixtureOptions, type FixtureOverrides } from './helpers/run.js';

/**
 * Every gate's findings on a representative set of fixtures, compared with the reports recorded in
 * test/golden/findings.json: work on the replay's speed (parallel tenants, fewer round trips,
 * cheaper probes) must leave them as they were. `SCHEMAGATE_GOLDEN=update` records them again,
 * when a change of findings is intended.
 */
const GOLDEN = 'test/golden/findings.json';

const cases: Array<[string, FixtureOverrides]> = [
  ['fixtures/formats/golang-migrate', { baseCount: 2, tenantCount: 2 }],
  ['fixtures/formats/goose', { baseCount: 2, tenantCount: 3 }],
  ['fixtures/demo/base/db/migrations', { baseCount: 2, tenantCount: 3 }],
  ['fixtures/demo/base/db/migrations', { baseCount: 3, tenantCount: 2, topology: 'database' }],
  ['fixtures/engine/fails-on-one-tenant', { baseCount: 2, tenantCount: 3 }],
  ['fixtures/engine/fails-on-seeded-rows', { baseCount: 2, tenantCount: 2 }],
  ['fixtures/engine/batched-backfill', { baseCount: 1, tenantCount: 2 }],
  ['fixtures/engine/suppressions', { baseCount: 1, tenantCount: 2 }],
  ['fixtures/engine/shared-rls', { baseCount: 1, topology: 'shared' }],
  ['fixtures/replica/conflict-and-unlogged', { baseCount: 2, tenantCount: 2, replicas: 1 }],
  ['fixtures/replica/rewrite-with-indexes', { baseCount: 2, tenantCount: 3, replicas: 2 }],
  ...[
    'add-not-null-column-without-default',
    'constraint-without-not-valid',
    'exclusive-lock-held-during-backfill',
    'foreign-key-without-not-valid',
    'missing-lock-timeout',
    'multiple-exclusive-locks',
    'non-concurrent-index',
    'rename-existing-column',
    'safe-concurrent-index-own-file',
    'safe-not-valid-then-validate',
    'set-not-null-scan',
    'table-rewrite-type-change',
    'table-rewrite-volatile-default',
  ].map((s): [string, FixtureOverrides] => [
    `fixtures/locks/${s}`,
    { baseCount: 1, tenantCount: 2 },
  ]),
  ...[
    'clean-pair',
    'data-losing-down',
    'failing-down',
    'missing-down',
    'orphaned-enum-type',
    'orphaned-index',
    'goose-no-transaction-half-rolled-back',
  ].map((s): [string, FixtureOverrides] => [
    `fixtures/rollback/${s}`,
    { baseCount: 1, tenantCount: 2 },
  ]),
  ...['fk-cycle-closed-by-alter', 'fk-without-index', 'used-before-created'].map(
    (s): [string, FixtureOverrides] => [`fixtures/graph/${s}`, { baseCount: 1, tenantCount: 2 }],
  ),
  ...['schema-correct', 'schema-cross-schema-write', 'schema-drift'].map(
    (s): [string, FixtureOverrides] => [
      `fixtures/isolation/${s}`,
      { baseCount: 1, tenantCount: 3 },
    ],
  ),
  ...['database-correct', 'database-drift'].map((s): [string, FixtureOverrides] => [
    `fixtures/isolation/${s}`,
    { baseCount: 1, tenantCount: 3, topology: 'database' },
  ]),
  ...['shared-correct', 'shared-policy-missing', 'shared-rls-not-forced'].map(
    (s): [string, FixtureOverrides] => [`fixtures/isolation/${s}`, { topology: 'shared' }],
  ),
  ...['column-dropped', 'table-renamed'].map((s): [string, FixtureOverrides] => [
    `fixtures/compat/${s}`,
    { baseCount: 1, tenantCount: 2 },
  ]),
];

/** Measured figures (milliseconds, bytes, LSN distances) differ from run to run. */
const unmeasured = (text: string | undefined) =>
  text
    ?.replace(/\b\d+(\.\d+)?\s?(ms|s|bytes|B|kB|MB)\b/g, '<n> $2')
    .replace(/\b[0-9A-F]+\/[0-9A-F]+\b/g, '<lsn>');

interface Recorded {
  status: Report['status'];
  error?: string;
  findings: Array<Record<string, unknown>>;
}

function record(report: Report): Recorded {
  const one = (f: Finding) => ({
    gate: f.gate,
    rule: f.rule,
    severity: f.severity,
    file: f.file,
    line: f.line,
    ...(f.tenant ? { tenant: f.tenant } : {}),
    message: unmeasured(f.message),
  });
  return {
    status: report.status,
    ...(report.error ? { error: unmeasured(report.error.message) } : {}),
    findings: report.findings.map(one),
  };
}

const key = ([dir, o]: [string, FixtureOverrides]) => `${dir} ${JSON.stringify(o)}`;
const update = process.env.SCHEMAGATE_GOLDEN === 'update';

/**
 * The recorded reports, and the rules registered when they were first recorded: a rule added
 * since is left out of the comparison. `SCHEMAGATE_GOLDEN=update` records the cases run again
 * (all, or those `-t` selects) and keeps the rule list; without the file, it records every rule.
 */
interface Golden {
  rules: string[];
  cases: Record<string, Recorded>;
}

const golden: Golden = existsSync(GOLDEN)
  ? JSON.parse(readFileSync(GOLDEN, 'utf8'))
  : { rules: allRules().map((r) => r.id), cases: {} };
const known = new Set(golden.rules);

describe('findings on the fixtures', () => {
  it.each(cases)('%s %j', { timeout: 240_000 }, async (dir, o) => {
    await initSqlParser();
    const options = fixtureOptions(dir, o);
    const report = await runCheck(options, memoryLogger(), { mergedCount: o.baseCount });
    const now = record(report);
    const findings = now.findings.filter((f) => known.has(String(f.rule)));
    if (update) {
      golden.cases[key([dir, o])] = { ...now, findings };
      writeFileSync(GOLDEN, `${JSON.stringify(golden, null, 2)}\n`);
      return;
    }
    expect({ ...now, findings }).toEqual(golden.cases[key([dir, o])]);
  });
});
