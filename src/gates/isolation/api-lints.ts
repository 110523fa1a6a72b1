import type pg from 'pg';
import type { Finding } from '../../core/model.js';
import { quoteIdent, quoteIdentIfNeeded as sqlName } from '../../sql/ident.js';
import { ISOLATION, finding, type Rule } from '../../rules/index.js';
import { isRecord, strings, unwrap, type Node } from '../../sql/ast.js';
import type { ResolvedContext } from './context.js';
import { tokenClaims } from './claims.js';
import { signIn } from './leak-session.js';
import type { ObjectQuery, StatementLocator } from './locate.js';
import { parseExpression } from './policy-expr.js';

/**
 * Lints of the live database in the spirit of Supabase's splinter, for the `jwt` tenant context
 * (an API that signs users in): tables the API roles reach without row-level security, policies
 * that call the identity once per row (proved by the plan), that trust user-editable metadata or
 * that let API roles write any row. Only what a statement of the PR made or changed is reported,
 * at that statement.
 */
export interface ApiLintInput {
  client: pg.Client;
  schemas: string[];
  context: ResolvedContext;
  locator: StatementLocator;
  /** Bare names of the tenant-scoped tables (their own rules cover them). */
  tenantTables: string[];
}

interface PolicyRow {
  table: string;
  name: string;
  cmd: string;
  permissive: boolean;
  roles: string[];
  qual: string | null;
  with_check: string | null;
}

const POLICIES_SQL = `
select c.relname as table, p.polname as name,
  case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE'
                when 'd' then 'DELETE' else 'ALL' end as cmd,
  p.polpermissive as permissive,
  array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end
        from unnest(p.polroles) r) as roles,
  pg_get_expr(p.polqual, p.polrelid) as qual, pg_get_expr(p.polwithcheck, p.polrelid) as with_check
from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1)
order by 1, 2`;

const UNPROTECTED_SQL = `
select c.relname as table, array(select r.rolname::text from pg_roles r
  where r.rolname = any($2::text[])
    and has_table_privilege(r.oid, c.oid, 'select,insert,update,delete')) as roles
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1) and c.relkind in ('r', 'p') and not c.relrowsecurity
order by 1`;

export async function apiLints(input: ApiLintInput): Promise<Finding[]> {
  const c = input.context;
  if (c.kind !== 'jwt') return [];
  const roles = [c.role, ...(c.anonRole ? [c.anonRole] : [])];
  const policies = (await input.client.query<PolicyRow>(POLICIES_SQL, [input.schemas])).rows;
  return [
    ...(await unprotectedTables(input, roles)),
    ...userMetadata(input, policies),
    ...alwaysTrue(input, policies, roles),
    ...(await perRowCalls(input, policies)),
  ];
}

function at(input: ApiLintInput, q: ObjectQuery) {
  return input.locator.inPr(q);
}

function policyQuery(p: PolicyRow): ObjectQuery {
  return { kind: 'policy', name: p.name, table: p.table, actions: ['alter', 'create'] };
}

function lint(rule: Rule, where: ReturnType<typeof at>, message: string, help: string): Finding[] {
  return where ? [finding(rule, { ...where, message, help })] : [];
}

async function unprotectedTables(input: ApiLintInput, roles: string[]): Promise<Finding[]> {
  const r = await input.client.query<{ table: string; roles: string[] }>(UNPROTECTED_SQL, [
    input.schemas,
    roles,
  ]);
  return r.rows
    .filter((t) => t.roles.length && !input.tenantTables.includes(t.table))
    .flatMap((t) =>
      lint(
        ISOLATION.apiTableWithoutRls,
        at(input, {
          kind: 'table',
          name: t.table,
          actions: ['rls-disable', 'create', 'grant', 'alter'],
        }),
        `table ${t.table} does not have row-level security enabled, yet ${t.roles.join(' and ')} may read and write it: through the API every signed-in user${t.roles.length > 1 ? ' and every anonymous visitor' : ''} reads and changes every row`,
        `ALTER TABLE ${sqlName(t.table)} ENABLE ROW LEVEL SECURITY; then write the policies that say who sees which rows (or REVOKE ALL ON ${sqlName(t.table)} FROM ${t.roles.map(quoteIdent).join(', ')}; if the API must not reach it).`,
      ),
    );
}

const USER_METADATA = /user_metadata|raw_user_meta_data/i;

function userMetadata(input: ApiLintInput, policies: PolicyRow[]): Finding[] {
  return policies
    .filter((p) => USER_METADATA.test(`${p.qual ?? ''} ${p.with_check ?? ''}`))
    .flatMap((p) =>
      lint(
        ISOLATION.policyUserMetadata,
        at(input, policyQuery(p)),
        `policy ${p.name} on ${p.table} (${p.cmd}) reads user metadata (${[p.qual, p.with_check].filter(Boolean).join(' / ')}): every user can set their own user_metadata, so they can claim any tenant or role it names`,
        "Keep tenant and role claims in app_metadata (only the server can write it), e.g. (auth.jwt() -> 'app_metadata' ->> 'tenant_id'), or in a membership table the user cannot write.",
      ),
    );
}

const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'ALL']);

function alwaysTrue(input: ApiLintInput, policies: PolicyRow[], roles: string[]): Finding[] {
  return policies
    .filter(
      (p) =>
        p.permissive &&
        WRITES.has(p.cmd) &&
        !input.tenantTables.includes(p.table) &&
        (p.qual === 'true' || p.with_check === 'true') &&
        p.roles.some((r) => r === 'public' || roles.includes(r)),
    )
    .flatMap((p) =>
      lint(
        ISOLATION.policyAlwaysTrue,
        at(input, policyQuery(p)),
        `policy ${p.name} on ${p.table} (${p.cmd}) is always true (${p.qual === 'true' ? 'USING true' : 'WITH CHECK true'}) for ${p.roles.join(', ')}: every API user may ${p.cmd === 'ALL' ? 'write' : p.cmd.toLowerCase()} any row of ${p.table}`,
        'Restrict the policy to the rows the user owns, e.g. USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid())), or to the roles that must write every row.',
      ),
    );
}

const IDENTITY_FUNCTIONS = new Set(['uid', 'jwt', 'role', 'email']);

/** The identity calls of an expression that no sub-select wraps (so they run once per row). */
export function unwrappedCalls(expression: string | null): string[] {
  const root = expression ? parseExpression(expression) : undefined;
  const calls: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isRecord(node)) return;
    if (node.SubLink) return;
    const call = unwrap(node as Node, 'FuncCall');
    if (call) {
      const names = strings(call.funcname);
      const name = names[names.length - 1];
      if ((names[0] === 'auth' && IDENTITY_FUNCTIONS.has(name)) || name === 'current_setting')
        calls.push(`${names.join('.')}()`);
    }
    Object.values(node).forEach(visit);
  };
  visit(root);
  return [...new Set(calls)];
}

interface PlanNode {
  'Relation Name'?: string;
  Filter?: string;
  'Subplan Name'?: string;
  Plans?: PlanNode[];
}

/** Filters of the scans of `table` outside init plans, from EXPLAIN (FORMAT JSON). */
function scanFilters(node: PlanNode, table: string): string[] {
  if (node['Subplan Name']?.startsWith('InitPlan')) return [];
  const own = node['Relation Name'] === table && node.Filter ? [node.Filter] : [];
  return [...own, ...(node.Plans ?? []).flatMap((n) => scanFilters(n, table))];
}

const PER_ROW = /current_setting\(|\buid\(\)|\bjwt\(\)/;

async function perRowCalls(input: ApiLintInput, policies: PolicyRow[]): Promise<Finding[]> {
  const suspects = policies
    .map((p) => ({ p, calls: unwrappedCalls(p.qual).concat(unwrappedCalls(p.with_check)) }))
    .filter((s) => s.calls.length && at(input, policyQuery(s.p)));
  const out: Finding[] = [];
  for (const { p, calls } of suspects) {
    // The plan of the command the policy applies to (an INSERT checks the one row it writes).
    const command = p.cmd === 'ALL' ? 'SELECT' : p.cmd;
    if (command === 'INSERT') continue;
    const filters = await explainAsUser(input, p.table, command);
    const filter = filters.find((f) => PER_ROW.test(f));
    if (!filter) continue;
    const table = p.table;
    const list = [...new Set(calls)].join(', ');
    out.push(
      ...lint(
        ISOLATION.authCallPerRow,
        at(input, policyQuery(p)),
        `policy ${p.name} on ${table} calls ${list} once per row: the plan of ${command} on ${table} as ${input.context.role} evaluates it in the scan's filter (${filter})`,
        `Wrap each call in a sub-select so that Postgres evaluates it once per statement (an init plan): ${calls.map((c) => `(select ${c})`).join(', ')}.`,
      ),
    );
  }
  return out;
}

const PLANNED: Record<string, (sql: string, column: string) => string> = {
  SELECT: (sql) => `select * from ${sql}`,
  UPDATE: (sql, column) => `update ${sql} set ${column} = ${column}`,
  DELETE: (sql) => `delete from ${sql}`,
};

async function explainAsUser(
  input: ApiLintInput,
  table: string,
  command: string,
): Promise<string[]> {
  const { client, context } = input;
  const rel = await client.query<{ sql: string | null; col: string }>(
    `select format('%I.%I', n.nspname, c.relname) as sql,
            (select quote_ident(a.attname) from pg_attribute a where a.attrelid = c.oid
               and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' and a.attidentity = ''
             order by a.attnum limit 1) as col
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relname = $1 and n.nspname = any($2) limit 1`,
    [table, input.schemas],
  );
  const sql = rel.rows[0]?.sql;
  if (!sql || !rel.rows[0].col) return [];
  await client.query('begin');
  try {
    await client.query(`set local role ${quoteIdent(context.role)}`);
    const sub = '5e5e0000-0000-4000-8000-000000000001';
    await signIn(client, context, tokenClaims(sub, context.role, [], undefined), sub);
    const r = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(
      `explain (format json, verbose) ${PLANNED[command](sql, rel.rows[0].col)}`,
    );
    return scanFilters(r.rows[0]['QUERY PLAN'][0].Plan, table);
  } catch {
    return [];
  } finally {
    await client.query('rollback');
  }
}
