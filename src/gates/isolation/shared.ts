import type { Finding } from '../../core/model.js';
import type { GateContext, TenantHandle } from '../gate.js';
import { quoteIdentIfNeeded } from '../../sql/ident.js';
import { runLeakTest } from './leak-test.js';
import { admitAppRole, type AdmittedRole } from './leak-role.js';
import type { StatementLocator, Where } from './locate.js';
import { bareName } from './names.js';
import { otherSchemaFunctions } from './other-functions.js';
import { weakenedPolicies } from './policy-weakened.js';
import { ISOLATION, finding } from '../../rules/index.js';
import type { IsolationSettings } from '../../core/settings.js';
import { sharedStaticFindings } from './shared-static.js';
import type { Keyed, StaticInput } from './static-input.js';
import { policiesOf, policyProblem, tenantScope } from './tenant-scope.js';

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

/**
 * Where a leak of each tenant table comes from when a statement of the PR causes it: the policy
 * that does not keep rows to the tenant, else the PR's drop of a policy or of row-level security.
 * Tables missing here are reported at the statement that created them.
 */
function leakCauses(input: StaticInput): Map<string, Where> {
  const scope = tenantScope(input.snapshot, input);
  const causes = new Map<string, Where>();
  for (const t of scope.tables) {
    const name = bareName(t.name);
    const open = policiesOf(input.snapshot, t).filter(
      (p) => p.permissive && policyProblem(p, scope),
    );
    const at =
      open
        .map((p) =>
          input.locator.inPr({
            kind: 'policy',
            name: p.name,
            table: name,
            actions: ['alter', 'create'],
          }),
        )
        .find((w) => w !== undefined) ?? input.locator.weakeningInPr(name);
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
  const admin = await ctx.databases.connectAsSuperuser(tenant.database);
  let admitted: AdmittedRole | undefined;
  try {
    admitted = await admitAppRole(admin, client, settings.appRole);
    return await runLeakTest({
      client,
      schemas: tenant.searchPath,
      tenantColumn: input.tenantColumn,
      tenantSetting: input.tenantSetting,
      tenantTables: tables,
      appRole: settings.appRole,
      admitted,
      tenantCount: settings.leakTestTenants,
      locator: input.locator,
      causes: leakCauses(input),
      logger: ctx.logger,
    });
  } finally {
    await client.end();
    await admitted?.release();
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
  const input: StaticInput = {
    snapshot,
    locator,
    pgMajor: Number.parseInt(ctx.cluster.postgresVersion, 10) || 0,
    tenantColumn: ctx.options.tenantColumn,
    tenantSetting: ctx.options.tenantSetting,
    settings,
    schema: tenant.schema,
    otherFunctions: await functionsOutside(ctx, tenant),
  };
  const configured = (settings.tenantTables ?? []).length > 0;
  if (!configured && tenantScope(snapshot, input).tables.length === 0 && snapshot.tables.length > 0)
    return [nothingToCheck(input)];
  const found = staticFindings(ctx, input, tenant);
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
