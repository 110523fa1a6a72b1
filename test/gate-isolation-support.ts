import type { Report } from '../src/core/report.js';
import { runFixture } from './helpers/run.js';

/** Shared by the isolation gate's fixture tests. */

export const dir = (name: string) => `fixtures/isolation/${name}`;

/** The gate's findings in a fixed order: file, line, rule. */
export const isolation = (r: Report) =>
  r.findings
    .filter((f) => f.gate === 'isolation')
    .sort((a, b) =>
      `${a.file}:${String(a.line).padStart(4, '0')}:${a.rule}`.localeCompare(
        `${b.file}:${String(b.line).padStart(4, '0')}:${b.rule}`,
      ),
    );

/** A blocker of the isolation gate at a fixture file's line, as `brief()` prints it. */
export const at = (name: string, file: string, line: number, rule: string, tenant?: string) => ({
  gate: 'isolation',
  rule,
  severity: 'blocker',
  file: `${dir(name)}/${file}`,
  line,
  ...(tenant ? { tenant } : {}),
});

/** Runs a fixture in the shared topology with the replay and isolation gates. */
export const shared = (name: string, extra: Parameters<typeof runFixture>[1] = {}) =>
  runFixture(dir(name), { topology: 'shared', gates: ['replay', 'isolation'], ...extra });

/** Runs a fixture whose first migration is merged, in the schema or database topology. */
export const check = (name: string, topology: 'schema' | 'database') =>
  runFixture(dir(name), { topology, baseCount: 1, gates: ['replay', 'isolation'] });
