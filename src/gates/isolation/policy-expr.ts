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
  const compared = `compare ${c.column} with current_setting('${c.setting}')`;
  if (!root) return `could not be parsed, so it is not known to ${compared}`;
  if (restricts(root, c)) return undefined;
  const top = unwrap(peel(root), 'BoolExpr');
  if (top?.boolop === 'OR_EXPR' && (top.args ?? []).some((a) => restricts(a, c)))
    return `is an OR with a branch that does not ${compared}, so rows matching that branch are visible to every tenant`;
  return `does not ${compared}`;
}

function parseExpression(text: string): Node | undefined {
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
function peel(node: Node): Node {
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

function readsSetting(call: FuncCall, c: TenantComparison): boolean {
  const names = strings(call.funcname);
  const name = names[names.length - 1];
  const schema = names.length > 1 ? names[names.length - 2] : undefined;
  if (name === 'current_setting' && (schema === undefined || schema === 'pg_catalog')) {
    const first = call.args?.[0];
    const literal = first && unwrap(peel(first), 'A_Const')?.sval?.sval;
    return typeof literal === 'string' && literal.toLowerCase() === c.setting.toLowerCase();
  }
  return c.helpers.some((h) => h.name === name && (schema === undefined || h.schema === schema));
}

/** Calls `visit` with every object of the tree, whatever its node type. */
function walk(node: unknown, visit: (n: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) node.forEach((n) => walk(n, visit));
  else if (isRecord(node)) {
    visit(node);
    Object.values(node).forEach((v) => walk(v, visit));
  }
}
