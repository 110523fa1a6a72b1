import type { Cluster } from '../provision/provider.js';
import type { CatalogSnapshot } from '../catalog/types.js';
import type { Logger } from '../core/logger.js';
import type { Options } from '../core/options.js';
import type { Discovery, Finding, GateId } from '../core/model.js';
import type { Databases, TenantHandle } from '../core/tenants.js';
import type { AfterStatement, ReplayTrace, StatementTrace } from '../core/trace.js';
import type { Topology } from '../core/topology.js';
import type { ReplicaNode } from '../core/report.js';
import type { Plan } from '../plan/index.js';
import type { Sandbox } from './sandbox.js';

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

/** Applies the migration's up; `afterStatement` runs after each statement while its locks are held. */
export type ApplyUp = (afterStatement?: AfterStatement) => Promise<StatementTrace[]>;

/** A gate's part in the walk (walk.ts): its work around each added migration's up. */
export interface Walker {
  /** Nesting order around the up: lower runs closer to it. */
  readonly layer: number;
  /** Added migrations before this index are walked for this walker. */
  readonly until: number;
  /**
   * Applies added migration `index` through `up` (once), with the walker's work before and after
   * it; returns the up's traces.
   */
  step(index: number, sandbox: Sandbox, up: ApplyUp): Promise<StatementTrace[]>;
  /** What stopped the walker: its own error, or the walk's. */
  error?: unknown;
}

/** What the walk gives a gate back: its walker, done, and the sandbox where the walk ended. */
export interface Walked {
  walker: Walker;
  sandbox?: Sandbox;
}

export interface Gate {
  id: GateId;
  title: string;
  /** The gate's walker, made before the first gate runs; `run` gets it back once walked. */
  walker?(ctx: GateContext): Walker | undefined;
  run(ctx: GateContext, walked?: Walked): Promise<GateResult>;
}
