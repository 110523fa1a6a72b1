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

/** The safe recipe of each hazard rule's docs page, as a migration set. */
describe('the safe recipes of the hazard rules pass', () => {
  it.each([
    ['alter-domain-add-constraint', 'safe-check-on-domain-columns'],
    ['create-domain-with-check', 'safe-check-on-new-column'],
    ['enum-value-renamed, enum-value-appended', 'safe-enum-value-positioned'],
    ['drop-not-null', 'safe-drop-not-null-after-deploy'],
    ['char, varchar, timestamp, serial, json, int key', 'safe-column-types'],
    ['transaction-nesting', 'safe-goose-transaction'],
    ['uncommitted-transaction', 'safe-explicit-transaction'],
    ['primary-key-sets-not-null', 'safe-primary-key-after-not-null'],
    ['alter-table-not-combined', 'safe-combined-alter-table'],
    ['identifier-too-long', 'safe-short-identifier'],
    ['non-concurrent-refresh', 'safe-concurrent-refresh'],
    ['validate-in-same-transaction', 'safe-not-valid-then-validate'],
    ['unbatched-backfill', 'safe-batched-backfill'],
  ])('%s: %s', async (_rules, scenario) => {
    const { report, findings } = await runLocks(cluster, scenario);
    expect(report.findings.filter((f) => f.gate === 'replay')).toEqual([]);
    expect(findings).toEqual([]);
  });
});
