import pg from 'pg';
import { getErrorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Format } from '../core/model.js';
import type { TenantHandle } from '../core/tenants.js';
import { quoteIdent } from '../sql/ident.js';
import { toolTableOid } from './tool-tables.js';
import type { Workspace } from './workspace.js';

/**
 * Schema tenants built from one history hold what the first holds once it is seeded: the seed
 * is deterministic, and so are the rows the merged migrations insert. Their rows are copied from
 * the first tenant instead of generated again, in a session with `session_replication_role =
 * replica` so that the copy does not check each row's foreign keys again (they hold in the first
 * tenant) nor fire its triggers a second time. A copy is several times cheaper than the seed,
 * which is the largest part of building a tenant.
 *
 * The migration role may set `session_replication_role` only while the copies run: the superuser
 * grants it (Postgres 15 and later) and revokes it before any PR statement runs. Where that is
 * not possible, or a copy fails, the tenant is seeded as the first was.
 */

/** Rows copied into `to`, or false when the caller must seed it instead. */
export async function copyTenantRows(
  ws: Workspace,
  from: TenantHandle,
  to: TenantHandle,
  format: Format,
  logger?: Logger,
): Promise<boolean> {
  if (from.database !== to.database || from.schema === to.schema) return false;
  const client = await ws.connect(to);
  try {
    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    const copied = await copyRows(client, from.schema, to.schema, format);
    if (!copied) {
      await client.query('rollback');
      return false;
    }
    await client.query('commit');
    return true;
  } catch (error) {
    logger?.debug(
      `${to.name}: rows not copied from ${from.name}, seeded instead: ${getErrorMessage(error)}`,
    );
    await client.query('rollback').catch(() => undefined);
    return false;
  } finally {
    await client.end();
  }
}

interface CopiedTable {
  name: string;
  partitioned: boolean;
  /** Target column names, quoted. */
  columns: string[];
  /** What is selected for each: the column, or cast through text to the target's own type. */
  values: string[];
}

async function copyRows(
  client: pg.Client,
  from: string,
  to: string,
  format: Format,
): Promise<boolean> {
  // The migration tool's table holds the versions createVersionTable wrote for this tenant.
  const tool = await toolTableOid(client, format);
  // A tenant's enums and domains are its own types: such a column is cast to the target's type.
  const r = await client.query<CopiedTable>(
    `select s.relname as name, s.relkind = 'p' as partitioned,
            coalesce(array_agg(quote_ident(sa.attname) order by sa.attnum), '{}') as columns,
            coalesce(array_agg(case when sa.atttypid = ta.atttypid then quote_ident(sa.attname)
                                    else quote_ident(sa.attname) || '::text::'
                                         || format_type(ta.atttypid, ta.atttypmod) end
                               order by sa.attnum), '{}') as values
       from pg_class s
       join pg_class t on t.relname = s.relname and t.relnamespace = $2::regnamespace
       join pg_attribute sa on sa.attrelid = s.oid and sa.attnum > 0 and not sa.attisdropped
                           and sa.attgenerated = ''
       join pg_attribute ta on ta.attrelid = t.oid and ta.attname = sa.attname
                           and not ta.attisdropped
      where s.relnamespace = $1::regnamespace and s.relkind in ('r', 'p')
        and not s.relispartition and s.relpersistence <> 't'
        and t.oid <> coalesce($3::oid, 0)
      group by s.oid, s.relname, s.relkind order by s.relname`,
    [quoteIdent(from), quoteIdent(to), tool ?? null],
  );
  const tables = r.rows;
  if (tables.length === 0) return true;
  // The copy's row-level security must not hide rows: a role that it applies to seeds instead.
  await client.query('set local row_security = off');
  const target = (t: CopiedTable) => `${quoteIdent(to)}.${quoteIdent(t.name)}`;
  // Rows the merged migrations inserted here are the first tenant's too: they make way for its.
  const filled = await client.query<{ name: string }>(
    tables
      .map(
        (t) =>
          `select ${pg.escapeLiteral(t.name)}::text as name where exists (select 1 from ${target(t)})`,
      )
      .join(' union all '),
  );
  // All at once: a table may only be truncated together with those referencing it.
  if (filled.rows.length > 0) await client.query(`truncate ${tables.map(target).join(', ')}`);
  for (const t of tables) {
    const source = `${t.partitioned ? '' : 'only '}${quoteIdent(from)}.${quoteIdent(t.name)}`;
    await client.query(
      `insert into ${target(t)} (${t.columns.join(', ')}) overriding system value select ${t.values.join(', ')} from ${source}`,
    );
  }
  const sequences = await client.query<{ name: string }>(
    `select relname as name from pg_class where relnamespace = $1::regnamespace and relkind = 'S'`,
    [quoteIdent(from)],
  );
  // Every sequence where the first tenant's is, in one statement (each sequence is one row).
  if (sequences.rows.length > 0) {
    const seq = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
    const sets = sequences.rows.map(
      (q, k) =>
        `setval(${pg.escapeLiteral(seq(to, q.name))}::regclass, s${k}.last_value, s${k}.is_called)`,
    );
    const sources = sequences.rows.map((q, k) => `${seq(from, q.name)} s${k}`);
    await client.query(`select ${sets.join(', ')} from ${sources.join(', ')}`);
  }
  return true;
}

/**
 * Lets the migration role set `session_replication_role` while `fn` runs (Postgres 15 and later;
 * as the superuser it may anyway). `fn` learns whether copies can run at all.
 */
export async function withReplicationRole<T>(
  ws: Workspace,
  fn: (allowed: boolean) => Promise<T>,
): Promise<T> {
  const role = await ws.migrationRole();
  if (!role) return fn(true);
  const admin = await ws.connectAsSuperuser(ws.cluster.primary.database);
  const grant = `set on parameter session_replication_role`;
  try {
    const version = await admin.query<{ v: string }>(
      `select current_setting('server_version_num') as v`,
    );
    if (Number(version.rows[0].v) < 150000) return await fn(false);
    await admin.query(`grant ${grant} to ${quoteIdent(role.name)}`);
    try {
      return await fn(true);
    } finally {
      await admin.query(`revoke ${grant} from ${quoteIdent(role.name)}`);
    }
  } finally {
    await admin.end();
  }
}
