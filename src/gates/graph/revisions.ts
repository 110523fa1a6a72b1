/**
 * Alembic orders migrations by a revision graph (`down_revision`), not by version: the PR must
 * leave exactly one head, and every parent it names must exist.
 */
import type { Finding, Migration } from '../../core/model.js';
import { finding, type GateContext } from '../gate.js';
import { GATE_ID, RULES } from './rules.js';

/** Revisions no other revision names as a parent. */
export function heads(migrations: Migration[]): Migration[] {
  const parents = new Set(migrations.flatMap((m) => m.parents ?? []));
  return migrations.filter((m) => !parents.has(m.id));
}

const reported = (ctx: GateContext, rule: string) =>
  ctx.discovery.findings.some((f) => f.rule === rule);

export function multipleHeadsFindings(ctx: GateContext): Finding[] {
  if (ctx.discovery.format !== 'alembic' || reported(ctx, RULES.multipleHeads.id)) return [];
  const all = heads(ctx.discovery.migrations);
  if (all.length < 2) return [];
  const added = new Set(ctx.plan.added.map((m) => m.id));
  const names = all.map((m) => m.id).join(', ');
  return all
    .filter((m) => added.has(m.id))
    .map((m) =>
      finding(GATE_ID, RULES.multipleHeads, {
        file: m.file,
        line: m.parentsLine ?? 1,
        message: `revision ${m.id} makes the history branch: heads ${names}; \`alembic upgrade head\` fails with "Multiple head revisions are present"`,
        help: `Point down_revision at the current head, or add a merge revision: alembic merge -m "merge heads" ${all.map((h) => h.id).join(' ')}`,
      }),
    );
}

export function missingParentFindings(ctx: GateContext): Finding[] {
  if (ctx.discovery.format !== 'alembic' || reported(ctx, RULES.missingParent.id)) return [];
  const ids = new Set(ctx.discovery.migrations.map((m) => m.id));
  return ctx.discovery.migrations.flatMap((m) =>
    (m.parents ?? [])
      .filter((p) => !ids.has(p))
      .map((p) =>
        finding(GATE_ID, RULES.missingParent, {
          file: m.file,
          line: m.parentsLine ?? 1,
          message: `revision ${m.id} names down_revision ${p}, which no migration file defines; Alembic cannot build the revision graph ("Revision ${p} referenced from ${m.id} is not present")`,
          help: `Set down_revision to an existing revision (the current head is usually meant), or restore the file of revision ${p}.`,
        }),
      ),
  );
}
