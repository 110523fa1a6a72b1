import type pg from 'pg';
import type { SeedTable } from '../../replay/seed-catalog.js';
import type { ReadTarget } from './leak-probes.js';
import { keepIfOk } from './leak-tenants.js';

const VIEWS_SQL = `
select c.oid::int as oid, format('%I.%I', n.nspname, c.relname) as sql, c.relname as name,
  c.relkind = 'm' as materialized,
  exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = $2
          and a.attnum > 0 and not a.attisdropped) as has_tenant_column,
  array(select distinct d.refobjid::int from pg_rewrite r
        join pg_depend d on d.objid = r.oid and d.classid = 'pg_rewrite'::regclass
        where r.ev_class = c.oid and d.refclassid = 'pg_class'::regclass and d.refobjid <> c.oid) as reads
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1) and c.relkind in ('v', 'm')
order by c.relname`;

interface ViewRow {
  oid: number;
  sql: string;
  name: string;
  materialized: boolean;
  has_tenant_column: boolean;
  reads: number[];
}

/**
 * The tenant-scoped tables and every view or materialized view reading them (directly or through
 * other views). Materialized views are refreshed first (as the owner, inside the test's
 * transaction) so that they hold the synthetic tenants' rows.
 */
export async function readTargets(
  client: pg.Client,
  schemas: string[],
  tenantColumn: string,
  scoped: SeedTable[],
): Promise<ReadTarget[]> {
  const views = (await client.query<ViewRow>(VIEWS_SQL, [schemas, tenantColumn])).rows;
  const tenantData = new Set(scoped.map((t) => t.oid));
  const over: ViewRow[] = [];
  for (let grew = true; grew;) {
    grew = false;
    for (const v of views) {
      if (!tenantData.has(v.oid) && v.reads.some((o) => tenantData.has(o))) {
        tenantData.add(v.oid);
        over.push(v);
        grew = true;
      }
    }
  }
  for (const v of over.filter((x) => x.materialized))
    await keepIfOk(client, () => client.query(`refresh materialized view ${v.sql}`));
  const tables: ReadTarget[] = scoped.map((t) => ({
    sql: t.sql,
    name: t.name.slice(t.name.indexOf('.') + 1),
    kind: 'table',
    hasTenantColumn: true,
    onlyTenantData: true,
  }));
  return [
    ...tables,
    ...over.map((v) => ({
      sql: v.sql,
      name: v.name,
      kind: v.materialized ? ('materialized view' as const) : ('view' as const),
      hasTenantColumn: v.has_tenant_column,
      onlyTenantData: v.reads.every((o) => tenantData.has(o)),
    })),
  ];
}
