import { definerSearchPathFindings } from './rules/security-definer-tenant-access.js';
import type { Finding } from '../../core/model.js';
import type { GateContext, TenantHandle } from '../gate.js';
import { quoteIdentIfNeeded } from '../../sql/ident.js';
import { runLeakTest } from './leak-test.js';
import { admitAppRole, type AdmittedRole } from './leak-role.js';
import type { StatementLocator } from './locate.js';
import { bareName } from './names.js';
import { otherSchemaFunctions } from './other-functions.js';
import { weakenedPolicies } from './policy-weakened.js';
import { ISOLATION, finding } from '../../rules/index.js';
import type { IsolationSettings } from '../../core/settings.js';
import { sharedStaticFindings } from './shared-static.js';
import type { Keyed, StaticInput } from './static-input.js';
import { policiesOf, policyProblem, tenantScope } from './tenant-scope.js';
import type { CatalogSnapshot } from '../../catalog/types.js';
import { apiLints } from './api-lints.js';
import { claimPaths } from './claims.js';
import { isSettingContext, resolveContext, type ResolvedContext } from './context.js';
import type { LeakCause } from './leak-test.js';

/** Rules about a table's state that a weakening finding on the same table already explains. */
const STATE_RULES = new Set<string>([
  ISOLATION.rlsNotEnabled.id,
  ISOLATION.rlsNotForced.id,
  ISOLATION.policyMissing.id,
  ISOLATION.policyWithoutTenantCheck.id,
  ISOLATION.policyWithoutRls.id,
]);

function newOnly(now: Keyed[], before: Keyed[]): Keyed[] {
  const old = new Set(before.map((k) => k.key));
  return now.filter((k) => !old.has(k.key));
}

function staticFindings(ctx: GateContext, input: StaticInput, tenant: TenantHandle): Finding[] {
  const before = ctx.before.get(tenant.name);
  const now = sharedStaticFindings(input);
  const was = before ? sharedStaticFindings({ ...input, snapshot: before }) : [];
  const weakened = before ? weakenedPolicies(before, input) : [];
  const weakTables = new Set(weakened.map((w) => w.table));
  const state = newOnly(now, was).filter(
    (k) => !(k.table && weakTables.has(k.table) && STATE_RULES.has(k.finding.rule)),
  );
  return [...weakened, ...state].map((k) => k.finding);
}

/** The PR's SECURITY DEFINER functions with no fixed search_path (those the base had are not its). */
function definerSearchPath(ctx: GateContext, input: StaticInput, tenant: TenantHandle): Finding[] {
  const before = ctx.before.get(tenant.name);
  const was = before ? definerSearchPathFindings(before, input) : [];
  return newOnly(definerSearchPathFindings(input.snapshot, input), was).map((k) => k.finding);
}

/**
 * Where a leak of each tenant table comes from when a statement of the PR causes it: the policy
 * that does not keep rows to the tenant, else the PR's drop of a policy or of row-level security.
 * Tables missing here are reported at the statement that created them.
 */
function leakCauses(input: StaticInput): Map<string, LeakCause> {
  const scope = tenantScope(input.snapshot, input);
  const causes = new Map<string, LeakCause>();
  for (const t of scope.tables) {
    const name = bareName(t.name);
    const permissive = policiesOf(input.snapshot, t).filter((p) => p.permissive);
    const flagged = permissive.filter((p) => policyProblem(p, scope));
    // Under an identity context a policy may name the tenant and the user and still let rows
    // through: the PR's latest permissive policy on the table is the suspect then.
    const open = flagged.length || isSettingContext(input.context) ? flagged : permissive.reverse();
    const located = open
      .map((p) => {
        const at = input.locator.inPr({
          kind: 'policy',
          name: p.name,
          table: name,
          actions: ['alter', 'create'],
        });
        return at && { ...at, policy: p.name };
      })
      .find((w) => w !== undefined);
    const at = located ?? input.locator.weakeningInPr(name);
    if (at) causes.set(name, at);
  }
  return causes;
}

async function leakTestOn(
  ctx: GateContext,
  tenant: TenantHandle,
  input: StaticInput,
  settings: IsolationSettings,
  tables: string[],
): Promise<Keyed[]> {
  // The test writes rows (triggers, defaults) and reads views: as the migration role, never the
  // superuser. A superuser session only creates the application role and admits the test's.
  const client = await ctx.databases.connect(tenant);
  const admin = await ctx.databases.connectAsSuperuser(tenant.database, { catalogOnly: true });
  const admitted: AdmittedRole[] = [];
  const context = input.context ?? resolveContext(ctx.options);
  try {
    return await runLeakTest({
      client,
      schemas: tenant.searchPath,
      tenantColumn: input.tenantColumn,
      context,
      tenantTables: tables,
      appRole: settings.appRole,
      admit: async (role: string) => {
        const a = await admitAppRole(admin, client, role);
        if (a) admitted.push(a);
        return a;
      },
      claimPaths: claimPaths(input.snapshot.policies, context.setting, [
        ...input.snapshot.functions.map((f) => f.body),
        ...(input.otherFunctions ?? []).map((f) => f.body),
      ]),
      tenantCount: settings.leakTestTenants,
      locator: input.locator,
      causes: leakCauses(input),
      logger: ctx.logger,
    });
  } finally {
    await client.end();
    for (const a of admitted.reverse()) await a.release();
    await admin.end();
  }
}

/**
 * The live leak test on the PR's state; leaks the merged state already had are left out. What
 * the test could not cover is said whether or not the merged state had the same gap.
 */
async function liveFindings(
  ctx: GateContext,
  input: StaticInput,
  settings: IsolationSettings,
  tenant: TenantHandle,
): Promise<Finding[]> {
  const tables = tenantScope(input.snapshot, input).tables.map((t) => bareName(t.name));
  const now = await leakTestOn(ctx, tenant, input, settings, tables);
  const gaps = now.filter((k) => k.finding.rule === ISOLATION.leakTestIncomplete.id);
  const leaks = now.filter((k) => !gaps.includes(k));
  if (!leaks.length || ctx.plan.merged.length === 0) return now.map((k) => k.finding);
  const base = await ctx.databases.cloneBase('isolation_base');
  const before = await leakTestOn(ctx, base.tenants[0], input, settings, tables);
  return [...newOnly(leaks, before), ...gaps].map((k) => k.finding);
}

/**
 * The tenant column: the configured one, else the membership's tenant column when only that one
 * is on the tables (`account_id` of basejump's account_user).
 */
function tenantColumnIn(snapshot: CatalogSnapshot, column: string, c: ResolvedContext): string {
  const other = c.membership?.tenantColumn;
  const has = (name: string) =>
    snapshot.tables.some((t) => t.columns.some((col) => col.name === name));
  return other && !has(column) && has(other) ? other : column;
}

/**
 * Whether FORCE ROW LEVEL SECURITY is needed on a table of an owner: when the tenant's role is
 * known, only where it owns the table (or is a member of the owner) or has BYPASSRLS. The
 * `role` kind's roles are made by the leak test and own nothing.
 */
async function forceJudge(
  ctx: GateContext,
  tenant: TenantHandle,
  c: ResolvedContext,
): Promise<Pick<StaticInput, 'forceNeeded'>> {
  if (!c.roleKnown) return {};
  if (c.kind === 'role') return { forceNeeded: () => false };
  const client = await ctx.databases.connect(tenant);
  try {
    const r = await client.query<{ bypass: boolean; owners: string[] }>(
      `select r.rolbypassrls or r.rolsuper as bypass,
              array(select o.rolname::text from pg_roles o where pg_has_role(r.oid, o.oid, 'usage')) as owners
       from pg_roles r where r.rolname = $1`,
      [c.role],
    );
    const row = r.rows[0];
    if (!row) return { forceNeeded: () => false };
    const owners = new Set(row.owners);
    return { forceNeeded: (owner) => row.bypass || owners.has(owner) };
  } finally {
    await client.end();
  }
}

async function lintsOn(ctx: GateContext, input: StaticInput, tenant: TenantHandle) {
  if (input.context?.kind !== 'jwt') return [];
  const client = await ctx.databases.connect(tenant);
  try {
    return await apiLints({
      client,
      schemas: tenant.searchPath,
      context: input.context,
      locator: input.locator,
      tenantTables: tenantScope(input.snapshot, input).tables.map((t) => bareName(t.name)),
    });
  } finally {
    await client.end();
  }
}

async function functionsOutside(ctx: GateContext, tenant: TenantHandle) {
  const client = await ctx.databases.connect(tenant);
  try {
    return await otherSchemaFunctions(client, tenant.searchPath);
  } finally {
    await client.end();
  }
}

/** The shared topology: static rules on the catalog, then the live leak test. */
export async function sharedFindings(
  ctx: GateContext,
  settings: IsolationSettings,
  locator: StatementLocator,
): Promise<Finding[]> {
  const tenant = ctx.tenants[0];
  const snapshot = tenant && ctx.after.get(tenant.name);
  if (!snapshot) return [];
  const context = resolveContext(ctx.options);
  const input: StaticInput = {
    snapshot,
    locator,
    pgMajor: Number.parseInt(ctx.cluster.postgresVersion, 10) || 0,
    tenantColumn: tenantColumnIn(snapshot, ctx.options.tenantColumn, context),
    tenantSetting: isSettingContext(context) ? context.setting : ctx.options.tenantSetting,
    settings,
    schema: tenant.schema,
    otherFunctions: await functionsOutside(ctx, tenant),
    context,
    ...(await forceJudge(ctx, tenant, context)),
  };
  const configured = (settings.tenantTables ?? []).length > 0;
  if (!configured && tenantScope(snapshot, input).tables.length === 0 && snapshot.tables.length > 0)
    return [
      nothingToCheck(input),
      ...definerSearchPath(ctx, input, tenant),
      ...(await lintsOn(ctx, input, tenant)),
    ];
  const found = staticFindings(ctx, input, tenant);
  found.push(...(await lintsOn(ctx, input, tenant)));
  if (settings.leakTest) found.push(...(await liveFindings(ctx, input, settings, tenant)));
  return found;
}

/**
 * No table has the tenant column: every isolation check would pass vacuously. The policies,
 * when there are some, say which column and setting the application uses instead.
 */
function nothingToCheck(input: StaticInput): Finding {
  const compared = input.snapshot.policies
    .flatMap((p) => [p.using, p.withCheck])
    .map((e) => e && /"?([A-Za-z_][\w$]*)"?\s*=\s*\(*\s*current_setting\('([^']+)'/.exec(e))
    .find((m): m is RegExpExecArray => !!m);
  const hint = compared
    ? ` The row-level security policies compare ${quoteIdentIfNeeded(compared[1])} with current_setting('${compared[2]}'): run with --tenant-column ${compared[1]} --tenant-setting ${compared[2]} (tenantColumn and tenantSetting in .schemagate.yml).`
    : ' Set --tenant-column (tenantColumn in .schemagate.yml) to the column that holds the tenant key.';
  return finding(ISOLATION.tenantColumnMissing, {
    severity: 'warning',
    message: `No table has the tenant column ${input.tenantColumn}, so tenant isolation was not checked: row-level security, policies and the live leak test all look for that column.${hint}`,
    help: 'Tell schemagate which column holds the tenant key and which setting the policies compare it with.',
  });
}
