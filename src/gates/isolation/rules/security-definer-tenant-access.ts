import type { CatalogSnapshot } from '../../../catalog/types.js';
import type { ObjectQuery } from '../locate.js';
import { bareName } from '../names.js';
import { ISOLATION } from '../../../rules/index.js';
import { readsAny, type TenantScope } from '../tenant-scope.js';
import { keyed, type Keyed, type StaticInput } from '../static-input.js';

export function functionFindings(
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
      const help = `Make it SECURITY INVOKER, or filter every query in it on ${scope.comparison.identity?.describe ?? `current_setting('${input.tenantSetting}')`} and own it by a role without BYPASSRLS that is subject to FORCE ROW LEVEL SECURITY.`;
      out.push(keyed(ISOLATION.definerReadsTenantData, f.name, q, input, { message, help }));
    }
  }
  return [...out, ...definerSearchPathFindings(snapshot, input)];
}

/**
 * SECURITY DEFINER functions with no fixed search_path: a hazard whatever tables the tenant key
 * is in, so checked also when no table has the tenant column.
 */
export function definerSearchPathFindings(snapshot: CatalogSnapshot, input: StaticInput): Keyed[] {
  const out: Keyed[] = [];
  for (const f of snapshot.functions.filter((x) => x.securityDefiner)) {
    if (f.config.some((c) => c.startsWith('search_path='))) continue;
    const shown = f.name.replace(/^\$tenant\./, '');
    const bare = bareName(f.name.slice(0, f.name.indexOf('(')));
    const q: ObjectQuery = { kind: 'function', name: bare, actions: ['create'] };
    const message = `SECURITY DEFINER function ${shown} has no fixed search_path: a caller can put objects of its own in front of the ones it means and run them with the owner's rights`;
    out.push(
      keyed(ISOLATION.definerSearchPath, f.name, q, input, {
        message,
        help: `ALTER FUNCTION ${shown} SET search_path = pg_catalog, pg_temp; (and schema-qualify the names in its body)`,
      }),
    );
  }
  return out;
}
