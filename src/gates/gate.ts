import type { Cluster } from '../provision/provider.js';
import type { CatalogSnapshot } from '../catalog/types.js';
import type { Logger } from '../core/logger.js';
import type { Options } from '../core/options.js';
import type { Discovery, Finding, GateId } from '../core/model.js';
import type { Databases, TenantHandle } from '../core/tenants.js';
import type { ReplayTrace } from '../core/trace.js';
import type { Topology } from '../core/topology.js';
import type { ReplicaNode } from '../core/report.js';
import type { Plan } from '../plan/index.js';

export type { Databases, TenantHandle } from '../core/tenants.js';

/** What a gate is given: the run so far, read-only. */
export interface GateContext {
  options: Options;
  logger: Logger;
  cluster: Cluster;
  topology: Topology;
  discovery: Discovery;
  /** Merged, added, changed and removed migrations, and the resolved base commit. */
  plan: Plan;
  tenants: TenantHandle[];
  trace: ReplayTrace;
  /** Catalog per tenant after the merged migrations (and seed), keyed by tenant name. */
  before: Map<string, CatalogSnapshot>;
  /** Catalog per tenant after the PR's migrations. */
  after: Map<string, CatalogSnapshot>;
  databases: Databases;
  /** Findings the gates before this one produced (e.g. replay errors). */
  findings: readonly Finding[];
}

/** What a gate returns: its findings and what it measured, for its step in the report. */
export interface GateResult {
  findings: Finding[];
  /** Lines for the gate's step in the report (lag, fingerprints...). */
  details?: string[];
  /** The replica gate's measurements, shown in the report's topology. */
  replicaNodes?: ReplicaNode[];
}

export interface Gate {
  id: GateId;
  title: string;
  run(ctx: GateContext): Promise<GateResult>;
}
