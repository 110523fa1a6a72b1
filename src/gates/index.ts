import type { GateId } from '../core/model.js';
import type { KnownIds } from '../config/file.js';
import { getErrorMessage } from '../core/errors.js';
import { ENGINE, finding } from '../rules/index.js';
import type { Gate, GateContext, GateResult, Walked, Walker } from './gate.js';
import type { Sandbox } from './sandbox.js';
import { walk } from './walk.js';
import { oneFindingPerTenantSet } from './tenant-findings.js';
import { replayGate } from './replay.js';
import { graphGate } from './graph/index.js';
import { locksGate } from './locks/index.js';
import { isolationGate } from './isolation/index.js';
import { rollbackGate } from './rollback/index.js';
import { replicaGate } from './replica/index.js';
import { compatGate } from './compat/index.js';

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
  const gates = GATES.filter((g) => !only || only.includes(g.id));
  const walkers = new Map<Gate, Walker>();
  let walked: Promise<Sandbox | undefined> | undefined;
  try {
    for (const gate of gates) {
      try {
        const walker = gate.walker?.(ctx);
        if (walker) walkers.set(gate, walker);
      } catch (error) {
        // The gate runs without its part in the walk, and says so.
        ctx.logger.debug(`gate ${gate.id}: no walker: ${getErrorMessage(error)}`);
      }
    }
    for (const gate of gates) {
      const started = Date.now();
      const before = runs.flatMap((r) => r.findings);
      let result: GateResult;
      try {
        result = await ctx.logger.group(`gate ${gate.id}`, async () => {
          const walker = walkers.get(gate);
          let mine: Walked | undefined;
          if (walker) {
            // The first gate with a walker walks for all of them (its step's time includes it).
            walked ??= walk(ctx, [...walkers.values()]);
            mine = { walker, sandbox: await walked };
          }
          return gate.run({ ...ctx, findings: [...ctx.findings, ...before] }, mine);
        });
      } catch (error) {
        ctx.logger.debug(error instanceof Error ? String(error.stack) : getErrorMessage(error));
        const message = `the ${gate.id} gate failed: ${getErrorMessage(error)}`;
        result = { findings: [finding(ENGINE.gateError, { gate: gate.id, message })] };
      }
      const findings = oneFindingPerTenantSet(result.findings, ctx.topology.tenantNames.length);
      runs.push({ gate: gate.id, ms: Date.now() - started, details: [], ...result, findings });
    }
  } finally {
    await (await walked?.catch(() => undefined))?.close();
  }
  return runs;
}

/** Whether the selected gates (all by default) include one that walks the PR on a copy of the base. */
export function walksThePr(only?: readonly string[]): boolean {
  return GATES.some((g) => g.walker && (!only || only.includes(g.id)));
}

/** What `.schemagate.yml` and `--gates` may name, for the config's validation. */
export function knownIds(): KnownIds {
  return { gates: GATES.map((g) => g.id) };
}
