import type { Finding } from '../core/model.js';
import type { TenantTrace } from '../core/trace.js';
import { REPLAY } from '../rules/index.js';
import type { Baseline, BaselineVariant } from './baseline.js';

/**
 * With a snapshot, each variant's representative was checked for all the tenants of its variant:
 * every finding names the production tenants it applies to (the first few, and how many), and a
 * PR migration that fails on some variants only says on how many of production's tenants.
 */

/** How many tenant names a finding lists. */
const NAMED = 5;

export function findingsForVariants(
  findings: Finding[],
  baseline: Baseline | undefined,
  traces: TenantTrace[],
): Finding[] {
  if (baseline?.kind !== 'snapshot') return findings;
  const byRepresentative = new Map(baseline.variants.map((v) => [v.representative!, v]));
  return findings.map((f) => {
    const reps = f.tenants ?? (f.tenant ? [f.tenant] : undefined);
    const variants = reps
      ? reps.map((r) => byRepresentative.get(r)).filter((v) => v !== undefined)
      : baseline.variants;
    if (variants.length === 0) return f;
    const names = variants.flatMap((v) => v.tenants);
    const { tenant: _one, ...rest } = f;
    void _one;
    const listed: Finding = {
      ...rest,
      ...(names.length === 1 ? { tenant: names[0] } : {}),
      tenants: names.slice(0, NAMED),
      tenantCount: names.length,
    };
    const some = variants.length < baseline.variants.length;
    return some && isReplayFailure(f) ? failsOnSome(listed, variants, baseline, traces) : listed;
  });
}

const isReplayFailure = (f: Finding) => f.rule === REPLAY.failed.id || f.rule === REPLAY.timeout.id;

/** `file:line: fails on 2 of 20 tenants (variant b): <Postgres' message> (SQLSTATE …)`. */
function failsOnSome(
  f: Finding,
  variants: BaselineVariant[],
  baseline: Baseline,
  traces: TenantTrace[],
): Finding {
  const rep = variants[0].representative;
  const failed = traces
    .find((t) => t.tenant === rep)
    ?.statements.find((s) => s.error && s.file === f.file && s.line === f.line);
  if (!failed?.error) return f;
  const where = /^(\S+?:\d+): /.exec(f.message)?.[1] ?? `${f.file}:${f.line}`;
  const e = failed.error;
  const total = baseline.tenantCount ?? 0;
  const count = f.tenantCount ?? 0;
  const which = `variant${variants.length > 1 ? 's' : ''} ${variants.map((v) => v.name).join(', ')}`;
  const extra = [e.detail && `Detail: ${e.detail}`, e.hint && `Hint: ${e.hint}`].filter(Boolean);
  const message = `${where}: fails on ${count.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} tenants (${which}): ${e.message} (SQLSTATE ${e.sqlstate})`;
  return { ...f, message: [message, ...extra].join('. ') };
}
