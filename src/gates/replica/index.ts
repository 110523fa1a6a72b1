import type { ReplicaNode } from '../../core/report.js';
import type { Gate, GateContext, GateResult, Walked } from '../gate.js';
import { ConflictProbe, conflictProbe } from './conflicts.js';
import { checkReplica } from './consistency.js';
import { catalogChecksum } from './catalog-checksum.js';
import { REPLICA } from '../../rules/index.js';
import { unloggedFindings } from './unlogged.js';

/**
 * The replica gate: every replica replays the PR and matches the primary's catalog; UNLOGGED
 * tables and hot-standby query conflicts are reported at their statements.
 */
export const replicaGate: Gate = {
  id: 'replica',
  title: 'Replicas',
  walker: conflictProbe,
  async run(ctx: GateContext, walked?: Walked): Promise<GateResult> {
    const findings = unloggedFindings(ctx.plan.added);
    const replicas = ctx.cluster.replicas;
    if (replicas.length === 0) {
      const details = [
        'no replicas in this cluster: lag, fingerprints and query conflicts not checked',
      ];
      return { findings, details };
    }
    const settings = ctx.options.settings.replica;
    const details: string[] = [];
    const replicaNodes: ReplicaNode[] = [];
    // Each replica replays the same WAL on its own: they are waited for and compared together.
    const sums = new Map<string, Promise<string>>();
    const primaryChecksum = (database: string) => {
      if (!sums.has(database))
        sums.set(
          database,
          ctx.databases
            .connectAsSuperuser(database, { catalogOnly: true })
            .then((c) => catalogChecksum(c).finally(() => c.end())),
        );
      return sums.get(database)!;
    };
    const checked = await Promise.all(
      replicas.map((r) => checkReplica(ctx, r, settings, primaryChecksum)),
    );
    for (const [i, replica] of replicas.entries()) {
      const { state, findings: found } = checked[i];
      findings.push(...found);
      replicaNodes.push({
        name: state.name,
        lagMs: state.lagMs,
        caughtUp: state.caughtUp,
        fingerprints: state.fingerprints,
        matchesPrimary: state.caughtUp && !found.some((f) => f.rule === REPLICA.drift.id),
      });
      const prints = Object.entries(state.fingerprints)
        .map(([t, fp]) => `${t} ${fp}`)
        .join(', ');
      details.push(
        `${replica.name}: replayed in ${state.lagMs} ms${prints ? `, fingerprints ${prints}` : ''}`,
      );
    }
    const probe = walked?.walker;
    if (probe instanceof ConflictProbe) findings.push(...(await probe.findings()));
    return { findings, details, replicaNodes };
  },
};
