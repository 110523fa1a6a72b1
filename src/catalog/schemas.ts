import type pg from 'pg';
import type { TenantHandle } from '../core/tenants.js';

/**
 * The schemas a tenant's objects live in. In the schema topology, those of its search_path (its
 * own schema and the shared one). A tenant with a database of its own (the database and shared
 * topologies) owns every schema of it, not only `public`: migrations that keep their tables in
 * `app` or `billing` change pre-existing tables there, and the gates read, seed and compare them.
 * Postgres' own schemas and those an extension creates (TimescaleDB's internals) are left out.
 * The tenant's schema comes first: statements without a schema create their objects there.
 */
export async function tenantSchemas(client: pg.Client, tenant: TenantHandle): Promise<string[]> {
  if (!tenant.wholeDatabase) return tenant.searchPath;
  const { rows } = await client.query<{ nspname: string }>(DATABASE_SCHEMAS_SQL);
  const others = rows.map((r) => r.nspname).filter((s) => !tenant.searchPath.includes(s));
  return [...tenant.searchPath, ...others];
}

const DATABASE_SCHEMAS_SQL = `select n.nspname from pg_catalog.pg_namespace n
where n.nspname not in ('pg_catalog', 'information_schema')
  and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  and not exists (select 1 from pg_catalog.pg_depend d
    where d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass and d.objid = n.oid
      and d.deptype = 'e')
order by n.nspname`;

/** The schemas that are the tenant's alone: the shared schema of the schema topology is no tenant's. */
export async function ownSchemas(client: pg.Client, tenant: TenantHandle): Promise<string[]> {
  return tenant.wholeDatabase ? tenantSchemas(client, tenant) : [tenant.schema];
}
