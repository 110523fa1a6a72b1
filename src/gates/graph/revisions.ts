/**
 * Alembic orders migrations by a revision graph (`down_revision`), not by version: the PR must
 * leave exactly one head, and every parent it names must exist.
 */
import type { Finding, Migration } from '../../core/model.js';
import type { GateContext } from '../gate.js';
import { GRAPH } from '../../rules/index.js';
import { missingParentFinding, multipleHeadsFinding } from '../../rules/graph-findings.js';

/** Revisions no other revision names as a parent. */
export function heads(migrations: Migration[]): Migration[] {
  const parents = new Set(migrations.flatMap((m) => m.parents ?? []));
  return migrations.filter((m) => !parents.has(m.id));
}

const reported = (ctx: GateContext, rule: string) =>
  ctx.discovery.findings.some((f) => f.rule === rule);

export function multipleHeadsFindings(ctx: GateContext): Finding[] {
  if (ctx.discovery.format !== 'alembic' || reported(ctx, GRAPH.multipleHeads.id)) return [];
  const all = heads(ctx.discovery.migrations);
  if (all.length < 2) return [];
  const added = new Set(ctx.plan.added.map((m) => m.id));
  return all
    .filter((m) => added.has(m.id))
    .map((m) => multipleHeadsFinding(m, all, m.parentsLine ?? 1, 'gate'));
}

export function missingParentFindings(ctx: GateContext): Finding[] {
  if (ctx.discovery.format !== 'alembic' || reported(ctx, GRAPH.missingParent.id)) return [];
  const ids = new Set(ctx.discovery.migrations.map((m) => m.id));
  return ctx.discovery.migrations.flatMap((m) =>
    (m.parents ?? [])
      .filter((p) => !ids.has(p))
      .map((p) => missingParentFinding(m, p, 'down_revision', m.parentsLine ?? 1, 'gate')),
  );
}
