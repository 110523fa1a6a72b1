import type { PolicyInfo } from '../../catalog/types.js';
import { isRecord, lastName, strings, unwrap, type Node } from '../../sql/ast.js';
import { parseExpression, peel, walk } from './policy-expr.js';

/**
 * The JWT claims policies read (`auth.jwt() -> 'app_metadata' ->> 'tenant_id'`,
 * `current_setting('request.jwt.claims', true)::jsonb ->> 'org_id'`), as key paths, so that the
 * leak test's tokens carry the tenant id where the policies look for it.
 */

const IDENTITY_KEYS = new Set(['sub', 'role', 'aud', 'email', 'exp', 'iat']);

function isClaimsSource(node: Node, claims: string): boolean {
  const inner = peel(node);
  const sub = unwrap(inner, 'SubLink');
  if (sub) {
    const select = unwrap(sub.subselect, 'SelectStmt');
    const target = unwrap(select?.targetList?.[0], 'ResTarget')?.val;
    return select?.targetList?.length === 1 && !!target && isClaimsSource(target, claims);
  }
  const call = unwrap(inner, 'FuncCall');
  if (!call) return false;
  const names = strings(call.funcname);
  const name = names[names.length - 1];
  if (name === 'jwt') return names.length === 1 || names[0] === 'auth';
  if (name !== 'current_setting') return false;
  const first = call.args?.[0];
  return unwrap(first && peel(first), 'A_Const')?.sval?.sval === claims;
}

/** The key path of `source -> 'a' ->> 'b'`, or undefined when the chain does not start at the claims. */
function pathOf(node: Node, claims: string): string[] | undefined {
  if (isClaimsSource(node, claims)) return [];
  const e = unwrap(peel(node), 'A_Expr');
  const op = e && lastName(e.name);
  if (!e?.lexpr || !e.rexpr || (op !== '->' && op !== '->>')) return undefined;
  const key = unwrap(peel(e.rexpr), 'A_Const')?.sval?.sval;
  const base = pathOf(e.lexpr, claims);
  return base && key !== undefined ? [...base, key] : undefined;
}

/** `jwt() -> 'a' ->> 'b'` or `current_setting('<claims>', true)::jsonb ->> 'b'` in a function body. */
function bodyPaths(body: string, claims: string): string[][] {
  const source = `(?:jwt\\s*\\(\\s*\\)|current_setting\\s*\\(\\s*'${claims.replace(/\./g, '\\.')}'[^)]*\\))`;
  const chain = new RegExp(
    `${source}\\)?(?:::\\s*jsonb?)?\\)?((?:\\s*->>?\\s*'[^']+'(?:::text)?\\)?)+)`,
    'gi',
  );
  return [...body.matchAll(chain)].map((m) => [...m[1].matchAll(/'([^']+)'/g)].map((k) => k[1]));
}

export function claimPaths(
  policies: PolicyInfo[],
  claims: string,
  bodies: string[] = [],
): string[][] {
  const paths = new Map<string, string[]>();
  for (const path of bodies.flatMap((b) => bodyPaths(b, claims)))
    if (path.length && !(path.length === 1 && IDENTITY_KEYS.has(path[0])))
      paths.set(path.join('.'), path);
  for (const text of policies.flatMap((p) => [p.using, p.withCheck])) {
    const root = text ? parseExpression(text) : undefined;
    walk(root, (n) => {
      if (!isRecord(n.A_Expr)) return;
      const path = pathOf(n as Node, claims);
      if (path?.length && !(path.length === 1 && IDENTITY_KEYS.has(path[0])))
        paths.set(path.join('.'), path);
    });
  }
  // `a -> 'x' ->> 'y'` also holds `a -> 'x'`: only the full paths carry the id.
  const keys = [...paths.keys()];
  return [...paths.entries()]
    .filter(([k]) => !keys.some((other) => other.startsWith(`${k}.`)))
    .map(([, path]) => path);
}

/** The claims of a token: `sub` and `role`, and the tenant id at every path. */
export function tokenClaims(
  sub: string | undefined,
  role: string,
  paths: string[][],
  tenantId: string | undefined,
): string {
  const claims: Record<string, unknown> = { role, aud: role };
  if (sub) claims.sub = sub;
  if (tenantId !== undefined)
    for (const path of paths) {
      let at = claims;
      path.slice(0, -1).forEach((k) => {
        if (!isRecord(at[k])) at[k] = {};
        at = at[k] as Record<string, unknown>;
      });
      at[path[path.length - 1]] = tenantId;
    }
  return JSON.stringify(claims);
}
