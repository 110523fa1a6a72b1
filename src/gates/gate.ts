import type pg from 'pg';
import type { Cluster } from '../providers/provider.js';
import type { CatalogSnapshot } from '../catalog/types.js';
import type { Logger } from '../engine/logger.js';
import type { Options } from '../engine/options.js';
import type { Discovery, Finding, GateId, Migration, Severity } from '../engine/model.js';
import type { ReplayTrace } from '../engine/trace.js';
import type { AfterStatement } from '../engine/replay.js';

export interface RuleMeta {
  id: string;
  severity: Severity;
  summary: string;
}

/** Where one tenant lives. */
export interface TenantHandle {
  name: string;
  database: string;
  /** Schema the tenant's migrations run in: `tenant_1` in the schema topology, else `public`. */
  schema: string;
  /** search_path the tenant's migrations run with. */
  searchPath: string[];
}

export interface Databases {
  /**
   * Connects to the tenant's database with the tenant's search_path set. The caller ends the
   * client.
   */
  connect(tenant: TenantHandle): Promise<pg.Client>;
  /** Connects to a database by name as the superuser. */
  connectTo(database: string): Promise<pg.Client>;
  /**
   * A fresh copy of the state after the merged migrations and the seed (before the PR), as a new
   * database cloned from the template; returns the tenants inside it. Dropped when the run ends.
   */
  cloneBase(label: string): Promise<{ database: string; tenants: TenantHandle[] }>;
  /**
   * Runs a migration script on a tenant with the format's transaction semantics and tracing, as
   * replay does. Used by gates that re-apply ups and downs (rollback). `afterStatement` runs
   * after each statement that succeeded, while its locks are still held.
   */
  applyScript(
    tenant: TenantHandle,
    migration: Migration,
    direction: 'up' | 'down',
    afterStatement?: AfterStatement,
  ): Promise<import('../engine/trace.js').StatementTrace[]>;
}

export interface GateContext {
  options: Options;
  logger: Logger;
  cluster: Cluster;
  discovery: Discovery;
  /** Migrations present unchanged at --base, in order. */
  merged: Migration[];
  /** Migrations the PR adds (state `new`), in order. */
  added: Migration[];
  /** Merged migrations the PR edited: `base` is what production ran, `head` the PR's version. */
  changed: Array<{ base: Migration; head: Migration }>;
  /** Merged migrations the PR deleted. */
  removed: Migration[];
  tenants: TenantHandle[];
  trace: ReplayTrace;
  /** Catalog per tenant after the merged migrations (and seed), keyed by tenant name. */
  before: Map<string, CatalogSnapshot>;
  /** Catalog per tenant after the PR's migrations. */
  after: Map<string, CatalogSnapshot>;
  databases: Databases;
  /** Findings other gates have produced so far (e.g. replay errors), read-only. */
  findings: readonly Finding[];
  /** Adds a line to the gate's step in the report (what it measured: lag, fingerprints...). */
  detail?: (text: string) => void;
  /** The replica gate's measurements, shown in the report's topology. */
  replicaNodes?: import('../engine/report.js').ReplicaNode[];
}

export interface Gate {
  id: GateId;
  title: string;
  rules: RuleMeta[];
  run(ctx: GateContext): Promise<Finding[]>;
}

/** Builds a finding of a gate's rule with the docs link filled in. */
export function finding(
  gate: GateId,
  rule: RuleMeta,
  fields: Omit<Finding, 'gate' | 'rule' | 'severity' | 'docs'> & { severity?: Severity },
): Finding {
  return {
    gate,
    rule: rule.id,
    ...fields,
    severity: fields.severity ?? rule.severity,
    docs: `docs/rules/${rule.id}.md`,
  };
}
