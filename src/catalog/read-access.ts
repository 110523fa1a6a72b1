import type pg from 'pg';
import type { GrantInfo, PolicyInfo } from './types.js';
import { compact } from './normalise.js';
import { NOT_EXTENSION_RELATION } from './read-relations.js';
import { readKind, type CatalogKind, type CatalogRow } from './kind.js';

const POLICIES_SQL = `
select n.nspname as in_schema, p.polname as name,
  quote_ident(n.nspname) || '.' || quote_ident(c.relname) as table_name,
  p.polcmd as command, p.polpermissive as permissive,
  array(select case when r = 0 then 'PUBLIC' else pg_get_userbyid(r)::text end
    from unnest(p.polroles) r) as roles,
  pg_get_expr(p.polqual, p.polrelid) as using_expr,
  pg_get_expr(p.polwithcheck, p.polrelid) as check_expr
from pg_policy p
join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[])`;

/** pg_default_acl.defaclobjtype as ALTER DEFAULT PRIVILEGES names it. */
const DEFAULT_ACL_KIND = `case d.defaclobjtype when 'r' then 'tables' when 'S' then 'sequences'
  when 'f' then 'functions' when 'T' then 'types' when 'n' then 'schemas' end`;

/**
 * Privileges as stored (`acl`) next to the privileges Postgres gives by default (`defaults`:
 * the owner's own rights, EXECUTE to PUBLIC on functions). A NULL acl means exactly the
 * defaults, so only objects with an explicit acl are read. Column privileges and default
 * privileges (ALTER DEFAULT PRIVILEGES, database-wide or per schema) are read the same way: a
 * per-schema entry adds to the defaults, so it has none of its own. A database-wide one belongs
 * to every list of schemas (its `in_schema` is NULL).
 */
const GRANTS_SQL = `
with objects as (
  select n.nspname as in_schema,
    case when c.relkind = 'S' then 'sequence ' else 'table ' end
      || quote_ident(n.nspname) || '.' || quote_ident(c.relname) as object,
    c.relacl as acl,
    acldefault(case when c.relkind = 'S' then 's' else 'r' end::"char", c.relowner) as defaults
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
    and c.relacl is not null and ${NOT_EXTENSION_RELATION}
  union all
  select n.nspname, 'function ' || quote_ident(n.nspname) || '.' || quote_ident(o.proname)
      || '(' || pg_get_function_identity_arguments(o.oid) || ')',
    o.proacl, acldefault('f', o.proowner)
  from pg_proc o join pg_namespace n on n.oid = o.pronamespace
  where n.nspname = any($1::text[]) and o.proacl is not null
    and not exists (select 1 from pg_depend x
      where x.classid = 'pg_proc'::regclass and x.objid = o.oid and x.deptype = 'e')
  union all
  select n.nspname, 'schema ' || quote_ident(n.nspname), n.nspacl, acldefault('n', n.nspowner)
  from pg_namespace n where n.nspname = any($1::text[]) and n.nspacl is not null
  union all
  select n.nspname,
    'column ' || quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || a.attname,
    a.attacl, null::aclitem[]
  from pg_attribute a join pg_class c on c.oid = a.attrelid
  join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any($1::text[]) and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and a.attnum > 0 and not a.attisdropped and a.attacl is not null and ${NOT_EXTENSION_RELATION}
  union all
  select n.nspname, 'future ' || ${DEFAULT_ACL_KIND} || ' of ' || pg_get_userbyid(d.defaclrole)
      || coalesce(' in schema ' || quote_ident(n.nspname), ''),
    d.defaclacl,
    case when d.defaclnamespace = 0 then acldefault(d.defaclobjtype, d.defaclrole)
      else null::aclitem[] end
  from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace
  where d.defaclnamespace = 0 or n.nspname = any($1::text[])
)
select o.in_schema, o.object, e.source,
  case when e.grantee = 0 then 'PUBLIC' else pg_get_userbyid(e.grantee)::text end as grantee,
  e.privilege_type as privilege, e.is_grantable as grantable
from objects o, lateral (
  select 'acl' as source, a.* from aclexplode(o.acl) a
  union all select 'default', d.* from aclexplode(o.defaults) d) e`;

const POLICY_COMMAND: Record<string, PolicyInfo['command']> = {
  '*': 'ALL',
  r: 'SELECT',
  a: 'INSERT',
  w: 'UPDATE',
  d: 'DELETE',
};

/** Policies of the tables in the schemas. */
export const POLICIES: CatalogKind<PolicyInfo> = {
  queries: [POLICIES_SQL],
  build: ([rows]) => rows.map(toPolicy),
};

function toPolicy(row: CatalogRow): PolicyInfo {
  return compact({
    name: row.name,
    table: row.table_name,
    command: POLICY_COMMAND[row.command],
    permissive: row.permissive,
    roles: [...row.roles].sort(),
    using: row.using_expr ?? undefined,
    withCheck: row.check_expr ?? undefined,
  } satisfies PolicyInfo);
}

type Privileges = Map<string, { grantee: string; privilege: string; grantable: boolean }>;

/** Merges rows of several grantors into one entry per grantee and privilege. */
function collect(privileges: Privileges, row: Record<string, any>): void {
  const key = `${row.grantee}\u0000${row.privilege}`;
  const seen = privileges.get(key);
  privileges.set(key, {
    grantee: row.grantee,
    privilege: row.privilege,
    grantable: (seen?.grantable ?? false) || row.grantable,
  });
}

/** What an acl grants beyond the defaults, and which defaults it takes away. */
function departuresFromDefaults(object: string, acl: Privileges, defaults: Privileges) {
  const grants: GrantInfo[] = [];
  for (const [key, entry] of acl) {
    const standard = defaults.get(key);
    if (!standard || standard.grantable !== entry.grantable) grants.push({ object, ...entry });
  }
  for (const [key, entry] of defaults) {
    if (!acl.has(key)) grants.push({ object, ...entry, grantable: false, revoked: true });
  }
  return grants;
}

/** Grants on the schemas and their objects, and default privileges. */
export const GRANTS: CatalogKind<GrantInfo> = {
  queries: [GRANTS_SQL],
  build: ([rows]) => grantsOf(rows),
};

function grantsOf(rows: CatalogRow[]): GrantInfo[] {
  const objects = new Map<string, { acl: Privileges; defaults: Privileges }>();
  for (const row of rows) {
    const entry = objects.get(row.object) ?? { acl: new Map(), defaults: new Map() };
    collect(row.source === 'acl' ? entry.acl : entry.defaults, row);
    objects.set(row.object, entry);
  }
  return [...objects].flatMap(([object, { acl, defaults }]) =>
    departuresFromDefaults(object, acl, defaults),
  );
}

export function readPolicies(client: pg.Client, schemas: string[]): Promise<PolicyInfo[]> {
  return readKind(client, schemas, POLICIES);
}

export function readGrants(client: pg.Client, schemas: string[]): Promise<GrantInfo[]> {
  return readKind(client, schemas, GRANTS);
}
