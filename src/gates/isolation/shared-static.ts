import type { CatalogSnapshot, PolicyInfo, TableInfo } from '../../catalog/types.js';
import type { Finding } from '../../core/model.js';
import { quoteIdentIfNeeded as sqlName } from '../../sql/ident.js';
import type { StatementLocator, ObjectQuery } from './locate.js';
import { bareName, matchesConfigured } from './names.js';
import { ISOLATION, finding, type Rule } from '../../rules/index.js';
import {
  isTable,
  policiesOf,
  policyExpressions,
  policyProblem,
  policyTemplate,
  readsAny,
  tenantColumnOf,
  tenantScope,
  uncoveredCommands,
  type ScopeOptions,
  type TenantScope,
} from './tenant-scope.js';

/** A finding with the object it is about, so that findings already true before the PR drop out. */
export interface Keyed {
  key: string;
  /** Bare name of the table the finding is about, when it is about one. */
  table?: string;
  finding: Finding;
}

export interface StaticInput extends ScopeOptions {
  snapshot: CatalogSnapshot;
  locator: StatementLocator;
  /** Server major version: security_invoker needs 15. */
  pgMajor: number;
}

function keyed(
  rule: Rule,
  object: string,
  q: ObjectQuery,
  input: StaticInput,
  fields: { message: string; help: string },
  table?: string,
): Keyed {
  const at = input.locator.find(q);
  return {
    key: `${rule.id} ${object}`,
    ...(table ? { table } : {}),
    finding: finding(rule, { ...(at ?? {}), ...fields }),
  };
}

function tableQuery(table: TableInfo, actions: ObjectQuery['actions']): ObjectQuery {
  return { kind: 'table', name: bareName(table.name), actions };
}

function rlsFindings(
  t: TableInfo,
  policies: PolicyInfo[],
  scope: TenantScope,
  input: StaticInput,
): Keyed[] {
  const name = bareName(t.name);
  const template = policyTemplate(t, input);
  if (!t.rlsEnabled) {
    if (policies.length) return []; // policy-without-rls says it
    const q = tableQuery(t, ['create', 'alter', 'rls-disable']);
    const message = `table ${name} has the tenant column ${input.tenantColumn} but row-level security is not enabled: every tenant reads every tenant's rows`;
    return [keyed(ISOLATION.rlsNotEnabled, name, q, input, { message, help: template }, name)];
  }
  const out: Keyed[] = [];
  if (!t.rlsForced) {
    const q = tableQuery(t, ['rls-enable', 'create', 'alter']);
    const message = `table ${name} has row-level security enabled but not forced: its owner (${t.owner}) and any role connecting as the owner bypass the tenant policies`;
    out.push(
      keyed(
        ISOLATION.rlsNotForced,
        name,
        q,
        input,
        { message, help: `ALTER TABLE ${sqlName(name)} FORCE ROW LEVEL SECURITY;` },
        name,
      ),
    );
  }
  const missing = uncoveredCommands(policies, scope);
  if (missing.length) {
    const q = tableQuery(t, ['rls-enable', 'create', 'alter']);
    const message = `table ${name} has no policy comparing ${input.tenantColumn} with current_setting('${input.tenantSetting}') for ${missing.join(', ')}`;
    out.push(keyed(ISOLATION.policyMissing, name, q, input, { message, help: template }, name));
  }
  return out;
}

function policyFindings(
  t: TableInfo,
  policies: PolicyInfo[],
  scope: TenantScope,
  input: StaticInput,
): Keyed[] {
  const name = bareName(t.name);
  return policies.flatMap((p) => {
    const problem = p.permissive ? policyProblem(p, scope) : undefined;
    if (!problem) return [];
    const message = `policy ${p.name} on ${name} (${p.command}) does not keep rows to the current tenant: ${problem} (${policyExpressions(p, scope)}); permissive policies are ORed, so it opens the table to every tenant`;
    const help = `Compare the tenant column with the tenant setting in every expression (extra conditions may be ANDed, not ORed), or make the policy RESTRICTIVE. ${policyTemplate(t, input)}`;
    const at: ObjectQuery = {
      kind: 'policy',
      name: p.name,
      table: name,
      actions: ['alter', 'create'],
    };
    return [
      keyed(
        ISOLATION.policyWithoutTenantCheck,
        `${name}.${p.name}`,
        at,
        input,
        { message, help },
        name,
      ),
    ];
  });
}

function policiesWithoutRls(snapshot: CatalogSnapshot, input: StaticInput): Keyed[] {
  return snapshot.tables
    .filter((t) => isTable(t) && !t.rlsEnabled && policiesOf(snapshot, t).length > 0)
    .map((t) => {
      const name = bareName(t.name);
      const names = policiesOf(snapshot, t).map((p) => p.name);
      const message = `table ${name} has policies (${names.join(', ')}) but row-level security is disabled, so none of them applies`;
      const q = tableQuery(t, ['rls-disable', 'create', 'alter']);
      return keyed(
        ISOLATION.policyWithoutRls,
        name,
        q,
        input,
        {
          message,
          help: `ALTER TABLE ${sqlName(name)} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`,
        },
        name,
      );
    });
}

function viewFindings(scope: TenantScope, input: StaticInput): Keyed[] {
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

/** The application role for help texts: the configured one, else a placeholder to fill in. */
export function appRoleSql(configured: string | undefined): string {
  return configured ? sqlName(configured) : '<application role>';
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

function functionFindings(
  snapshot: CatalogSnapshot,
  scope: TenantScope,
  input: StaticInput,
): Keyed[] {
  const out: Keyed[] = [];
  const data = [...scope.tables, ...scope.views];
  for (const f of snapshot.functions.filter((x) => x.securityDefiner)) {
    const shown = f.name.replace(/^\$tenant\./, '');
    const bare = bareName(f.name.slice(0, f.name.indexOf('(')));
    const q: ObjectQuery = { kind: 'function', name: bare, actions: ['create'] };
    const reads = readsAny(f.body, data).map((r) => bareName(r.name));
    if (reads.length) {
      const message = `SECURITY DEFINER function ${shown} reads tenant-scoped ${reads.join(', ')} with the rights of its owner (${f.owner ?? 'unknown'}), bypassing row-level security`;
      const help = `Make it SECURITY INVOKER, or filter every query in it on current_setting('${input.tenantSetting}') and own it by a role without BYPASSRLS that is subject to FORCE ROW LEVEL SECURITY.`;
      out.push(keyed(ISOLATION.definerReadsTenantData, f.name, q, input, { message, help }));
    }
    if (!f.config.some((c) => c.startsWith('search_path='))) {
      const message = `SECURITY DEFINER function ${shown} has no fixed search_path: a caller can put objects of its own in front of the ones it means and run them with the owner's rights`;
      out.push(
        keyed(ISOLATION.definerSearchPath, f.name, q, input, {
          message,
          help: `ALTER FUNCTION ${shown} SET search_path = pg_catalog, pg_temp; (and schema-qualify the names in its body)`,
        }),
      );
    }
  }
  return out;
}

function publicGrants(snapshot: CatalogSnapshot, scope: TenantScope, input: StaticInput): Keyed[] {
  const data = [...scope.tables, ...scope.views];
  return data.flatMap((t) => {
    const privileges = snapshot.grants
      .filter((g) => g.object === `table ${t.name}` && g.grantee === 'PUBLIC' && !g.revoked)
      .map((g) => g.privilege);
    if (!privileges.length) return [];
    const name = bareName(t.name);
    const message = `${privileges.join(', ')} on tenant-scoped ${name} is granted to PUBLIC: every role of the cluster gets it, including roles that are not subject to the tenant policies`;
    const q: ObjectQuery = { kind: 'table', name, actions: ['grant'] };
    return [
      keyed(ISOLATION.grantToPublic, name, q, input, {
        message,
        help: `REVOKE ALL ON ${sqlName(name)} FROM PUBLIC; GRANT ${privileges.join(', ')} ON ${sqlName(name)} TO <application role>;`,
      }),
    ];
  });
}

function configuredTenantTables(snapshot: CatalogSnapshot, input: StaticInput): Keyed[] {
  return input.settings.tenantTables.flatMap((configured) => {
    const table = snapshot.tables.find(
      (t) => isTable(t) && matchesConfigured(configured, t.name, input.schema),
    );
    if (table && tenantColumnOf(table, input.tenantColumn)) return [];
    const name = bareName(configured);
    const message = table
      ? `table ${name} is configured as tenant-scoped (settings.isolation.tenantTables) but has no ${input.tenantColumn} column`
      : `table ${name} is configured as tenant-scoped (settings.isolation.tenantTables) but does not exist`;
    const q: ObjectQuery = { kind: 'table', name, actions: ['create', 'alter'] };
    return [
      keyed(
        ISOLATION.tenantColumnMissing,
        `${name} ${table ? 'without column' : 'absent'}`,
        q,
        input,
        {
          message,
          help: `ALTER TABLE ${sqlName(name)} ADD COLUMN ${sqlName(input.tenantColumn)} <type> NOT NULL; then enable, force and add tenant policies.`,
        },
        name,
      ),
    ];
  });
}

/** Every static shared-topology finding true of one catalog. */
export function sharedStaticFindings(input: StaticInput): Keyed[] {
  const { snapshot } = input;
  const scope = tenantScope(snapshot, input);
  const out: Keyed[] = [];
  for (const t of scope.tables) {
    const policies = policiesOf(snapshot, t);
    out.push(
      ...rlsFindings(t, policies, scope, input),
      ...policyFindings(t, policies, scope, input),
    );
  }
  out.push(...policiesWithoutRls(snapshot, input));
  out.push(...viewFindings(scope, input), ...functionFindings(snapshot, scope, input));
  out.push(...publicGrants(snapshot, scope, input), ...configuredTenantTables(snapshot, input));
  return out;
}
