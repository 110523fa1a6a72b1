import type { RuleMeta } from '../gate.js';

export const RULES = {
  lag: {
    id: 'replica-lag',
    severity: 'blocker',
    summary: 'A replica did not replay the change within the bound.',
  },
  drift: {
    id: 'replica-catalog-drift',
    severity: 'blocker',
    summary: "A replica's catalog differs from the primary's after the change.",
  },
  unlogged: {
    id: 'unlogged-table',
    severity: 'warning',
    summary: 'An UNLOGGED table is created or set: its rows never reach the replicas.',
  },
  conflict: {
    id: 'replica-query-conflict',
    severity: 'notice',
    summary: 'Replaying the statement on a hot standby cancelled a running query there.',
  },
} satisfies Record<string, RuleMeta>;

export interface ReplicaSettings {
  /** How long a replica may take to replay the PR's WAL. */
  lagTimeoutMs: number;
  /** How many migrations the query-conflict probe runs (each holds a replica query ~2 s). */
  conflictProbes: number;
}

export function replicaSettings(raw: Record<string, unknown>): ReplicaSettings {
  const num = (key: string, fallback: number) => {
    const v = raw[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  return { lagTimeoutMs: num('lagTimeoutMs', 30_000), conflictProbes: num('conflictProbes', 5) };
}
