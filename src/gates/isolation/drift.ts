import { diffCatalogs } from '../../catalog/diff.js';
import { canonicalJson, fingerprint } from '../../catalog/fingerprint.js';
import type { CatalogChange, CatalogSnapshot } from '../../catalog/types.js';
import type { Finding } from '../../core/model.js';
import type { ObjectQuery, StatementLocator } from './locate.js';
import { splitQualified } from './names.js';
import { ISOLATION, finding } from '../../rules/index.js';

const SHOWN = 5;

function describe(c: CatalogChange, reference: string, tenant: string): string {
  const what = `${c.label ?? c.kind} ${c.name.replace(/^\$tenant\./, '')}`;
  if (c.change !== 'changed')
    return `${what} exists only in ${c.change === 'added' ? tenant : reference}`;
  const props = (c.properties ?? []).map(
    (p) => `${p.property} ${canonicalJson(p.before)} vs ${canonicalJson(p.after)}`,
  );
  return `${what} differs (${props.join('; ')})`;
}

/** The table or object a change is about, for pointing at the statement behind it. */
function queryOf(c: CatalogChange): ObjectQuery {
  const rest = c.name.replace(/^(\$tenant|[a-z_][a-z0-9_]*)\./, '');
  const first = splitQualified(rest.split('.')[0]).name;
  if (c.kind === 'function') return { kind: 'function', name: first.replace(/\(.*$/, '') };
  return { kind: c.label === 'view' ? 'view' : 'table', name: first };
}

const changeKey = (c: CatalogChange) => canonicalJson(c);

/**
 * Tenants whose catalogs differ after the PR (schema and database topologies): each tenant is
 * compared with the first one; differences that already existed before the PR are left out.
 */
export function tenantDrift(
  before: Map<string, CatalogSnapshot>,
  after: Map<string, CatalogSnapshot>,
  tenants: readonly string[],
  locator: StatementLocator,
): Finding[] {
  const [reference, ...rest] = tenants.filter((t) => after.has(t));
  if (!reference) return [];
  const refPrint = fingerprint(after.get(reference)!);
  const out: Finding[] = [];
  for (const tenant of rest) {
    if (fingerprint(after.get(tenant)!) === refPrint) continue;
    const old = new Set(
      before.has(reference) && before.has(tenant)
        ? diffCatalogs(before.get(reference)!, before.get(tenant)!).map(changeKey)
        : [],
    );
    const changes = diffCatalogs(after.get(reference)!, after.get(tenant)!).filter(
      (c) => !old.has(changeKey(c)),
    );
    if (!changes.length) continue;
    const shown = changes
      .slice(0, SHOWN)
      .map((c) => describe(c, reference, tenant))
      .join('; ');
    const more = changes.length > SHOWN ? ` and ${changes.length - SHOWN} more` : '';
    out.push(
      finding(ISOLATION.tenantDrift, {
        ...(locator.causeInPr(queryOf(changes[0])) ?? {}),
        tenant,
        message: `after the PR, tenant ${tenant}'s catalog differs from ${reference}'s: ${shown}${more}`,
        help: 'Make the migration do the same thing on every tenant: no branching on the schema, database or data (DO blocks, IF NOT EXISTS over objects that only some tenants have).',
      }),
    );
  }
  return out;
}
