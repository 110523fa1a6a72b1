import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOptions } from '../../src/config/build-options.js';
import type { Options } from '../../src/core/options.js';
import { knownIds } from '../../src/gates/index.js';

/**
 * Writes `yaml` as the `.schemagate.yml` of a fresh folder (which is also the migration folder)
 * and builds Options from it as the CLI does; invalid settings throw the CLI's InputError.
 */
export function optionsFromYaml(yaml: string): Options {
  const dir = mkdtempSync(join(tmpdir(), 'sg-config-'));
  try {
    writeFileSync(join(dir, '.schemagate.yml'), yaml);
    return buildOptions({ dir }, knownIds(), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
