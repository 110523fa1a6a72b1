import type pg from 'pg';

/** What the seeder needs to know about one table, read from pg_catalog. */
export interface SeedTable {
  oid: number;
  /** Quoted, schema-qualified name for SQL. */
  sql: string;
  /** `schema.table` for messages. */
  name: string;
  columns: SeedColumn[];
  foreignKeys: SeedForeignKey[];
  checks: SeedCheck[];
  /**
   * For a partitioned table: a condition true for rows some leaf partition accepts (the OR of
   * the leaves' partition constraints), so generated rows that fit nowhere are left out.
   */
  partitionFilter?: string;
}

export interface SeedColumn {
  attnum: number;
  name: string;
  /** format_type() of the column, used as the final cast. */
  type: string;
  typeOid: number;
  typmod: number;
  notNull: boolean;
  /** Default expression, absent when the column has none. */
  default?: string;
  identity: boolean;
  generated: boolean;
  /** Part of a primary key, unique constraint or unique index. */
  unique: boolean;
}

export interface SeedForeignKey {
  name: string;
  columns: string[];
  parentOid: number;
  parentColumns: string[];
}

export interface SeedCheck {
  name: string;
  /** Columns the check reads; empty for domain checks. */
  columns: string[];
  definition: string;
}

export interface SeedType {
  oid: number;
  name: string;
  /** b base, d domain, e enum, c composite, r range, m multirange, p pseudo. */
  typtype: string;
  category: string;
  elem: number;
  baseType: number;
  baseTypmod: number;
  enumLabels: string[];
  /** Checks of a domain, with their names (for violations that name them). */
  domainChecks: SeedCheck[];
}

const TABLES_SQL = `
select c.oid::int as oid, n.nspname, c.relname,
       format('%I.%I', n.nspname, c.relname) as sql,
       case when c.relkind = 'p' then (
         select string_agg(coalesce('(' || pg_get_partition_constraintdef(t.relid) || ')', 'true'), ' or ')
         from pg_partition_tree(c.oid) t where t.isleaf) end as partition_filter
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1) and c.relkind in ('r', 'p') and not c.relispartition
  and not exists (select 1 from pg_depend d
                  where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
order by n.nspname, c.relname`;

const COLUMNS_SQL = `
select a.attrelid::int as relid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) as type,
       a.atttypid::int as typeoid, a.atttypmod as typmod, a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid) as "default", a.attidentity <> '' as identity,
       a.attgenerated <> '' as generated,
       exists (select 1 from pg_index i where i.indrelid = a.attrelid and i.indisunique
               and a.attnum = any(i.indkey::int2[])) as "unique"
from pg_attribute a
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum`;

const CONSTRAINTS_SQL = `
select c.conrelid::int as relid, c.conname, c.contype, c.confrelid::int as parent,
       pg_get_constraintdef(c.oid) as def,
       array(select a.attname::text from unnest(c.conkey) with ordinality k(n, i)
             join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) as cols,
       array(select a.attname::text from unnest(c.confkey) with ordinality k(n, i)
             join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i) as pcols
from pg_constraint c
where c.conrelid = any($1::oid[]) and c.contype in ('f', 'c')
order by c.conrelid, c.conname`;

const TYPES_SQL = `
select t.oid::int as oid, format_type(t.oid, null) as name, t.typtype, t.typcategory,
       t.typelem::int as elem, t.typbasetype::int as basetype, t.typtypmod as basetypmod,
       array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid
             order by e.enumsortorder) as labels,
       array(select json_build_object('name', c.conname, 'def', pg_get_constraintdef(c.oid))::text
             from pg_constraint c where c.contypid = t.oid and c.contype = 'c') as checks
from pg_type t where t.oid = any($1::oid[])`;

export async function loadSeedTables(client: pg.Client, schemas: string[]): Promise<SeedTable[]> {
  const tables = await client.query(TABLES_SQL, [schemas]);
  const byOid = new Map<number, SeedTable>();
  for (const t of tables.rows) {
    const table: SeedTable = {
      oid: t.oid,
      sql: t.sql,
      name: `${t.nspname}.${t.relname}`,
      columns: [],
      foreignKeys: [],
      checks: [],
      ...(t.partition_filter ? { partitionFilter: t.partition_filter } : {}),
    };
    byOid.set(t.oid, table);
  }
  const oids = [...byOid.keys()];
  for (const c of (await client.query(COLUMNS_SQL, [oids])).rows) {
    byOid.get(c.relid)!.columns.push({
      attnum: c.attnum,
      name: c.attname,
      type: c.type,
      typeOid: c.typeoid,
      typmod: c.typmod,
      notNull: c.attnotnull,
      default: c.default ?? undefined,
      identity: c.identity,
      generated: c.generated,
      unique: c.unique,
    });
  }
  for (const c of (await client.query(CONSTRAINTS_SQL, [oids])).rows) {
    const table = byOid.get(c.relid)!;
    if (c.contype === 'f') {
      table.foreignKeys.push({
        name: c.conname,
        columns: c.cols,
        parentOid: c.parent,
        parentColumns: c.pcols,
      });
    } else {
      table.checks.push({ name: c.conname, columns: c.cols, definition: c.def });
    }
  }
  return [...byOid.values()];
}

/** Loads the types of the given oids and, transitively, their element and base types. */
export async function loadSeedTypes(
  client: pg.Client,
  oids: number[],
  known: Map<number, SeedType> = new Map(),
): Promise<Map<number, SeedType>> {
  let missing = [...new Set(oids)].filter((o) => o && !known.has(o));
  while (missing.length > 0) {
    const rows = (await client.query(TYPES_SQL, [missing])).rows;
    for (const r of rows) {
      known.set(r.oid, {
        oid: r.oid,
        name: r.name,
        typtype: r.typtype,
        category: r.typcategory,
        elem: r.elem,
        baseType: r.basetype,
        baseTypmod: r.basetypmod,
        enumLabels: r.labels,
        domainChecks: (r.checks as string[]).map((j) => {
          const c = JSON.parse(j) as { name: string; def: string };
          return { name: c.name, columns: [], definition: c.def };
        }),
      });
    }
    missing = rows
      .flatMap((r) => [r.elem, r.basetype] as number[])
      .filter((o) => o && !known.has(o));
  }
  return known;
}
