import type { TableInfo } from '../../../catalog/types.js';
import { quoteIdentIfNeeded as sqlName } from '../../../sql/ident.js';
import { bareName } from '../names.js';
import { ISOLATION } from '../../../rules/index.js';
import { readsAny, type TenantScope } from '../tenant-scope.js';
import { appRoleSql, keyed, type Keyed, type StaticInput } from '../static-input.js';

export function viewFindings(scope: TenantScope, input: StaticInput): Keyed[] {
  const data = [...scope.tables, ...scope.views];
  return scope.views
    .filter((v) => v.kind === 'materialized view' || v.securityInvoker !== true)
    .map((v) => {
      const name = bareName(v.name);
      const over = readsAny(v.viewDefinition, data).map((r) => bareName(r.name));
      const { message, help } =
        v.kind === 'materialized view'
          ? materializedViewText(v, name, over, input)
          : viewText(v, name, over, input);
      return keyed(
        ISOLATION.viewWithoutInvoker,
        name,
        { kind: 'view', name, actions: ['create', 'alter'] },
        input,
        { message, help },
      );
    });
}

function viewText(v: TableInfo, name: string, over: string[], input: StaticInput) {
  return {
    message: `view ${name} reads tenant-scoped ${over.join(', ')} with the rights of its owner (${v.owner}), so row-level security is bypassed and every tenant sees every tenant's rows`,
    help:
      input.pgMajor >= 15
        ? `ALTER VIEW ${sqlName(name)} SET (security_invoker = true);`
        : `Postgres ${input.pgMajor} has no security_invoker: filter the view on current_setting('${input.tenantSetting}') and mark it security_barrier, or upgrade to Postgres 15+.`,
  };
}

function materializedViewText(v: TableInfo, name: string, over: string[], input: StaticInput) {
  const replacement =
    input.pgMajor >= 15
      ? `a view WITH (security_invoker = true) over the same query (DROP MATERIALIZED VIEW ${sqlName(name)}; CREATE VIEW ${sqlName(name)} WITH (security_invoker = true) AS ...)`
      : `a security_barrier view over the same query that filters on current_setting('${input.tenantSetting}')`;
  return {
    message: `materialized view ${name} stores rows of tenant-scoped ${over.join(', ')}: a materialized view has no row-level security (and no security_invoker), so every role that can select it sees every tenant's rows`,
    help: `Replace it with ${replacement}, or with a table that has the tenant column and row-level security, filled by the refresh job; until then do not grant it to the application role: REVOKE SELECT ON ${sqlName(name)} FROM ${appRoleSql(input.settings.appRole)};`,
  };
}
