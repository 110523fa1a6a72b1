import type { CatalogChange } from '../../catalog/types.js';

/**
 * Differences a down cannot undo in SQL, and that do no harm when left: they are not
 * `rollback-incomplete`.
 * - `validated`: a VALIDATE CONSTRAINT cannot be taken back, and a down that re-creates a
 *   constraint NOT VALID (so as not to scan under lock) leaves it unvalidated; either way the
 *   constraint is there and enforced for new rows.
 * - `columnOrder`: a down that re-adds a dropped column can only add it at the end.
 * - enum labels added (ALTER TYPE ... ADD VALUE): Postgres cannot drop an enum value.
 */
function undoable(change: CatalogChange, p: { property: string; before: unknown; after: unknown }) {
  if (p.property === 'validated' || p.property === 'columnOrder') return false;
  if (change.kind === 'type' && p.property === 'labels') return !onlyAdded(p.before, p.after);
  return true;
}

/** Every label of `before` is still there, in the same order, with more around them. */
function onlyAdded(before: unknown, after: unknown): boolean {
  if (!Array.isArray(before) || !Array.isArray(after)) return false;
  let i = 0;
  for (const label of after) if (label === before[i]) i++;
  return i === before.length;
}

/**
 * Also left out, in the schema-per-tenant topology: extensions. One exists per database, shared
 * by every tenant, so one tenant's down must not drop what its up created (the isolation gate
 * reports a tenant down that does).
 */
export function withoutIrreversible(
  changes: CatalogChange[],
  schemaPerTenant = false,
): CatalogChange[] {
  return changes.flatMap((change) => {
    if (schemaPerTenant && change.kind === 'extension') return [];
    if (change.change !== 'changed') return [change];
    const properties = (change.properties ?? []).filter((p) => undoable(change, p));
    return properties.length > 0 ? [{ ...change, properties }] : [];
  });
}
