import type pg from 'pg';
import type { FunctionSource } from './tenant-scope.js';

const FUNCTIONS_SQL = `
select n.nspname as schema, p.proname as name,
       coalesce(nullif(p.prosrc, ''), pg_get_functiondef(p.oid)) as body
from pg_proc p join pg_namespace n on n.oid = p.pronamespace
where p.prokind = 'f' and p.prolang in (select oid from pg_language where lanname in ('sql', 'plpgsql'))
  and n.nspname <> all($1::text[]) and n.nspname not in ('pg_catalog', 'information_schema')
  and n.nspname !~ '^pg_'
  and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass
                  and d.objid = p.oid and d.deptype = 'e')
order by 1, 2`;

/**
 * SQL and PL/pgSQL functions of the schemas the catalog snapshot does not read (`app`, `auth`,
 * ...), so that a policy calling `app.current_tenant_id()` is seen to read the tenant setting.
 * Functions of extensions are left out.
 */
export async function otherSchemaFunctions(
  client: pg.Client,
  snapshotSchemas: string[],
): Promise<FunctionSource[]> {
  const r = await client.query<FunctionSource>(FUNCTIONS_SQL, [snapshotSchemas]);
  return r.rows;
}
