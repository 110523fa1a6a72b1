import { it } from 'vitest';
import { runCheck } from '../../src/check/check.js';
import { memoryLogger } from '../../src/core/logger.js';
import { initSqlParser } from '../../src/sql/split.js';
import { fixtureOptions } from '../helpers/run.js';
// @ts-expect-error plain ESM helper
import { makeFixtureRepo } from '../../scripts/fixture-repo.mjs';
const F = 'fixtures/graph/duplicate-version-across-branches';
for (const [fmt, dir] of [['golang-migrate','db/migrations'],['goose','db/migrations'],['dbmate','db/migrations'],['flyway','src/main/resources/db/migration']]) {
  it(fmt, async () => {
    await initSqlParser();
    const repo = makeFixtureRepo(`${F}/${fmt}/base`, `${F}/${fmt}/pr`);
    try {
      const logger = memoryLogger();
      const r = await runCheck({ ...fixtureOptions(dir), repoRoot: repo.root, base: repo.base }, logger);
      console.log(fmt, r.status, JSON.stringify(r.error), JSON.stringify(r.migrations));
      for (const f of r.findings) console.log(JSON.stringify(f));
    } finally { repo.dispose(); }
  }, 120000);
}
