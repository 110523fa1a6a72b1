import type pg from 'pg';
import type { ConstraintInfo, IndexInfo } from './types.js';
import { compact } from './normalise.js';
import { NOT_EXTENSION_RELATION } from './read-relations.js';
import { readKind, type CatalogKind, type CatalogRow } from './kind.js';

/**
 * Postgres 18 records every NOT NULL as a constraint of type `n`; a validated one says no more
 * than the column's `notNull`, so only NOT VALID ones are kept (they carry information).
 */
const CONSTRAINTS_SQL = `
select n.nspname as in_schema,
  quote_ident(n.nspname) || '.' || quote_ident(c.relname) as table_name,
  k.conname as name, k.contype as type, pg_get_constraintdef(k.oid) as definition,
  array(select a.attname::text from unnest(k.conkey) with ordinality u(num, ord)
    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.num order by u.ord) as columns,
  case when k.contype = 'f' then quote_ident(fn.nspname) || '.' || quote_ident(f.relname) end
    as ref_table,
  array(select a.attname::text from unnest(k.confkey) with ordinality u(num, ord)
    join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.num order by u.ord)
    as ref_columns,
  k.confdeltype as on_delete, k.confupdtype as on_update, k.condeferrable as deferrable,
  k.condeferred as deferred, k.convalidated as validated,
  case when k.contype in ('p', 'u', 'x') then quote_ident(n.nspname) || '.' || quote_ident(i.relname)
    end as index_name
from pg_constraint k
join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
left join pg_class f on f.oid = k.confrelid left join pg_namespace fn on fn.oid = f.relnamespace
left join pg_class i on i.oid = k.conindid
where n.nspname = any($1::text[]) and (k.contype <> 'n' or not k.convalidated)
  and ${NOT_EXTENSION_RELATION}`;

const INDEXES_SQL = `
select n.nspname as in_schema, quote_ident(n.nspname) || '.' || quote_ident(ic.relname) as name,
  quote_ident(n.nspname) || '.' || quote_ident(c.relname) as table_name,
  pg_get_indexdef(x.indexrelid) as definition,
  -- A plain key column by its name, as pg_attribute has it (like constraint columns); an
  -- expression as Postgres prints it.
  array(select coalesce(
      (select a.attname::text from pg_attribute a
        where a.attrelid = x.indrelid and a.attnum = x.indkey[k - 1] and x.indkey[k - 1] <> 0),
      pg_get_indexdef(x.indexrelid, k, true))
    from generate_series(1, x.indnkeyatts) k order by k) as columns,
  x.indisunique as is_unique, x.indisprimary as is_primary, x.indisvalid as valid,
  (select k.conname from pg_constraint k where k.conindid = x.indexrelid
    and k.conrelid = x.indrelid and k.contype in ('p', 'u', 'x')) as constraint_name
from pg_index x
join pg_class ic on ic.oid = x.indexrelid
join pg_class c on c.oid = x.indrelid join pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[]) and ${NOT_EXTENSION_RELATION}`;

/** pg_constraint's one-letter referential actions. */
const FK_ACTION: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

function toConstraint(row: Record<string, any>): ConstraintInfo {
  const isForeignKey = row.type === 'f';
  return compact({
    name: row.name,
    table: row.table_name,
    type: row.type,
    definition: row.definition,
    columns: row.columns,
    references: isForeignKey ? { table: row.ref_table, columns: row.ref_columns } : undefined,
    onDelete: isForeignKey ? FK_ACTION[row.on_delete] : undefined,
    onUpdate: isForeignKey ? FK_ACTION[row.on_update] : undefined,
    deferrable: row.deferrable,
    deferred: row.deferred,
    validated: row.validated,
    index: row.index_name ?? undefined,
  } satisfies ConstraintInfo);
}

/** Constraints of the tables in the schemas (a foreign key's table may be in any schema). */
export const CONSTRAINTS: CatalogKind<ConstraintInfo> = {
  queries: [CONSTRAINTS_SQL],
  build: ([rows]) => rows.map(toConstraint),
};

/** Indexes of the tables in the schemas (an index lives in its table's schema). */
export const INDEXES: CatalogKind<IndexInfo> = {
  queries: [INDEXES_SQL],
  build: ([rows]) => rows.map(toIndex),
};

function toIndex(row: CatalogRow): IndexInfo {
  return compact({
    name: row.name,
    table: row.table_name,
    definition: row.definition,
    columns: row.columns,
    unique: row.is_unique,
    primary: row.is_primary,
    valid: row.valid,
    constraint: row.constraint_name ?? undefined,
  } satisfies IndexInfo);
}

export function readConstraints(client: pg.Client, schemas: string[]): Promise<ConstraintInfo[]> {
  return readKind(client, schemas, CONSTRAINTS);
}

export function readIndexes(client: pg.Client, schemas: string[]): Promise<IndexInfo[]> {
  return readKind(client, schemas, INDEXES);
}
