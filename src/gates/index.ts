import type { GateId } from '../core/model.js';
import type { Options } from '../core/options.js';
import { parseLocksSettings } from './locks/config.js';
import { parseIsolationSettings } from './isolation/settings.js';
import { parseRollbackSettings } from './rollback/settings.js';
import { InputError, getErrorMessage } from '../core/errors.js';
import type { Gate, GateContext, GateResult } from './gate.js';
import { replayGate } from './replay.js';
import { graphGate } from './graph/index.js';
import { locksGate } from './locks/index.js';
import { isolationGate } from './isolation/index.js';
import { rollbackGate } from './rollback/index.js';
import { replicaGate } from './replica/index.js';
import { compatGate } from './compat/index.js';
import { parseCompatSettings } from './compat/sources.js';

/** Every gate, in the order they run. Add a gate by adding it here. */
export const GATES: Gate[] = [
  replayGate,
  graphGate,
  locksGate,
  isolationGate,
  rollbackGate,
  replicaGate,
  compatGate,
];

/** One gate's run: its result, how long it took, and its step's detail lines. */
export interface GateRun extends GateResult {
  gate: GateId;
  ms: number;
  details: string[];
}

/**
 * Runs the selected gates (all by default). A gate that crashes is an infrastructure problem of
 * that gate, reported as an error finding, so the other gates still report.
 */
export async function runGates(ctx: GateContext, only?: readonly string[]): Promise<GateRun[]> {
  const runs: GateRun[] = [];
  for (const gate of GATES.filter((g) => !only || only.includes(g.id))) {
    const started = Date.now();
    const before = runs.flatMap((r) => r.findings);
    let result: GateResult;
    try {
      result = await ctx.logger.group(`gate ${gate.id}`, () =>
        gate.run({ ...ctx, findings: [...ctx.findings, ...before] }),
      );
    } catch (error) {
      ctx.logger.debug(String((error as Error)?.stack));
      result = {
        findings: [
          {
            gate: gate.id,
            rule: 'gate-error',
            severity: 'blocker',
            message: `the ${gate.id} gate failed: ${getErrorMessage(error)}`,
          },
        ],
      };
    }
    runs.push({ gate: gate.id, ms: Date.now() - started, details: [], ...result });
  }
  return runs;
}

/** All rule ids of the registered gates plus the engine's own, for config validation. */
export function knownRules(): Set<string> {
  const ids = GATES.flatMap((g) => g.rules.map((r) => r.id));
  return new Set([
    ...ids,
    'ignore-without-reason',
    'unused-ignore',
    'gate-error',
    'orphan-down',
    'duplicate-version',
    'goose-statement-split',
    'goose-envsub-unset',
    'flyway-placeholder',
    'flyway-mixed-transaction',
    'alembic-multiple-heads',
    'alembic-missing-parent',
    'alembic-cycle',
    'alembic-duplicate-revision',
    'drizzle-journal-missing-file',
    'drizzle-file-not-in-journal',
  ]);
}

/**
 * Validates every gate's section of the config before anything starts, so a typo in
 * `.schemagate.yml` is an input error (exit 2) naming the setting, not a gate failure later.
 */
export function validateGateSettings(options: Options): void {
  const unknown = (options.gates ?? []).filter((g) => !GATES.some((gate) => gate.id === g));
  if (unknown.length > 0) {
    throw new InputError(
      `--gates: expected some of ${GATES.map((g) => g.id).join(', ')}, got "${unknown.join(', ')}"`,
    );
  }
  parseLocksSettings(options.settings.locks, options.configFile);
  parseIsolationSettings(options.settings.isolation, options.configFile);
  parseRollbackSettings(options);
  parseCompatSettings(options);
}
