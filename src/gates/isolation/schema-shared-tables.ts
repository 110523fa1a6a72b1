import type { CatalogSnapshot, TableInfo } from '../../catalog/types.js';
import type { Finding } from '../../core/model.js';
import { TENANT_PLACEHOLDER } from '../../catalog/normalise.js';
import type { IsolationSettings } from '../../core/settings.js';
import type { GateContext } from '../gate.js';
import { resolveContext } from './context.js';
import type { StatementLocator } from './locate.js';
import { bareName } from './names.js';
import { sharedStaticFindings } from './shared-static.js';
import type { StaticInput } from './static-input.js';
import { isTable, policiesOf, tenantColumnOf } from './tenant-scope.js';

/**
 * The schema topology keeps tenants apart by schema, but a tenant migration may still create or
 * change a table of a shared schema (`public.audit_log`), which every tenant then reads. Such a
 * table gets the shared topology's row-level security rules when it holds the tenant column or
 * has policies; what the merged state already had is left out.
 */
export function sharedTableFindings(
  ctx: GateContext,
  settings: IsolationSettings,
  locator: StatementLocator,
): Finding[] {
  const tenant = ctx.tenants[0];
  const after = tenant && ctx.after.get(tenant.name);
  if (!after) return [];
  const touched = (t: TableInfo) => {
    const name = bareName(t.name);
    return (
      locator.inPr({ kind: 'table', name }) !== undefined ||
      policiesOf(after, t).some((p) => locator.inPr({ kind: 'policy', name: p.name, table: name }))
    );
  };
  const tables = after.tables.filter(
    (t) =>
      isTable(t) &&
      !t.name.startsWith(`${TENANT_PLACEHOLDER}.`) &&
      (tenantColumnOf(t, ctx.options.tenantColumn) || policiesOf(after, t).length) &&
      touched(t),
  );
  if (!tables.length) return [];
  const input = (snapshot: CatalogSnapshot): StaticInput => ({
    snapshot: only(snapshot, tables),
    locator,
    pgMajor: Number.parseInt(ctx.cluster.postgresVersion, 10) || 0,
    tenantColumn: ctx.options.tenantColumn,
    tenantSetting: ctx.options.tenantSetting,
    settings: { ...settings, tenantTables: [] },
    schema: tenant.schema,
    context: resolveContext(ctx.options),
  });
  const before = ctx.before.get(tenant.name);
  const was = new Set(before ? sharedStaticFindings(input(before)).map((k) => k.key) : []);
  return sharedStaticFindings(input(after))
    .filter((k) => !was.has(k.key))
    .map((k) => k.finding);
}

/** The snapshot reduced to the tables and their policies (no views, no functions). */
function only(snapshot: CatalogSnapshot, tables: TableInfo[]): CatalogSnapshot {
  const names = new Set(tables.map((t) => t.name));
  return {
    ...snapshot,
    tables: snapshot.tables.filter((t) => names.has(t.name)),
    policies: snapshot.policies.filter((p) => names.has(p.table)),
    functions: [],
    grants: snapshot.grants.filter((g) => [...names].some((n) => g.object === `table ${n}`)),
  };
}
