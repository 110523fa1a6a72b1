import type { Finding, Migration } from '../../core/model.js';
import { getErrorMessage } from '../../core/errors.js';
import type { StatementTrace } from '../../core/trace.js';
import type { Gate, GateContext, TenantHandle, Walked } from '../gate.js';
import type { LocksSettings } from '../../core/settings.js';
import { traceKey, type StatementContext, type WorkloadWaits } from './context.js';
import { PARTITION_RULES } from './partition-rules.js';
import { WorkloadProbe } from './probe.js';
import { tableRewrite } from './rewrite-rules.js';
import { RepeatedAlterWatch } from './repeated-alter.js';
import { Scope } from './scope.js';
import { OBJECT_RULES, STATIC_RULES } from './rules/index.js';
import { concurrentlyInTransaction } from './rules/concurrently-in-transaction.js';
import { refusedByTransaction } from './rules/refused-in-transaction.js';
import { TransactionWatch } from './transaction-watch.js';
import { transactionLayout } from './transactions.js';

/**
 * The locks gate: what each statement of the PR locks and rewrites on tables that existed
 * before it, read from the replay trace of the first tenant (tenants share one schema), placed
 * and explained with the parsed statement, and measured against a concurrent workload.
 */

function analyseMigration(
  migration: Migration,
  scope: Scope,
  traces: Map<string, StatementTrace>,
  settings: LocksSettings,
  workload: WorkloadWaits | undefined,
): Finding[] {
  const script = migration.up;
  const layout = transactionLayout(script);
  const watch = new TransactionWatch();
  const repeated = new RepeatedAlterWatch();
  const out: Finding[] = [];
  script.statements.forEach((stmt, index) => {
    const trace = traces.get(traceKey(stmt.file, stmt.line));
    const sc: StatementContext = {
      migration,
      script,
      stmt,
      index,
      layout,
      trace,
      scope,
      settings,
      workload,
    };
    out.push(...tableRewrite(sc), ...concurrentlyInTransaction(sc));
    out.push(...refusedByTransaction(sc, script.statements.slice(0, index)));
    for (const rule of [...STATIC_RULES, ...OBJECT_RULES, ...PARTITION_RULES])
      out.push(...rule(sc));
    watch.observe(sc);
    repeated.observe(sc);
    scope.apply(stmt);
  });
  return [...out, ...watch.finish(), ...repeated.finish()];
}

/** Exposes the probe's measurement in the trace, so that reports can show it per statement. */
function recordWaits(ctx: GateContext, tenant: TenantHandle, workload: WorkloadWaits): void {
  for (const t of ctx.trace.pr.find((x) => x.tenant === tenant.name)?.statements ?? []) {
    const ms = workload.waits.get(traceKey(t.file, t.line));
    if (ms !== undefined) t.maxWorkloadWaitMs = Math.round(ms * 10) / 10;
  }
}

/** The workload probe for the walk, when it can measure: every added migration replayed. */
function workloadProbe(ctx: GateContext): WorkloadProbe | undefined {
  const settings = ctx.options.settings.locks;
  const tenant = ctx.tenants[0];
  if (!settings.workload.enabled || !tenant || ctx.plan.added.length === 0) return undefined;
  // A migration that failed (or hung) in replay would only fail again under the workload.
  if (ctx.trace.pr.some((t) => t.failedMigration)) return undefined;
  return new WorkloadProbe(
    ctx,
    settings,
    new Scope(ctx.before.get(tenant.name), tenant),
    traceMap(ctx, tenant),
  );
}

/** What the probe measured in the walk, recorded in the trace; undefined when it did not run. */
function measured(
  ctx: GateContext,
  tenant: TenantHandle,
  walked?: Walked,
): WorkloadWaits | undefined {
  const probe = walked?.walker;
  if (!(probe instanceof WorkloadProbe)) return undefined;
  if (probe.error !== undefined) {
    // The probe measures; the rules still hold without it.
    ctx.logger.warn(
      `locks: the concurrent workload probe did not run: ${getErrorMessage(probe.error)}`,
    );
    return undefined;
  }
  recordWaits(ctx, tenant, probe.result);
  return probe.result;
}

function traceMap(ctx: GateContext, tenant: TenantHandle): Map<string, StatementTrace> {
  const tenantTrace = ctx.trace.pr.find((t) => t.tenant === tenant.name);
  return new Map((tenantTrace?.statements ?? []).map((t) => [traceKey(t.file, t.line), t]));
}

function byPlace(a: Finding, b: Finding): number {
  return (
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.rule.localeCompare(b.rule)
  );
}

function locksFindings(ctx: GateContext, walked?: Walked): Finding[] {
  const settings = ctx.options.settings.locks;
  const tenant = ctx.tenants[0];
  if (!tenant || ctx.plan.added.length === 0) return [];
  const traces = traceMap(ctx, tenant);
  const workload = measured(ctx, tenant, walked);
  const scope = new Scope(ctx.before.get(tenant.name), tenant);
  const findings = ctx.plan.added.flatMap((m) =>
    analyseMigration(m, scope, traces, settings, workload),
  );
  return findings.sort(byPlace);
}

export const locksGate: Gate = {
  id: 'locks',
  title: 'Locks and rewrites',
  walker: workloadProbe,
  async run(ctx, walked) {
    return { findings: locksFindings(ctx, walked) };
  },
};
