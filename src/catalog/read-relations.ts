import type pg from 'pg';
import type { ColumnInfo, SequenceInfo, TableInfo } from './types.js';
import { compact } from './normalise.js';
import { readKind, type CatalogKind, type CatalogRow } from './kind.js';

/** SQL condition: the pg_class row `c` is not a member of an extension (those belong to it). */
export const NOT_EXTENSION_RELATION = `not exists (select 1 from pg_depend x
  where x.classid = 'pg_class'::regclass and x.objid = c.oid and x.deptype = 'e')`;

const RELATIONS_SQL = `
select n.nspname as in_schema, c.oid::int8::text as oid,
  quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name,
  c.relkind, c.relpersistence, pg_get_userbyid(c.relowner) as owner,
  c.relrowsecurity, c.relforcerowsecurity, coalesce(c.reloptions, '{}') as options,
  case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end as viewdef
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'f')
  and ${NOT_EXTENSION_RELATION}`;

const COLUMNS_SQL = `
select n.nspname as in_schema, a.attrelid::int8::text as oid, a.attname as name,
  format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
  a.attidentity as identity, a.attgenerated as generated,
  pg_get_expr(d.adbin, d.adrelid) as expr,
  case when a.attcollation <> t.typcollation
    then quote_ident(cn.nspname) || '.' || quote_ident(co.collname) end as collation
from pg_attribute a
join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
join pg_type t on t.oid = a.atttypid
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
left join pg_collation co on co.oid = a.attcollation
left join pg_namespace cn on cn.oid = co.collnamespace
where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'f')
  and a.attnum > 0 and not a.attisdropped and ${NOT_EXTENSION_RELATION}
order by a.attrelid, a.attnum`;

const SEQUENCES_SQL = `
select n.nspname as in_schema, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name,
  format_type(s.seqtypid, null) as type, s.seqstart::text as start,
  s.seqincrement::text as increment, s.seqmin::text as min, s.seqmax::text as max,
  s.seqcache::text as cache, s.seqcycle as cycle,
  quote_ident(tn.nspname) || '.' || quote_ident(t.relname) || '.' || quote_ident(a.attname)
    as owned_by
from pg_sequence s join pg_class c on c.oid = s.seqrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = c.oid
  and d.refclassid = 'pg_class'::regclass and d.refobjsubid > 0 and d.deptype in ('a', 'i')
left join pg_class t on t.oid = d.refobjid left join pg_namespace tn on tn.oid = t.relnamespace
left join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
where n.nspname = any($1::text[]) and ${NOT_EXTENSION_RELATION}`;

const RELKIND: Record<string, TableInfo['kind']> = {
  r: 'table',
  p: 'partitioned',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
};
const PERSISTENCE: Record<string, TableInfo['persistence']> = {
  p: 'permanent',
  u: 'unlogged',
  t: 'temporary',
};

/** `security_invoker` has its own field; reloptions keep the rest (fillfactor, ...). */
function splitViewOptions(options: string[]): { securityInvoker: boolean; rest: string[] } {
  const invoker = options.find((o) => o.startsWith('security_invoker='));
  const value = invoker?.slice('security_invoker='.length).toLowerCase();
  return {
    securityInvoker: value !== undefined && ['true', 'on', 'yes', '1'].includes(value),
    rest: options.filter((o) => o !== invoker),
  };
}

function toColumn(row: Record<string, any>): ColumnInfo {
  const generated = row.generated === 's' || row.generated === 'v';
  return compact({
    name: row.name,
    type: row.type,
    notNull: row.not_null,
    default: generated ? undefined : (row.expr ?? undefined),
    identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by default' : undefined,
    generated: generated ? row.expr : undefined,
    generatedKind: generated ? (row.generated === 'v' ? 'virtual' : 'stored') : undefined,
    collation: row.collation ?? undefined,
  } satisfies ColumnInfo);
}

function toTable(row: Record<string, any>, columns: ColumnInfo[]): TableInfo {
  const isView = row.relkind === 'v' || row.relkind === 'm';
  const { securityInvoker, rest } = splitViewOptions(row.options);
  return compact({
    name: row.name,
    kind: RELKIND[row.relkind],
    persistence: PERSISTENCE[row.relpersistence],
    owner: row.owner,
    rlsEnabled: row.relrowsecurity,
    rlsForced: row.relforcerowsecurity,
    columns,
    viewDefinition: isView ? row.viewdef : undefined,
    securityInvoker: row.relkind === 'v' ? securityInvoker : undefined,
    options: rest.length > 0 ? [...rest].sort() : undefined,
  } satisfies TableInfo);
}

const SCHEMAS_SQL = `
select nspname as in_schema, quote_ident(nspname) as name
from pg_namespace where nspname = any($1::text[])`;

/** The requested schemas that exist, quoted the way qualified object names quote them. */
export const SCHEMAS: CatalogKind<string> = {
  queries: [SCHEMAS_SQL],
  build: ([rows]) => rows.map((row) => row.name as string),
};

/** Tables, views, materialized views and foreign tables with their columns in attnum order. */
export const TABLES: CatalogKind<TableInfo> = {
  queries: [RELATIONS_SQL, COLUMNS_SQL],
  build: ([relations, columns]) => {
    const byRelation = new Map<string, ColumnInfo[]>();
    for (const row of columns) {
      const list = byRelation.get(row.oid) ?? [];
      list.push(toColumn(row));
      byRelation.set(row.oid, list);
    }
    return relations.map((row) => toTable(row, byRelation.get(row.oid) ?? []));
  },
};

export const SEQUENCES: CatalogKind<SequenceInfo> = {
  queries: [SEQUENCES_SQL],
  build: ([rows]) => rows.map(toSequence),
};

function toSequence(row: CatalogRow): SequenceInfo {
  return compact({
    name: row.name,
    type: row.type,
    ownedBy: row.owned_by ?? undefined,
    start: row.start,
    increment: row.increment,
    min: row.min,
    max: row.max,
    cache: row.cache,
    cycle: row.cycle,
  } satisfies SequenceInfo);
}

export function readSchemas(client: pg.Client, schemas: string[]): Promise<string[]> {
  return readKind(client, schemas, SCHEMAS);
}

export function readTables(client: pg.Client, schemas: string[]): Promise<TableInfo[]> {
  return readKind(client, schemas, TABLES);
}

export function readSequences(client: pg.Client, schemas: string[]): Promise<SequenceInfo[]> {
  return readKind(client, schemas, SEQUENCES);
}
