import type pg from 'pg';
import { CATALOG_SEARCH_PATH } from '../../sql/ident.js';

/**
 * One value per database that changes with any row of the catalogs a snapshot reads, in every
 * schema but Postgres' own. A physical replica that replayed the primary's WAL holds the same
 * rows, so equal checksums on both nodes show the tenants' catalogs are equal without reading
 * and deparsing each tenant's catalog on the replica (seconds per hundred tenants). Each row is
 * hashed as a whole, as its text, and the hashes are summed: no sort, one pass per catalog.
 * Anything that differs, a row changed since by autovacuum included, only sends the caller to
 * the snapshots.
 */
const CHECKSUM_SQL = `
with ns as (
  select oid from pg_namespace
  where nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
    and nspname not like 'pg\\_temp\\_%' and nspname not like 'pg\\_toast\\_temp\\_%'),
rel as (select oid from pg_class where relnamespace in (select oid from ns)),
typ as (select oid from pg_type where typnamespace in (select oid from ns)),
rows as (
  select x::text as r from pg_namespace x where x.oid in (select oid from ns)
  union all select x::text from pg_class x where x.oid in (select oid from rel)
  union all select x::text from pg_attribute x where x.attrelid in (select oid from rel)
  union all select x::text from pg_attrdef x where x.adrelid in (select oid from rel)
  union all select x::text from pg_index x where x.indrelid in (select oid from rel)
  union all select x::text from pg_inherits x where x.inhrelid in (select oid from rel)
  union all select x::text from pg_sequence x where x.seqrelid in (select oid from rel)
  union all select x::text from pg_trigger x where x.tgrelid in (select oid from rel)
  union all select x::text from pg_policy x where x.polrelid in (select oid from rel)
  union all select x::text from pg_rewrite x where x.ev_class in (select oid from rel)
  union all select x::text from pg_constraint x where x.connamespace in (select oid from ns)
  union all select x::text from pg_proc x where x.pronamespace in (select oid from ns)
  union all select x::text from pg_type x where x.oid in (select oid from typ)
  union all select x::text from pg_enum x where x.enumtypid in (select oid from typ)
  union all select x::text from pg_range x where x.rngtypid in (select oid from typ)
  union all select x::text from pg_extension x
  union all select x::text from pg_default_acl x
  union all select x::text from pg_depend x where x.deptype = 'e')
select count(*) || ':' || coalesce(sum(hashtextextended(r, 0)::numeric), 0) as checksum
from rows`;

/**
 * The checksum of the database `client` is connected to. The session's search_path becomes
 * pg_catalog's: a function or operator the PR named like one of the query's cannot stand in.
 */
export async function catalogChecksum(client: pg.Client): Promise<string> {
  await client.query(CATALOG_SEARCH_PATH);
  const r = await client.query<{ checksum: string }>(CHECKSUM_SQL);
  return r.rows[0].checksum;
}
