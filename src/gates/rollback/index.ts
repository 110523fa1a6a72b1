import type { Finding } from '../../core/model.js';
import type { Gate, GateContext, Walked } from '../gate.js';
import { checkChain } from './chain.js';
import { formatHasNoDowns, missingDowns, noDownsNotice } from './missing.js';
import { PairCheck, checkPairs } from './pair.js';
import { Sandbox } from '../sandbox.js';
import type { RollbackSettings } from '../../core/settings.js';

async function rollbackFindings(ctx: GateContext, walked?: Walked): Promise<Finding[]> {
  const settings = ctx.options.settings.rollback;
  if (ctx.plan.added.length === 0) return [];
  if (formatHasNoDowns(ctx.discovery)) return [noDownsNotice(ctx.discovery)];
  const out = missingDowns(ctx.plan.added, settings.missingDown);
  const stopAt = firstFailedUp(ctx);
  const tenants = tenantsToCheck(ctx, settings);
  const perTenant: Finding[][] = [];
  // The first tenant's pairs ran in the walk; the others' run in a copy of the base of their own.
  const walkedPairs =
    walked?.walker instanceof PairCheck && walked.sandbox
      ? { check: walked.walker, sandbox: walked.sandbox, tenant: ctx.tenants[0]?.name }
      : undefined;
  for (const tenant of tenants) {
    const inWalk = walkedPairs?.tenant === tenant ? walkedPairs : undefined;
    if (inWalk && inWalk.check.error !== undefined) throw inWalk.check.error;
    const sandbox = inWalk?.sandbox ?? new Sandbox(ctx, tenant, 'rollback');
    try {
      // The pairs leave the copy fully migrated, where the chain starts.
      const pairs = inWalk ? inWalk.check.findings : await checkPairs(ctx, sandbox, stopAt);
      const chain =
        stopAt === ctx.plan.added.length
          ? await checkChain(ctx, sandbox, chainLength(ctx, settings))
          : [];
      perTenant.push(withoutRepeats([...pairs, ...chain]).map((f) => ({ ...f, tenant })));
    } finally {
      if (!inWalk) await sandbox.close();
    }
  }
  return [...out, ...foldTenants(perTenant, tenants.length, settings)];
}

/** The pair checks of the first tenant, in the walk: every added migration before a failed one. */
function pairCheck(ctx: GateContext): PairCheck | undefined {
  if (ctx.plan.added.length === 0 || formatHasNoDowns(ctx.discovery)) return undefined;
  const stopAt = firstFailedUp(ctx);
  return stopAt > 0 ? new PairCheck(ctx, stopAt) : undefined;
}

/**
 * Rollback: for every added migration, up → down restores the catalog and the rows of
 * pre-existing tables and up applies again; the added migrations roll back in reverse order and
 * roll forward again; added migrations without a down are reported.
 */
export const rollbackGate: Gate = {
  id: 'rollback',
  title: 'Rollback',
  walker: pairCheck,
  async run(ctx, walked) {
    return { findings: await rollbackFindings(ctx, walked) };
  },
};

/** Index of the first added migration that failed on some tenant in replay (the replay gate reports it). */
function firstFailedUp(ctx: GateContext): number {
  const failed = new Set(ctx.trace.pr.map((t) => t.failedMigration).filter(Boolean));
  const index = ctx.plan.added.findIndex((m) => failed.has(m.id));
  return index === -1 ? ctx.plan.added.length : index;
}

function tenantsToCheck(ctx: GateContext, settings: RollbackSettings): string[] {
  const names = ctx.tenants.map((t) => t.name);
  // Tenants of one template in their own databases, or one shared schema: one stands for all.
  if (settings.tenants === 'one' || !ctx.topology.schemaPerTenant) return names.slice(0, 1);
  return names;
}

function chainLength(ctx: GateContext, settings: RollbackSettings): number {
  return settings.chain === 'all'
    ? ctx.plan.added.length
    : Math.min(settings.chain, ctx.plan.added.length);
}

/** A down that fails in the pair check fails the same way in the chain: report it once. */
function withoutRepeats(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.rule}\u0000${f.file}\u0000${f.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Findings every checked tenant shares are reported once without a tenant; with one tenant
 * checked, it stands for all of them.
 */
function foldTenants(perTenant: Finding[][], count: number, settings: RollbackSettings): Finding[] {
  const all = perTenant.flat();
  if (settings.tenants === 'one' || count === 1) return all.map(({ tenant: _t, ...f }) => f);
  const keyOf = (f: Finding) => `${f.rule}\u0000${f.file}\u0000${f.line}\u0000${f.message}`;
  const tenantsByKey = new Map<string, Set<string>>();
  for (const f of all)
    tenantsByKey.set(keyOf(f), (tenantsByKey.get(keyOf(f)) ?? new Set()).add(f.tenant!));
  const out: Finding[] = [];
  const emitted = new Set<string>();
  for (const f of all) {
    const key = keyOf(f);
    if (tenantsByKey.get(key)!.size < count) out.push(f);
    else if (!emitted.has(key)) {
      emitted.add(key);
      const { tenant: _t, ...shared } = f;
      out.push(shared);
    }
  }
  return out;
}
