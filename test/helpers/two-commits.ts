import { buildOptions } from '../../src/config/build-options.js';
import { runCheck } from '../../src/check/check.js';
import type { Settings } from '../../src/core/settings.js';
import type { Report } from '../../src/core/report.js';
import { memoryLogger } from '../../src/core/logger.js';
import { knownIds } from '../../src/gates/index.js';
import { initSqlParser } from '../../src/sql/split.js';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../../scripts/fixture-repo.mjs';

/**
 * A check of a fixture's base/ and pr/ made into a two-commit repository, as a user runs it
 * against the base commit (no config file, the embedded provider, no replica): `flags` are the
 * CLI's, `settings` what a .schemagate.yml would add.
 */
export async function checkTwoCommits(
  fixture: string,
  flags: Record<string, string>,
  settings: Partial<Settings> = {},
): Promise<Report> {
  await initSqlParser();
  const repo = makeFixtureRepo(`${fixture}/base`, `${fixture}/pr`);
  try {
    const options = buildOptions(
      { base: repo.base, provider: 'embedded', replicas: '0', ...flags },
      knownIds(),
      repo.root,
    );
    return await runCheck(
      { ...options, settings: { ...options.settings, ...settings } },
      memoryLogger(),
    );
  } finally {
    repo.dispose();
  }
}
