import { describe, expect, it } from 'vitest';
import { brief, runFixture } from './helpers/run.js';

const APP = 'fixtures/baseline/app/migrations';

describe('baseline: a schema dump instead of the merged history', () => {
  it('loads a pg_dump 15 dump and replays the merged migrations its version table lacks', async () => {
    const report = await runFixture(APP, {
      baseCount: 3,
      replicas: 0,
      settings: { baseline: 'fixtures/baseline/app/pg15-tenants.sql' },
    });
    console.log(JSON.stringify({ topology: report.topology, notes: report.notes, steps: report.steps, findings: brief(report.findings), f: report.findings.map(f=>f.message) }, null, 1));
  });
});
