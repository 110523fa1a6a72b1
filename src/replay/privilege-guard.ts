import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Statement } from '../core/model.js';
import type { PgErrorInfo, PrivilegeRefusal } from '../core/trace.js';
import { quoteIdent } from '../sql/ident.js';
import { appliesAsSuperuser, classifyRefusal, eventTriggerName } from './privilege-errors.js';
import { toPgError } from './tracer.js';

/**
 * What replay does when Postgres refuses a statement to the migration role. Host access is never
 * retried: the migration fails there, as it would on a managed platform. A statement that only
 * needs a superuser's catalog rights (see appliesAsSuperuser) is applied as the superuser so that
 * later statements see it; any other is left out and the replay goes on.
 */

/** The savepoint the runner sets before each statement in a transaction when a guard is set. */
export const STATEMENT_SAVEPOINT = 'sg_statement';

export interface Refused {
  privilege: PrivilegeRefusal;
  /** The error the statement ends with when it failed (the superuser's, if that failed too). */
  error?: PgErrorInfo;
  note?: string;
}

export interface RefusedStatement {
  /** The migration role's session, in the state the statement left it. */
  client: pg.Client;
  stmt: Statement;
  error: PgErrorInfo;
  inTransaction: boolean;
  /** Runs SQL in the session the way the runner runs the statement (search_path included). */
  execute: (sql: string) => Promise<unknown>;
}

export interface PrivilegeGuard {
  handle(refused: RefusedStatement): Promise<Refused | undefined>;
}

export class AdminRoleGuard implements PrivilegeGuard {
  constructor(
    /** The migration role's name. */
    readonly role: string,
    /**
     * A superuser session in the statement's database (the guard ends it); none when the url's
     * role is no superuser, and then nothing is applied on the role's behalf.
     */
    readonly superuser?: () => Promise<pg.Client>,
  ) {}

  async handle(r: RefusedStatement): Promise<Refused | undefined> {
    const kind = classifyRefusal(r.error, r.stmt);
    if (!kind) return undefined;
    const failed = { kind, refusal: r.error, outcome: 'failed' as const };
    if (kind === 'host-access') return { privilege: failed };
    if (r.inTransaction) await r.client.query(`rollback to savepoint ${STATEMENT_SAVEPOINT}`);
    if (!this.superuser || !appliesAsSuperuser(r.stmt)) {
      return {
        privilege: { ...failed, outcome: 'skipped' },
        note: `needs a superuser (${r.error.message}): left out, the replay went on without it`,
      };
    }
    try {
      await this.asSuperuser(r);
    } catch (error) {
      return { privilege: failed, error: toPgError(error) };
    }
    return {
      privilege: { ...failed, outcome: 'superuser' },
      note: `needs a superuser (${r.error.message}): applied as the superuser so that later statements see it`,
    };
  }

  /**
   * Runs the statement as the superuser inside the role's own session (so it sees the open
   * transaction): through a SECURITY DEFINER function made for this call alone and dropped after
   * it, executable by the role only. An event trigger made so is disabled at once: its function
   * belongs to the PR and would otherwise run as the superuser on the superuser's DDL.
   */
  private async asSuperuser(r: RefusedStatement): Promise<void> {
    const id = randomBytes(8).toString('hex');
    const fn = `pg_catalog.sg_as_superuser_${id}`;
    const tag = `$sg_${id}$`;
    const su = await this.superuser!();
    try {
      await su.query(
        `create function ${fn}(sql text) returns void language plpgsql security definer as $f$ begin execute sql; end $f$`,
      );
      await su.query(`revoke all on function ${fn}(text) from public`);
      await su.query(`grant execute on function ${fn}(text) to ${quoteIdent(this.role)}`);
      const call = (sql: string) => r.execute(`select ${fn}(${tag}${sql}${tag})`);
      if (r.stmt.sql.includes(tag)) throw new Error('the statement holds the escalation quote');
      await call(r.stmt.sql);
      const trigger = eventTriggerName(r.stmt);
      if (trigger) await call(`alter event trigger ${quoteIdent(trigger)} disable`);
    } finally {
      await su.query(`drop function if exists ${fn}(text)`).catch(() => {});
      await su.end().catch(() => {});
    }
  }
}
