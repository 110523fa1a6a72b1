import type { TenantHandle } from '../core/tenants.js';
import type { Topology } from '../core/topology.js';

/**
 * The search_path migration sessions run with: the tenant's (its schema, then the shared schema,
 * in the schema topology), the schemas production resolves besides (`searchPath:`, else an
 * `ALTER DATABASE … SET search_path` a setup script made, which a clone does not inherit), then
 * the platform's (Supabase's `postgres` role has `extensions` after `public`).
 *
 * In the schema topology the tenant's own schemas stay first, so that what a migration creates
 * unqualified lands in the tenant's schema; in the others the configured path replaces `public`,
 * as it does in production.
 */
export interface SearchPathSources {
  /** `searchPath:` or the database's own setting made in setup; undefined: none. */
  configured?: readonly string[];
  /** Schemas the platform resolves last (the preset's `extensions`). */
  platform?: readonly string[];
}

export function sessionSearchPath(
  tenant: TenantHandle,
  topology: Pick<Topology, 'schemaPerTenant'>,
  sources: SearchPathSources,
): string[] {
  const configured = sources.configured?.length ? sources.configured : undefined;
  const head = topology.schemaPerTenant || !configured ? tenant.searchPath : [];
  return unique([...head, ...(configured ?? []), ...(sources.platform ?? [])]);
}

/** The schemas of a `search_path=…` entry of pg_db_role_setting (`"$user", public` kept as is). */
export function parseSearchPath(value: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^,\s]+))\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < value.length && (m = re.exec(value))) {
    const name = m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2].toLowerCase();
    if (name) out.push(name);
    if (m[0] === '') break;
  }
  return out;
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
