/**
 * sqlc writes `SELECT *` out as the table's columns when it generates the code, so the query the
 * running release sends names every column the table had at the base ref: dropping or renaming
 * any of them breaks it, even though `SELECT *` itself would still prepare. Such queries are
 * checked in their expanded form: `*` replaced by the columns it returned at the base.
 */
import type pg from 'pg';
import { quoteIdentIfNeeded } from '../../sql/ident.js';
import type { GateContext, TenantHandle } from '../gate.js';
import type { AppQuery } from './queries.js';

/** `SELECT *` or `SELECT t.*` at the head of a query (after DISTINCT), and what follows. */
const LEADING_STAR = /^(\s*select\s+(?:distinct\s+)?)(?:("?[A-Za-z_][\w$]*"?)\.)?\*(?=\s|,|$)/i;

const isSqlc = (q: AppQuery) => !/:\d+$/.test(q.name);

function parameterCount(sql: string): number {
  return Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
}

/** The column names `query` returns on this connection, read from a run that returns no rows. */
async function resultColumns(client: pg.Client, query: AppQuery): Promise<string[] | undefined> {
  const params = Array.from({ length: parameterCount(query.prepared) }, () => 'NULL').join(', ');
  try {
    await client.query('begin');
    await client.query(
      `PREPARE schemagate_compat_star AS SELECT * FROM (${query.prepared}) AS q LIMIT 0`,
    );
    const r = await client.query(`EXECUTE schemagate_compat_star${params ? `(${params})` : ''}`);
    return r.fields.map((f) => f.name);
  } catch {
    return undefined;
  } finally {
    await client.query('rollback').catch(() => undefined);
  }
}

/**
 * The shipped sqlc queries with a leading `*` rewritten to the columns it stood for at the base
 * (on a fresh copy of the pre-PR state); other queries unchanged.
 */
export async function expandStars(ctx: GateContext, queries: AppQuery[]): Promise<AppQuery[]> {
  const starred = queries.filter((q) => isSqlc(q) && LEADING_STAR.test(q.prepared));
  if (starred.length === 0) return queries;
  const copy = await ctx.databases.cloneBase('compat_star');
  const tenant: TenantHandle | undefined = copy.tenants[0];
  if (!tenant) return queries;
  const client = await ctx.databases.connect(tenant);
  const expanded = new Map<AppQuery, AppQuery>();
  try {
    for (const q of starred) {
      const columns = await resultColumns(client, q);
      if (!columns?.length) continue;
      const list = (qualifier?: string) =>
        columns
          .map((c) => `${qualifier ? `${qualifier}.` : ''}${quoteIdentIfNeeded(c)}`)
          .join(', ');
      const rewrite = (text: string) =>
        text.replace(LEADING_STAR, (_, head: string, qualifier?: string) => head + list(qualifier));
      expanded.set(q, {
        ...q,
        sql: rewrite(q.sql),
        prepared: rewrite(q.prepared),
        note: `sqlc generated its * as the columns it returned at the base: ${list()}`,
      });
    }
  } finally {
    await client.end();
  }
  return queries.map((q) => expanded.get(q) ?? q);
}
