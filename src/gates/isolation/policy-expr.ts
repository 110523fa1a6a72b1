import { parseSync } from 'libpg-query';
import { isRecord, lastName, strings, unwrap, type FuncCall, type Node } from '../../sql/ast.js';

/**
 * Whether a policy expression restricts rows to the current tenant, read from the parsed
 * expression: every branch of a top-level OR must compare the tenant column with an expression
 * of the tenant setting (`tenant_id = current_setting('app.tenant_id')::uuid`, a helper function
 * that reads it, `= ANY` of such values), or pass the column to such a helper; an AND needs one
 * such comparison among its terms.
 */

/** A function whose body reads the tenant setting. */
interface SettingHelper {
  schema: string;
  name: string;
}

export interface TenantComparison {
  column: string;
  setting: string;
  helpers: SettingHelper[];
  /** For identity contexts (a signed-in user, a role per tenant): what identifies the session. */
  identity?: IdentitySources;
}

/**
 * What identifies a tenant's session when it is not a tenant id in a setting: functions
 * (`auth.uid()`), settings whose name starts with a prefix (`request.jwt.claim`), `current_user`,
 * and how a comparison with them reads in messages.
 */
export interface IdentitySources {
  functions: SettingHelper[];
  settingPrefixes: string[];
  currentUser: boolean;
  /** Columns that key rows by the identity itself (a membership table's user column). */
  columns: string[];
  /** The table whose rows are keyed by `columns` (bare name): elsewhere they do not count. */
  identityTable?: string;
  describe: string;
}

/**
 * Why an expression does not restrict rows to the tenant, as a predicate of "the expression"
 * (`does not compare ...`); undefined when it does.
 */
export function tenantRestrictionProblem(
  expression: string,
  c: TenantComparison,
): string | undefined {
  const root = parseExpression(expression);
  const compared = `compare ${c.column} with ${c.identity?.describe ?? `current_setting('${c.setting}')`}`;
  if (!root) return `could not be parsed, so it is not known to ${compared}`;
  const test = c.identity ? identityRestricts : restricts;
  if (test(root, c)) return undefined;
  const top = unwrap(peel(root), 'BoolExpr');
  if (top?.boolop === 'OR_EXPR' && (top.args ?? []).some((a) => test(a, c)))
    return `is an OR with a branch that does not ${compared}, so rows matching that branch are visible to every tenant`;
  return `does not ${compared}`;
}

export function parseExpression(text: string): Node | undefined {
  try {
    const parsed = parseSync(`SELECT ${text}`);
    if (parsed.stmts?.length !== 1) return undefined;
    const select = unwrap(parsed.stmts[0].stmt, 'SelectStmt');
    return unwrap(select?.targetList?.[0], 'ResTarget')?.val;
  } catch {
    return undefined;
  }
}

/** The expression under casts and COLLATE clauses. */
export function peel(node: Node): Node {
  const inner = unwrap(node, 'TypeCast')?.arg ?? unwrap(node, 'CollateClause')?.arg;
  return inner ? peel(inner) : node;
}

function restricts(node: Node, c: TenantComparison): boolean {
  const bool = unwrap(node, 'BoolExpr');
  if (bool?.boolop === 'OR_EXPR') return (bool.args ?? []).every((a) => restricts(a, c));
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).some((a) => restricts(a, c));
  return isTenantComparison(node, c) || isHelperCheck(node, c);
}

/**
 * A helper that reads the tenant setting, called with the tenant column
 * (`app.has_access(tenant_id)`): it compares the two itself, and the live leak test checks that.
 */
function isHelperCheck(node: Node, c: TenantComparison): boolean {
  const call = unwrap(peel(node), 'FuncCall');
  if (!call || !readsSetting(call, c)) return false;
  return (call.args ?? []).some((a) => isTenantColumn(a, c));
}

function isTenantComparison(node: Node, c: TenantComparison): boolean {
  const e = unwrap(node, 'A_Expr');
  if (!e || lastName(e.name) !== '=') return false;
  if (e.kind === 'AEXPR_OP')
    return (
      (isTenantColumn(e.lexpr, c) && isSettingValue(e.rexpr, c)) ||
      (isTenantColumn(e.rexpr, c) && isSettingValue(e.lexpr, c))
    );
  if (e.kind === 'AEXPR_OP_ANY') return isTenantColumn(e.lexpr, c) && isSettingValue(e.rexpr, c);
  if (e.kind === 'AEXPR_IN')
    return (
      isTenantColumn(e.lexpr, c) &&
      unwrap(e.rexpr, 'List')?.items?.every((i) => isSettingValue(i, c)) === true
    );
  return false;
}

function isTenantColumn(node: Node | undefined, c: TenantComparison): boolean {
  return !!node && lastName(unwrap(peel(node), 'ColumnRef')?.fields) === c.column;
}

/** A value derived from the tenant setting only: no column of any table in it. */
function isSettingValue(node: Node | undefined, c: TenantComparison): boolean {
  if (!node) return false;
  const array = unwrap(peel(node), 'A_ArrayExpr');
  if (array) return (array.elements ?? []).every((e) => isSettingValue(e, c));
  let setting = false;
  let column = false;
  walk(node, (n) => {
    if (n.ColumnRef) column = true;
    if (isRecord(n.FuncCall) && readsSetting(n.FuncCall, c)) setting = true;
  });
  return setting && !column;
}

/** The function a call names, with its schema when qualified. */
function callee(call: FuncCall): { name: string; schema?: string } {
  const names = strings(call.funcname);
  return {
    name: names[names.length - 1],
    ...(names.length > 1 ? { schema: names[names.length - 2] } : {}),
  };
}

/**
 * For a call of current_setting, the setting it reads when written as a literal (lower-cased),
 * or null when the name is not a literal; undefined for any other function.
 */
function settingRead(call: FuncCall): string | null | undefined {
  const { name, schema } = callee(call);
  if (name !== 'current_setting' || (schema !== undefined && schema !== 'pg_catalog'))
    return undefined;
  const first = call.args?.[0];
  const literal = first && unwrap(peel(first), 'A_Const')?.sval?.sval;
  return typeof literal === 'string' ? literal.toLowerCase() : null;
}

function readsSetting(call: FuncCall, c: TenantComparison): boolean {
  const setting = settingRead(call);
  if (setting !== undefined) return setting === c.setting.toLowerCase();
  const { name, schema } = callee(call);
  return c.helpers.some((h) => h.name === name && (schema === undefined || h.schema === schema));
}

/**
 * Identity contexts: every OR branch needs a term that names the tenant column (or a column keyed
 * by the identity) together with the identity (`team_id IN (SELECT team_id FROM memberships
 * WHERE user_id = auth.uid())`, `has_role_on_account(account_id)`, `tenant_id =
 * (auth.jwt() ->> 'tenant_id')::uuid`); of an AND one such term is enough. The live leak test
 * proves what the terms do.
 */
function identityRestricts(node: Node, c: TenantComparison): boolean {
  const bool = unwrap(node, 'BoolExpr');
  if (bool?.boolop === 'OR_EXPR') return (bool.args ?? []).every((a) => identityRestricts(a, c));
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).some((a) => identityRestricts(a, c));
  let column = false;
  let identity = false;
  const columns = [c.column, ...(c.identity?.columns ?? [])];
  walk(node, (n) => {
    const ref = unwrap(n as Node, 'ColumnRef');
    if (ref && columns.includes(lastName(ref.fields) ?? '')) column = true;
    if (isRecord(n.FuncCall) && readsIdentity(n.FuncCall, c)) identity = true;
    if (c.identity?.currentUser && isCurrentUser(n)) identity = true;
  });
  return column && identity;
}

const USER_FUNCTIONS = new Set(['SVFOP_CURRENT_USER', 'SVFOP_SESSION_USER', 'SVFOP_CURRENT_ROLE']);

function isCurrentUser(n: Record<string, unknown>): boolean {
  const svf = isRecord(n.SQLValueFunction) ? n.SQLValueFunction : undefined;
  return typeof svf?.op === 'string' && USER_FUNCTIONS.has(svf.op);
}

/** A call of an identity function, a helper that reads one, or of current_setting on the claims. */
export function readsIdentity(call: FuncCall, c: TenantComparison): boolean {
  const id = c.identity;
  if (!id) return readsSetting(call, c);
  const setting = settingRead(call);
  if (setting !== undefined)
    return setting !== null && id.settingPrefixes.some((p) => setting.startsWith(p.toLowerCase()));
  const { name, schema } = callee(call);
  const known = (f: SettingHelper) =>
    f.name === name && (schema === undefined || f.schema === schema);
  return id.functions.some(known) || c.helpers.some(known);
}

/** Calls `visit` with every object of the tree, whatever its node type. */
export function walk(node: unknown, visit: (n: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (isRecord(node)) {
    visit(node);
    Object.values(node).forEach((v) => walk(v, visit));
  }
}
