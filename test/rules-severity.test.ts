import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import type { Finding } from '../src/core/model.js';
import { allRules, ruleById, severityDeclared, type Rule } from '../src/rules/index.js';
import { runFixture, type FixtureOverrides } from './helpers/run.js';

/**
 * A rule's severity reads the same in the registry, the README's table, its docs page and the
 * output: the default, or another severity the registry declares with when it applies.
 */

const readme = readFileSync('README.md', 'utf8');

/** The README row of a rule, `| \`id\` | gate | severity | title |`, its cells' padding taken out. */
function readmeRow(rule: Rule): string {
  const rows = readme.split('\n').map((l) => l.replace(/ {2,}/g, ' '));
  const row = rows.find((l) => l.startsWith(`| \`${rule.id}\` |`));
  if (!row) throw new Error(`README has no row for ${rule.id}`);
  return row;
}

/** What the page says after `**Severity:**`, its lines joined; undefined without one. */
function pageSeverity(rule: Rule): string | undefined {
  const page = readFileSync(rule.docs, 'utf8');
  const m = /\*\*Severity:\*\* ([\s\S]*?)(?:\n\n|$)/.exec(page);
  return m?.[1].replace(/\s*\n\s*/g, ' ').trim();
}

const others = (rule: Rule) => Object.entries(rule.otherSeverities ?? {});

/** `blocker; a warning when only the down changed` */
function expectedPageSeverity(rule: Rule): string {
  return [rule.severity, ...others(rule).map(([s, when]) => `a ${s} ${when}`)].join('; ');
}

describe('severity in the registry, the README and the docs pages', () => {
  it('the README row names each other severity with when, and no other', () => {
    const wrong = allRules().flatMap((rule) => {
      const row = readmeRow(rule);
      const said = others(rule).map(([s, when]) => `(a ${s} ${when})`);
      const missing = said.filter((text) => !row.includes(text));
      const unsaid = [...row.matchAll(/\(an? (blocker|warning|notice) /g)]
        .map((m) => m[1])
        .filter((s) => !rule.otherSeverities?.[s as Rule['severity']]);
      return [...missing, ...unsaid.map((s) => `undeclared ${s}`)].map((m) => `${rule.id}: ${m}`);
    });
    expect(wrong).toEqual([]);
  });

  it('the docs page says the default, then each other severity with when', () => {
    const wrong = allRules().flatMap((rule) => {
      const said = pageSeverity(rule);
      if (said === undefined && !rule.otherSeverities) return [];
      const expected = expectedPageSeverity(rule);
      return said?.replace(/\.$/, '') === expected ? [] : [`${rule.id}: "${said}" ≠ "${expected}"`];
    });
    expect(wrong).toEqual([]);
  });

  it('exclusive-lock-held is a blocker that is a warning only while waiting for another table', () => {
    const rule = ruleById('exclusive-lock-held')!;
    expect(rule.severity).toBe('blocker');
    expect(rule.otherSeverities).toEqual({
      warning:
        'when the work under the lock is only a wait for ACCESS EXCLUSIVE on another pre-existing table',
    });
    expect(readmeRow(rule)).toMatch(/^\| `exclusive-lock-held` \| locks \| blocker \| /);
  });
});

describe('severity of the findings on real Postgres', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function findings(dir: string, o: FixtureOverrides = {}): Promise<Finding[]> {
    const { host, port, user } = cluster.primary;
    const report = await runFixture(dir, {
      baseCount: 1,
      tenantCount: 2,
      provider: 'url',
      databaseUrl: `postgres://${user}@${host}:${port}/postgres`,
      gates: ['replay', 'graph', 'locks', 'rollback'],
      ...o,
    });
    return report.findings;
  }

  /** Findings whose severity the registry does not declare for their rule. */
  const undeclared = (found: Finding[]) =>
    found
      .filter((f) => !severityDeclared(ruleById(f.rule)!, f.severity))
      .map((f) => `${f.rule} ${f.severity} ${f.file}:${f.line}`);

  const held = (found: Finding[]) =>
    found
      .filter((f) => f.rule === 'exclusive-lock-held')
      .map((f) => `${f.severity} ${f.file?.split('/').pop()}:${f.line}`);

  it('exclusive-lock-held: a blocker for work that grows with the table', async () => {
    const found = await findings('fixtures/locks/exclusive-lock-held-during-backfill');
    expect(held(found)).toEqual(['blocker 000002_add_nickname.up.sql:3']);
    expect(undeclared(found)).toEqual([]);
  });

  it('exclusive-lock-held: the declared warning while it only waits for another table', async () => {
    const found = await findings('fixtures/locks/multiple-exclusive-locks');
    expect(held(found)).toEqual(['warning 000002_add_columns.up.sql:3']);
    expect(undeclared(found)).toEqual([]);
  });

  it('every finding of fixtures with escalated and lowered severities is declared', async () => {
    const runs = await Promise.all([
      findings('fixtures/locks/exclusive-lock-held-long-work'),
      findings('fixtures/locks/drop-nine-indexes', {
        settings: { locks: { nonConcurrentIndex: 'blocker' } },
      }),
      findings('fixtures/graph/fk-cycle-deferrable', { gates: ['replay', 'graph'] }),
      findings('fixtures/graph/fk-index-dropped'),
      findings('fixtures/engine/fails-on-two-tenants', { tenantCount: 3 }),
    ]);
    const all = runs.flat();
    expect(undeclared(all)).toEqual([]);
    // The fixtures reach the other severities, so the check above is not vacuous.
    const seen = new Set(all.map((f) => `${f.rule} ${f.severity}`));
    for (const expected of [
      'exclusive-lock-held blocker',
      'non-concurrent-index blocker',
      'fk-cycle warning',
      'fk-without-index warning',
      'migration-failed blocker',
    ])
      expect(seen).toContain(expected);
  });
});
