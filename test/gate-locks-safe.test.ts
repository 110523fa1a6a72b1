import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import { runLocks } from './gate-locks-support.js';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
});

afterAll(async () => {
  await cluster?.stop();
});

describe('safe recipes pass', () => {
  it.each([
    'safe-concurrent-index-own-file',
    'safe-concurrent-index-goose-no-transaction',
    'safe-not-valid-then-validate',
    'safe-constant-default',
    'safe-new-table-with-indexes',
    'safe-set-not-null-after-check',
    // ACCESS EXCLUSIVE held over catalog-only DDL and statements on new tables only.
    'safe-catalog-only-while-locked',
  ])('%s', async (scenario) => {
    const { report, findings } = await runLocks(cluster, scenario);
    expect(report.findings.filter((f) => f.gate === 'replay')).toEqual([]);
    expect(findings).toEqual([]);
  });
});

describe('concurrent workload probe', () => {
  it('measures waits behind a rewrite and a plain index build, none behind a concurrent one', async () => {
    const rewrite = await runLocks(cluster, 'table-rewrite-type-change');
    const waits = (rewrite.report.trace ?? []).map((t) => [t.line, t.maxWorkloadWaitMs]);
    expect(waits.map(([line]) => line)).toEqual([1, 3]);
    expect(waits[0][1]).toBe(0);
    expect(waits[1][1]).toBeGreaterThan(0);

    const plain = await runLocks(cluster, 'non-concurrent-index');
    expect(plain.report.trace?.[0].maxWorkloadWaitMs).toBeGreaterThan(0);

    const concurrent = await runLocks(cluster, 'safe-concurrent-index-own-file');
    expect((concurrent.report.trace ?? []).map((t) => [t.line, t.maxWorkloadWaitMs])).toEqual([
      [1, 0],
    ]);
  });

  it('runs with more clients, and not at all when disabled', async () => {
    const usual = await runLocks(cluster, 'set-not-null-scan');
    expect(usual.report.trace?.[1].maxWorkloadWaitMs).toBeGreaterThan(0);
    const busy = await runLocks(cluster, 'set-not-null-scan', {
      settings: { locks: { workload: { clients: 4, enabled: true } } } as never,
    });
    expect(busy.report.trace?.[1].maxWorkloadWaitMs).toBeGreaterThan(0);
    expect(busy.findings[0].message).toMatch(
      / Under a concurrent workload, queries on users waited up to [\d.]+ ms\.$/,
    );
    const off = await runLocks(cluster, 'set-not-null-scan', {
      settings: { locks: { workload: { clients: 2, enabled: false } } } as never,
    });
    expect(off.report.trace?.[1].maxWorkloadWaitMs).toBeUndefined();
    expect(off.findings[0].message).toBe(
      'SET NOT NULL on users.name scans the whole pre-existing table under ACCESS EXCLUSIVE to prove there is no NULL.',
    );
  });
});
