import type pg from 'pg';
import type { ExtensionInfo, FunctionInfo, TriggerInfo, TypeInfo } from './types.js';
import { NOT_EXTENSION_RELATION } from './read-relations.js';
import { readKind, type CatalogKind, type CatalogRow } from './kind.js';

/** SQL condition: the row `o` of catalog `catalog` is not a member of an extension. */
function notExtensionMember(catalog: string): string {
  return `not exists (select 1 from pg_depend x
    where x.classid = '${catalog}'::regclass and x.objid = o.oid and x.deptype = 'e')`;
}

/** Functions Postgres makes for a type (range and multirange constructors) depend on it internally. */
const FUNCTIONS_SQL = `
select n.nspname as in_schema, quote_ident(n.nspname) || '.' || quote_ident(o.proname)
    || '(' || pg_get_function_identity_arguments(o.oid) || ')' as name,
  o.prokind as kind, coalesce(pg_get_function_result(o.oid), '') as returns,
  l.lanname as language, o.prosecdef as security_definer,
  coalesce(o.proconfig, '{}') as config, o.provolatile as volatility,
  case when o.prosqlbody is not null then pg_get_function_sqlbody(o.oid) else o.prosrc end
    as body,
  pg_get_userbyid(o.proowner) as owner
from pg_proc o join pg_namespace n on n.oid = o.pronamespace
join pg_language l on l.oid = o.prolang
where n.nspname = any($1::text[]) and ${notExtensionMember('pg_proc')}
  and not exists (select 1 from pg_depend x
    where x.classid = 'pg_proc'::regclass and x.objid = o.oid and x.deptype = 'i')`;

const TRIGGERS_SQL = `
select n.nspname as in_schema, t.tgname as name,
  quote_ident(n.nspname) || '.' || quote_ident(c.relname) as table_name,
  pg_get_triggerdef(t.oid) as definition, t.tgenabled <> 'D' as enabled
from pg_trigger t
join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[]) and not t.tgisinternal and ${NOT_EXTENSION_RELATION}`;

/**
 * Enums, stand-alone composite types, domains and ranges; array types, table row types and the
 * multiranges Postgres creates beside each range are implied by other objects. A domain's checks
 * are gathered in one pass over pg_constraint: looked up per type, the planner scans it whole
 * for each (contypid is 0 on most rows, so its index looks useless), once per tenant's type.
 */
const TYPES_SQL = `
with domain_checks as (
  select k.contypid, array_agg(k.conname || ': ' || pg_get_constraintdef(k.oid)
    order by k.conname) as checks
  from pg_constraint k
  where k.contypid <> 0 and k.contype <> 'n'
  group by k.contypid)
select n.nspname as in_schema, quote_ident(n.nspname) || '.' || quote_ident(o.typname) as name,
  o.typtype as kind,
  array(select e.enumlabel::text from pg_enum e where e.enumtypid = o.oid
    order by e.enumsortorder) as labels,
  array(select quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
    from pg_attribute a where a.attrelid = o.typrelid and a.attnum > 0 and not a.attisdropped
    order by a.attnum) as attributes,
  format_type(o.typbasetype, o.typtypmod) as base_type, o.typnotnull as not_null,
  o.typdefault as default_value,
  coalesce(dc.checks, '{}') as checks,
  format_type(r.rngsubtype, null) as subtype,
  case when r.rngcanonical <> 0 then r.rngcanonical::regproc::text end as canonical,
  case when r.rngsubdiff <> 0 then r.rngsubdiff::regproc::text end as subdiff
from pg_type o join pg_namespace n on n.oid = o.typnamespace
left join pg_class c on c.oid = o.typrelid
left join pg_range r on r.rngtypid = o.oid
left join domain_checks dc on dc.contypid = o.oid
where n.nspname = any($1::text[]) and o.typtype in ('e', 'c', 'd', 'r')
  and (o.typtype <> 'c' or c.relkind = 'c') and ${notExtensionMember('pg_type')}`;

const EXTENSIONS_SQL = `
select n.nspname as in_schema, o.extname as name, o.extversion as version, n.nspname as schema
from pg_extension o join pg_namespace n on n.oid = o.extnamespace
where n.nspname = any($1::text[])`;

const FUNCTION_KIND: Record<string, FunctionInfo['kind']> = {
  f: 'function',
  p: 'procedure',
  a: 'aggregate',
  w: 'window',
};
const VOLATILITY: Record<string, FunctionInfo['volatility']> = {
  i: 'immutable',
  s: 'stable',
  v: 'volatile',
};
const TYPE_KIND: Record<string, TypeInfo['kind']> = {
  e: 'enum',
  c: 'composite',
  d: 'domain',
  r: 'range',
};

export const FUNCTIONS: CatalogKind<FunctionInfo> = {
  queries: [FUNCTIONS_SQL],
  build: ([rows]) => rows.map(toFunction),
};

function toFunction(row: CatalogRow): FunctionInfo {
  return {
    name: row.name,
    kind: FUNCTION_KIND[row.kind],
    returns: row.returns,
    language: row.language,
    securityDefiner: row.security_definer,
    config: [...row.config].sort(),
    volatility: VOLATILITY[row.volatility],
    body: row.body,
    owner: row.owner,
  };
}

/** Triggers of the tables in the schemas (the function a trigger runs may be in any schema). */
export const TRIGGERS: CatalogKind<TriggerInfo> = {
  queries: [TRIGGERS_SQL],
  build: ([rows]) =>
    rows.map((row) => ({
      name: row.name,
      table: row.table_name,
      definition: row.definition,
      enabled: row.enabled,
    })),
};

/** What a type is made of, as short readable lines in a meaningful order. */
function typeElements(row: Record<string, any>): string[] {
  switch (row.kind) {
    case 'e':
      return row.labels;
    case 'c':
      return row.attributes;
    case 'd':
      return [
        `base ${row.base_type}`,
        ...(row.not_null ? ['not null'] : []),
        ...(row.default_value !== null ? [`default ${row.default_value}`] : []),
        ...row.checks,
      ];
    default:
      return [
        `subtype ${row.subtype}`,
        ...(row.canonical ? [`canonical ${row.canonical}`] : []),
        ...(row.subdiff ? [`subdiff ${row.subdiff}`] : []),
      ];
  }
}

export const TYPES: CatalogKind<TypeInfo> = {
  queries: [TYPES_SQL],
  build: ([rows]) =>
    rows.map((row) => ({ name: row.name, kind: TYPE_KIND[row.kind], elements: typeElements(row) })),
};

/** Extensions whose objects were created in the schemas. */
export const EXTENSIONS: CatalogKind<ExtensionInfo> = {
  queries: [EXTENSIONS_SQL],
  build: ([rows]) =>
    rows.map((row) => ({ name: row.name, version: row.version, schema: row.schema })),
};

export function readFunctions(client: pg.Client, schemas: string[]): Promise<FunctionInfo[]> {
  return readKind(client, schemas, FUNCTIONS);
}

export function readTriggers(client: pg.Client, schemas: string[]): Promise<TriggerInfo[]> {
  return readKind(client, schemas, TRIGGERS);
}

export function readTypes(client: pg.Client, schemas: string[]): Promise<TypeInfo[]> {
  return readKind(client, schemas, TYPES);
}

export function readExtensions(client: pg.Client, schemas: string[]): Promise<ExtensionInfo[]> {
  return readKind(client, schemas, EXTENSIONS);
}
