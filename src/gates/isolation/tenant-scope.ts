import { TENANT_PLACEHOLDER } from '../../catalog/normalise.js';
import type { CatalogSnapshot, PolicyInfo, TableInfo } from '../../catalog/types.js';
import { quoteIdent, quoteIdentIfNeeded } from '../../sql/ident.js';
import { bareName, matchesConfigured, mentions, splitQualified } from './names.js';
import { escapeRegExp } from '../../core/regexp.js';
import { tenantRestrictionProblem, type TenantComparison } from './policy-expr.js';
import type { IsolationSettings } from '../../core/settings.js';
import { isSettingContext, type ResolvedContext } from './context.js';
import type { IdentitySources } from './policy-expr.js';

/** Which tables and views of a shared-topology catalog hold tenant rows. */
export interface TenantScope {
  /** Tables (plain and partitioned) that are tenant-scoped. */
  tables: TableInfo[];
  /** Views and materialized views over tenant-scoped tables, directly or through other views. */
  views: TableInfo[];
  /** The tenant column, the setting and the functions that read it, for policy expressions. */
  comparison: TenantComparison;
  /** Schema `$tenant` stands for in the snapshot's text. */
  schema: string;
}

/** A function of a schema the snapshot does not cover, read from the database. */
export interface FunctionSource {
  schema: string;
  name: string;
  body: string;
}

export interface ScopeOptions {
  tenantColumn: string;
  tenantSetting: string;
  settings: IsolationSettings;
  /** Schema the tenant's objects live in (`public` in the shared topology). */
  schema: string;
  /** Functions of other schemas (policy helpers such as `app.current_tenant()`). */
  otherFunctions?: FunctionSource[];
  /** How a session becomes a tenant; absent: the tenant setting. */
  context?: ResolvedContext;
}

export function isTable(t: TableInfo): boolean {
  return t.kind === 'table' || t.kind === 'partitioned';
}

export function tenantColumnOf(t: TableInfo, column: string) {
  return t.columns.find((c) => c.name === column);
}

function isTenantTable(t: TableInfo, o: ScopeOptions): boolean {
  if (!isTable(t) || !tenantColumnOf(t, o.tenantColumn)) return false;
  return !o.settings.globalTables.some((g) => matchesConfigured(g, t.name, o.schema));
}

/** A view (or function body) reads one of the relations when it names it. */
export function readsAny(text: string | undefined, relations: TableInfo[]): TableInfo[] {
  if (!text) return [];
  return relations.filter((r) => mentions(text, bareName(r.name)));
}

const VIEW_KINDS = new Set<TableInfo['kind']>(['view', 'materialized view']);

function viewsOver(snapshot: CatalogSnapshot, tables: TableInfo[]): TableInfo[] {
  const views: TableInfo[] = [];
  let frontier = tables;
  while (frontier.length) {
    const next = snapshot.tables.filter(
      (v) =>
        VIEW_KINDS.has(v.kind) && !views.includes(v) && readsAny(v.viewDefinition, frontier).length,
    );
    views.push(...next);
    frontier = next;
  }
  return views;
}

/** `$tenant` of the snapshot's text replaced by the schema's name, as Postgres would print it. */
function inSchema(text: string, schema: string): string {
  return text.split(TENANT_PLACEHOLDER).join(quoteIdentIfNeeded(schema));
}

function functionSources(snapshot: CatalogSnapshot, o: ScopeOptions): FunctionSource[] {
  const own = snapshot.functions.map((f) => {
    const q = splitQualified(f.name.slice(0, f.name.indexOf('(')));
    const schema = !q.schema || q.schema === TENANT_PLACEHOLDER ? o.schema : q.schema;
    return { schema, name: q.name, body: f.body };
  });
  return [...own, ...(o.otherFunctions ?? [])];
}

/**
 * Functions whose body reads the setting, directly or by calling another such function. Bodies
 * are SQL or PL/pgSQL text, so they are searched for the call rather than parsed.
 */
function settingHelpers(sources: FunctionSource[], direct: RegExp): FunctionSource[] {
  const calls = (body: string, f: FunctionSource) =>
    new RegExp(
      `(?<![A-Za-z0-9_$])(${escapeRegExp(f.name)}|${escapeRegExp(quoteIdent(f.name))})\\s*\\(`,
    ).test(body);
  const helpers: FunctionSource[] = [];
  for (let grew = true; grew;) {
    grew = false;
    for (const f of sources) {
      if (helpers.includes(f)) continue;
      if (direct.test(f.body) || helpers.some((h) => calls(f.body, h))) {
        helpers.push(f);
        grew = true;
      }
    }
  }
  return helpers;
}

const JWT_READS = /auth\.uid\s*\(|auth\.jwt\s*\(|"auth"\."(uid|jwt)"\s*\(|request\.jwt\.claim/i;
const USER_READS = /(?<![A-Za-z0-9_$.])(current_user|session_user|current_role)(?![A-Za-z0-9_$(])/i;

/** What identifies a session of an identity context (`jwt`, `role`); undefined for a setting. */
function identityOf(c: ResolvedContext | undefined): IdentitySources | undefined {
  if (!c || isSettingContext(c)) return undefined;
  if (c.kind === 'role')
    return {
      functions: [],
      settingPrefixes: [],
      currentUser: true,
      columns: [],
      describe: `current_user (one role per tenant, ${c.pattern})`,
    };
  const m = c.membership;
  return {
    functions: ['uid', 'jwt', 'email'].map((name) => ({ schema: 'auth', name })),
    settingPrefixes: ['request.jwt.claim', c.setting],
    currentUser: false,
    columns: m ? [m.userColumn] : [],
    ...(m ? { identityTable: bareName(m.table) } : {}),
    describe: m
      ? `the signed-in user's tenants (${m.tenantColumn} of ${m.table} where ${m.userColumn} = auth.uid())`
      : `a claim of the signed-in user's JWT (auth.jwt() or current_setting('${c.setting}'))`,
  };
}

function helperPattern(o: ScopeOptions): RegExp {
  if (o.context?.kind === 'jwt') return JWT_READS;
  if (o.context?.kind === 'role') return USER_READS;
  return new RegExp(`current_setting\\s*\\(\\s*'${escapeRegExp(o.tenantSetting)}'`, 'i');
}

export function tenantScope(snapshot: CatalogSnapshot, o: ScopeOptions): TenantScope {
  const tables = snapshot.tables.filter((t) => isTenantTable(t, o));
  const helpers = settingHelpers(functionSources(snapshot, o), helperPattern(o));
  const identity = identityOf(o.context);
  return {
    tables,
    views: viewsOver(snapshot, tables),
    comparison: {
      column: o.tenantColumn,
      setting: o.tenantSetting,
      helpers: helpers.map((h) => ({ schema: h.schema, name: h.name })),
      ...(identity ? { identity } : {}),
    },
    schema: o.schema,
  };
}

export function policiesOf(snapshot: CatalogSnapshot, table: TableInfo): PolicyInfo[] {
  return snapshot.policies.filter((p) => p.table === table.name);
}

/**
 * Why a policy does not keep rows to the tenant: each of its expressions must compare the tenant
 * column with the tenant setting on every branch of a top-level OR (permissive policies are
 * ORed, so one that does not opens the table). Undefined when it does.
 */
export function policyProblem(p: PolicyInfo, scope: TenantScope): string | undefined {
  const parts = [
    ['USING', p.using],
    ['WITH CHECK', p.withCheck],
  ].filter((e): e is [string, string] => e[1] !== undefined);
  if (!parts.length) return 'it has no expression';
  const comparison = comparisonFor(p, scope);
  for (const [label, expression] of parts) {
    const problem = tenantRestrictionProblem(inSchema(expression, scope.schema), comparison);
    if (problem) return `its ${label} expression ${problem}`;
  }
  return undefined;
}

/** The user column keys rows by the identity only on the membership table itself. */
function comparisonFor(p: PolicyInfo, scope: TenantScope): TenantComparison {
  const id = scope.comparison.identity;
  if (!id || id.identityTable === bareName(p.table)) return scope.comparison;
  return { ...scope.comparison, identity: { ...id, columns: [] } };
}

/** A policy's expressions as written: `USING (...) WITH CHECK (...)`. */
export function policyExpressions(p: PolicyInfo, scope: TenantScope): string {
  const parts = [p.using && `USING ${p.using}`, p.withCheck && `WITH CHECK ${p.withCheck}`];
  return inSchema(parts.filter(Boolean).join(' '), scope.schema) || 'no expression';
}

export function policyChecksTenant(p: PolicyInfo, scope: TenantScope): boolean {
  return policyProblem(p, scope) === undefined;
}

const COMMANDS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/** Commands no permissive, tenant-checking policy covers. */
export function uncoveredCommands(policies: PolicyInfo[], scope: TenantScope): string[] {
  const good = policies.filter((p) => p.permissive && policyChecksTenant(p, scope));
  return COMMANDS.filter((cmd) => !good.some((p) => p.command === cmd || p.command === 'ALL'));
}

/** The expression that keeps rows to the current tenant under the context, for help texts. */
export function tenantCheckSql(
  o: Pick<ScopeOptions, 'tenantColumn' | 'tenantSetting' | 'context'>,
  type: string,
): string {
  const col = quoteIdentIfNeeded(o.tenantColumn);
  const c = o.context;
  if (c?.kind === 'jwt' && c.membership) {
    const m = c.membership;
    return `${col} IN (SELECT ${quoteIdentIfNeeded(m.tenantColumn)} FROM ${m.table} WHERE ${quoteIdentIfNeeded(m.userColumn)} = (SELECT auth.uid()))`;
  }
  if (c?.kind === 'jwt')
    return `${col} = ((SELECT current_setting('${c.setting}', true)::jsonb) ->> '${o.tenantColumn}')::${type}`;
  if (c?.kind === 'role')
    return `current_user = format('${c.pattern.split('{id}').join('%s')}', ${col})`;
  return `${col} = current_setting('${o.tenantSetting}')::${type}`;
}

/** The SQL that makes a table tenant-isolated, for help texts (identifiers quoted as needed). */
export function policyTemplate(table: TableInfo, o: ScopeOptions): string {
  const name = quoteIdentIfNeeded(bareName(table.name));
  const policy = quoteIdentIfNeeded(`${bareName(table.name)}_tenant_isolation`);
  const type = tenantColumnOf(table, o.tenantColumn)?.type ?? 'text';
  const check = tenantCheckSql(o, type);
  const rls = isSettingContext(o.context)
    ? 'ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY'
    : 'ENABLE ROW LEVEL SECURITY';
  const to = o.context?.kind === 'jwt' ? ` TO ${quoteIdentIfNeeded(o.context.role)}` : '';
  return [
    `ALTER TABLE ${name} ${rls};`,
    `CREATE POLICY ${policy} ON ${name}${to} USING (${check}) WITH CHECK (${check});`,
  ].join(' ');
}
