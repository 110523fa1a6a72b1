import type pg from 'pg';
import { quoteIdent } from '../sql/ident.js';

/**
 * Names and marks of what a run creates on a server that outlives it (the url provider): the
 * scratch database `schemagate_<random>`, the databases named after it, and the migration role
 * `<scratch>_migrator`, each marked with a comment saying when the run started, so that a later
 * run can remove what a killed one left behind.
 */

export const SCRATCH_PREFIX = 'schemagate_';

/** Leftovers older than this belong to a run that is gone. */
export const STALE_AFTER_MS = 60 * 60 * 1000;

const MARK = 'schemagate run started at ';

/** The migration role of the run whose databases carry `prefix` (`sg_`, `schemagate_ab12_`). */
export function migratorRoleName(prefix: string): string {
  return `${prefix}migrator`;
}

export function runMark(now = new Date()): string {
  return `${MARK}${now.toISOString()}`;
}

/** When the run that made an object started, read from its comment. */
export function markedAt(comment: string | null): number | undefined {
  if (!comment?.startsWith(MARK)) return undefined;
  const t = Date.parse(comment.slice(MARK.length));
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Drops roles the run made: `role` and the roles it created (Postgres 16+ makes the creator an
 * ADMIN member of each). Best effort: a role that cannot be dropped is returned.
 */
export async function dropRunRoles(c: pg.Client, role: string): Promise<string[]> {
  const exists = await c.query('select 1 from pg_roles where rolname = $1', [role]);
  if (!exists.rowCount) return [];
  const made = await c.query<{ rolname: string }>(
    `select r.rolname from pg_auth_members m
       join pg_roles r on r.oid = m.roleid join pg_roles me on me.oid = m.member
     where me.rolname = $1 and m.admin_option and not r.rolsuper and r.rolname <> current_user`,
    [role],
  );
  const left: string[] = [];
  for (const name of [...made.rows.map((r) => r.rolname), role]) {
    await c.query(`drop role if exists ${quoteIdent(name)}`).catch(() => left.push(name));
  }
  return left;
}
