import pg from 'pg';
import { getErrorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Format } from '../core/model.js';
import type { TenantHandle } from '../core/tenants.js';
import { quoteIdent, quoteIdentIfNeeded } from '../sql/ident.js';
import { toolTableOf } from './tool-tables.js';
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

/** What a copy from the first tenant inserts, read once from its catalog for every tenant. */
export interface CopyPlan {
  from: TenantHandle;
  tables: CopiedTable[];
  sequences: string[];
}

interface CopiedTable {
  name: string;
  partitioned: boolean;
  /** Column names, quoted. */
  columns: string[];
  /** Per column: the type (schema-qualified) when it is one of the tenant's own, else null. */
  ownTypes: Array<string | null>;
}

/** The first tenant's tables, columns and sequences; the tool's version table is left out. */
export async function planTenantCopy(
  ws: Workspace,
  from: TenantHandle,
  format: Format,
): Promise<CopyPlan> {
  const client = await ws.connect(from);
  try {
    await client.query('begin');
    // Types print schema-qualified: a tenant's own enum or domain is then told by its schema.
    await client.query('set local search_path = pg_catalog');
    const tool = toolTableOf(format);
    const tables = await client.query<CopiedTable>(
      `select c.relname as name, c.relkind = 'p' as partitioned,
              array_agg(quote_ident(a.attname) order by a.attnum) as columns,
              array_agg(case when tn.oid = c.relnamespace or en.oid = c.relnamespace
                             then format_type(a.atttypid, a.atttypmod) end
                        order by a.attnum) as "ownTypes"
         from pg_class c
         join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                            and a.attgenerated = ''
         join pg_type t on t.oid = a.atttypid
         join pg_namespace tn on tn.oid = t.typnamespace
         left join pg_type e on e.oid = t.typelem and t.typcategory = 'A'
         left join pg_namespace en on en.oid = e.typnamespace
        where c.relnamespace = $1::regnamespace and c.relkind in ('r', 'p')
          and not c.relispartition and c.relpersistence <> 't' and c.relname <> $2
        group by c.oid, c.relname, c.relkind order by c.relname`,
      [quoteIdent(from.schema), tool && !tool.schema ? tool.table : ''],
    );
    const sequences = await client.query<{ name: string }>(
      `select relname as name from pg_class where relnamespace = $1::regnamespace and relkind = 'S'`,
      [quoteIdent(from.schema)],
    );
    await client.query('commit');
    return { from, tables: tables.rows, sequences: sequences.rows.map((r) => r.name) };
  } finally {
    await client.end();
  }
}

/** Rows copied into `to`, or false when the caller must seed it instead. */
export async function copyTenantRows(
  ws: Workspace,
  plan: CopyPlan,
  to: TenantHandle,
  logger?: Logger,
): Promise<boolean> {
  const { from } = plan;
  if (from.database !== to.database || from.schema === to.schema) return false;
  const client = await ws.connect(to);
  try {
    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    await copyRows(client, plan, to.schema);
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

async function copyRows(client: pg.Client, plan: CopyPlan, to: string): Promise<void> {
  const { tables, sequences } = plan;
  const from = plan.from.schema;
  if (tables.length === 0 && sequences.length === 0) return;
  // The copy's row-level security must not hide rows: a role that it applies to seeds instead.
  await client.query('set local row_security = off');
  const target = (name: string) => `${quoteIdent(to)}.${quoteIdent(name)}`;
  if (tables.length > 0) {
    // Rows the merged migrations inserted here are the first tenant's too: they make way for its.
    const filled = await client.query(
      tables
        .map(
          (t) =>
            `select ${pg.escapeLiteral(t.name)}::text as name where exists (select 1 from ${target(t.name)})`,
        )
        .join(' union all '),
    );
    // All at once: a table may only be truncated together with those referencing it.
    if (filled.rows.length > 0)
      await client.query(`truncate ${tables.map((t) => target(t.name)).join(', ')}`);
  }
  // A tenant's own enum or domain is another type in each schema: cast to this tenant's.
  const ownPrefix = `${quoteIdentIfNeeded(from)}.`;
  const castTo = (type: string) =>
    type.startsWith(ownPrefix) ? `${quoteIdent(to)}.${type.slice(ownPrefix.length)}` : type;
  for (const t of tables) {
    const values = t.columns.map((c, i) => {
      const own = t.ownTypes[i];
      return own ? `${c}::text::${castTo(own)}` : c;
    });
    const source = `${t.partitioned ? '' : 'only '}${quoteIdent(from)}.${quoteIdent(t.name)}`;
    await client.query(
      `insert into ${target(t.name)} (${t.columns.join(', ')}) overriding system value select ${values.join(', ')} from ${source}`,
    );
  }
  // Every sequence where the first tenant's is, in one statement (each sequence is one row).
  if (sequences.length > 0) {
    const seq = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;
    const sets = sequences.map(
      (name, k) =>
        `setval(${pg.escapeLiteral(seq(to, name))}::regclass, s${k}.last_value, s${k}.is_called)`,
    );
    const sources = sequences.map((name, k) => `${seq(from, name)} s${k}`);
    await client.query(`select ${sets.join(', ')} from ${sources.join(', ')}`);
  }
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
