import type pg from 'pg';
import { getErrorMessage } from '../core/errors.js';
import type { LockHeld, PgErrorInfo, StatementTrace } from '../core/trace.js';

/**
 * What a statement did to the catalog, read from the migrating backend itself: the relation
 * locks it holds (pg_locks) and the relations whose storage it replaced (relfilenode).
 */

export interface RelationState {
  /** oid → relfilenode of every pre-existing relation in the tenant's schemas. */
  filenodes: Map<number, number>;
  /** oid → display name (tenant schema removed). */
  names: Map<number, string>;
}

const RELATIONS_SQL = `
  select c.oid::int as oid, c.relfilenode::int as filenode, n.nspname as schema, c.relname as name
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any($1::text[]) and c.relkind in ('r','p','i','I','m','S')`;

/** Display name of a relation: unqualified inside the tenant schema, qualified elsewhere. */
export function displayName(schema: string, name: string, tenantSchema: string): string {
  return schema === tenantSchema ? name : `${schema}.${name}`;
}

export async function readRelations(
  client: pg.Client,
  schemas: string[],
  tenantSchema: string,
): Promise<RelationState> {
  const r = await client.query<{ oid: number; filenode: number; schema: string; name: string }>(
    RELATIONS_SQL,
    [schemas],
  );
  const filenodes = new Map<number, number>();
  const names = new Map<number, string>();
  for (const row of r.rows) {
    filenodes.set(row.oid, row.filenode);
    names.set(row.oid, displayName(row.schema, row.name, tenantSchema));
  }
  return { filenodes, names };
}

/** Relations of `before` whose relfilenode differs now (rewritten), by display name. */
export async function rewrittenSince(client: pg.Client, before: RelationState): Promise<string[]> {
  const r = await client.query<{ oid: number; filenode: number }>(
    `select c.oid::int as oid, c.relfilenode::int as filenode from pg_class c where c.oid = any($1::oid[])`,
    [[...before.filenodes.keys()]],
  );
  const out: string[] = [];
  for (const row of r.rows) {
    const was = before.filenodes.get(row.oid);
    if (was !== undefined && was !== 0 && row.filenode !== was)
      out.push(before.names.get(row.oid) ?? String(row.oid));
  }
  return out.sort();
}

/**
 * What a statement left behind, in one round trip: the relation locks the backend holds, and the
 * pre-existing relations' storage now (the next statement's `before`).
 */
const EFFECTS_SQL = `
  select
    (select coalesce(json_agg(json_build_array(l.relation::int, n.nspname, c.relname, l.mode)), '[]')
       from pg_locks l
       join pg_class c on c.oid = l.relation
       join pg_namespace n on n.oid = c.relnamespace
      where l.pid = $1 and l.locktype = 'relation' and l.granted
        and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')) as locks,
    (select coalesce(json_agg(json_build_array(c.oid::int, c.relfilenode::int, n.nspname, c.relname)), '[]')
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.oid = any($2::oid[])) as relations`;

export interface StatementEffects {
  locks: RawLock[];
  /** Relations of `before` whose storage was replaced, by display name. */
  rewritten: string[];
  /** The pre-existing relations in `schemas` now: what the next statement starts from. */
  after: RelationState;
}

/** Locks held and rewrites done since `before`, read once after a statement. */
export async function statementEffects(
  client: pg.Client,
  pid: number,
  schemas: string[],
  before: RelationState,
  preexisting: Set<number>,
): Promise<StatementEffects> {
  const tenantSchema = schemas[0];
  const r = await client.query<{
    locks: Array<[number, string, string, string]>;
    relations: Array<[number, number, string, string]>;
  }>(EFFECTS_SQL, [pid, [...preexisting]]);
  const { locks, relations } = r.rows[0];
  const after: RelationState = { filenodes: new Map(), names: new Map() };
  const rewritten: string[] = [];
  for (const [oid, filenode, schema, name] of relations) {
    const was = before.filenodes.get(oid);
    if (was !== undefined && was !== 0 && filenode !== was)
      rewritten.push(before.names.get(oid) ?? String(oid));
    if (!schemas.includes(schema)) continue;
    after.filenodes.set(oid, filenode);
    after.names.set(oid, displayName(schema, name, tenantSchema));
  }
  return {
    locks: locks.map(([oid, schema, name, mode]) => ({
      oid,
      relation: displayName(schema, name, tenantSchema),
      mode,
    })),
    rewritten: rewritten.sort(),
    after,
  };
}

const LOCKS_SQL = `
  select l.relation::int as oid, n.nspname as schema, c.relname as name, l.mode
  from pg_locks l
  join pg_class c on c.oid = l.relation
  join pg_namespace n on n.oid = c.relnamespace
  where l.pid = $1 and l.locktype = 'relation' and l.granted
    and n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')`;

export interface RawLock {
  oid: number;
  relation: string;
  mode: string;
}

export async function locksOf(
  client: pg.Client,
  pid: number,
  tenantSchema: string,
): Promise<RawLock[]> {
  const r = await client.query<{ oid: number; schema: string; name: string; mode: string }>(
    LOCKS_SQL,
    [pid],
  );
  return r.rows.map((row) => ({
    oid: row.oid,
    relation: displayName(row.schema, row.name, tenantSchema),
    mode: row.mode,
  }));
}

/** Locks in `now` that were not in `seen`; adds them to `seen`. */
export function newLocks(now: RawLock[], seen: Set<string>, preexisting: Set<number>): LockHeld[] {
  const out: LockHeld[] = [];
  for (const l of now) {
    const key = `${l.oid}:${l.mode}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ relation: l.relation, mode: l.mode, preexisting: preexisting.has(l.oid) });
  }
  return out.sort((a, b) => a.relation.localeCompare(b.relation) || a.mode.localeCompare(b.mode));
}

export function toPgError(error: unknown): PgErrorInfo {
  const e = (error ?? {}) as Partial<pg.DatabaseError>;
  return {
    sqlstate: e.code ?? 'XX000',
    message: getErrorMessage(error),
    ...(e.detail ? { detail: e.detail } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
    ...(e.position ? { position: Number(e.position) } : {}),
  };
}

/** The file line a Postgres error position (1-based, within the statement's text) falls on. */
export function errorLine(t: StatementTrace, sql: string | undefined): number {
  const position = t.error?.position;
  if (!position || sql === undefined) return t.line;
  return t.line + (sql.slice(0, position - 1).match(/\n/g)?.length ?? 0);
}
