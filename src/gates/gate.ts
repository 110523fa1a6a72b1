import type { Cluster } from '../provision/provider.js';
import type { CatalogSnapshot } from '../catalog/types.js';
import type { Logger } from '../core/logger.js';
import type { Options } from '../core/options.js';
import type { Discovery, Finding, GateId, Migration, Severity } from '../core/model.js';
import type { Databases, TenantHandle } from '../core/tenants.js';
import type { ReplayTrace } from '../core/trace.js';

export interface RuleMeta {
  id: string;
  severity: Severity;
  summary: string;
}

export type { Databases, TenantHandle } from '../core/tenants.js';

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
  replicaNodes?: import('../core/report.js').ReplicaNode[];
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
