import type { Cluster } from './provider.js';
import type { Binaries, OsUser, RunningServer } from './server.js';

export interface ReplicaContext {
  bins: Binaries;
  user: OsUser | undefined;
  workDir: string;
  primaryDataDir: string;
  servers: RunningServer[];
  count: number;
}

/** Streaming replicas for binary-directory clusters. Not yet built: noted in the report. */
export async function addReplicas(cluster: Cluster, ctx: ReplicaContext): Promise<void> {
  cluster.notes.push(
    `--replicas ${ctx.count}: streaming replicas are not available yet; ran the primary only`,
  );
}
