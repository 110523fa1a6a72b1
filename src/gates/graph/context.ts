/** Reading the gate context the way every graph rule needs it. */
import type { CatalogSnapshot } from '../../catalog/types.js';
import type { Migration, Statement } from '../../core/model.js';
import type { GateContext } from '../gate.js';
import { displayName } from '../../sql/names.js';

export interface PlacedStatement {
  migration: Migration;
  statement: Statement;
  /** Position among all the PR's up statements, in the order they run. */
  order: number;
}

/** Every up statement of the PR's migrations, in the order production runs them. */
export function prStatements(ctx: Pick<GateContext, 'plan'>): PlacedStatement[] {
  let order = 0;
  return ctx.plan.added.flatMap((migration) =>
    migration.up.statements.map((statement) => ({ migration, statement, order: order++ })),
  );
}

/**
 * The catalog before and after the PR of one tenant: tenants share one schema definition, so the
 * first tenant whose snapshots both exist speaks for all of them.
 */
export function snapshots(
  ctx: Pick<GateContext, 'tenants' | 'before' | 'after'>,
): { tenant: string; before: CatalogSnapshot; after: CatalogSnapshot } | undefined {
  for (const t of ctx.tenants) {
    const before = ctx.before.get(t.name);
    const after = ctx.after.get(t.name);
    if (before && after) return { tenant: t.name, before, after };
  }
  return undefined;
}

/** `$tenant.users` → `users`, `public.plans` → `plans`: how people name their tables. */
export function displayTable(name: string): string {
  return displayName(name, { implicitSchemas: ['$tenant', 'public'] });
}
