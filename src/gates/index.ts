import type { Finding } from '../engine/model.js';
import { getErrorMessage } from '../engine/errors.js';
import type { Gate, GateContext } from './gate.js';
import { replayGate } from './replay.js';
import { graphGate } from './graph/index.js';
import { locksGate } from './locks/index.js';
import { isolationGate } from './isolation/index.js';
import { rollbackGate } from './rollback/index.js';

/** Every gate, in the order they run. Add a gate by adding it here. */
export const GATES: Gate[] = [replayGate, graphGate, locksGate, isolationGate, rollbackGate];

/**
 * Runs the selected gates (all by default). A gate that crashes is an infrastructure problem of
 * that gate, reported as an error finding, so the other gates still report.
 */
export async function runGates(
  ctx: GateContext,
  only?: string[],
  onGate?: (gate: Gate, findings: Finding[], ms: number) => void,
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const gate of GATES.filter((g) => !only || only.includes(g.id))) {
    const started = Date.now();
    let found: Finding[];
    try {
      found = await ctx.logger.group(`gate ${gate.id}`, () =>
        gate.run({ ...ctx, findings: [...ctx.findings, ...out] }),
      );
    } catch (error) {
      ctx.logger.debug(String((error as Error)?.stack));
      found = [
        {
          gate: gate.id,
          rule: 'gate-error',
          severity: 'blocker',
          message: `the ${gate.id} gate failed: ${getErrorMessage(error)}`,
        },
      ];
    }
    onGate?.(gate, found, Date.now() - started);
    out.push(...found);
  }
  return out;
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
  ]);
}
