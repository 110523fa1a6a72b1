import pg from 'pg';
import type { Migration, Script, Statement } from '../core/model.js';
import { cannotRunInTransaction, mayEndTransaction, transactionControl } from '../sql/kinds.js';
import { astOf } from '../sql/ast.js';
import {
  createsSharedObject,
  extensionWithoutSchema,
  isDuplicateObject,
} from './shared-objects.js';
import type { AfterStatement, PgErrorInfo, StatementTrace } from '../core/trace.js';
import {
  newLocks,
  readRelations,
  statementEffects,
  toPgError,
  type RelationState,
} from './tracer.js';
import { quoteIdent } from '../sql/ident.js';
import { STATEMENT_SAVEPOINT, type PrivilegeGuard } from './privilege-guard.js';

/**
 * Runs migration scripts the way their production tool sends them, statement by statement, and
 * records what each statement did. One ScriptRunner per tenant connection.
 */

export interface RunTarget {
  tenant: string;
  /** Schemas the tenant's objects live in; the first is the tenant's own. */
  schemas: string[];
  /** Relations (oids) that existed before the PR: locks on them are `preexisting`. */
  preexisting: Set<number>;
  /** Schema shared by all tenants (schema topology only): extensions go there, once. */
  sharedSchema?: string;
  /**
   * The statement timeout, enforced from outside the session too: a migration that sets its own
   * statement_timeout (0 for a long backfill) is cancelled a little after it.
   */
  timeoutMs?: number;
  /** Set when the session is the migration role's: what to do when Postgres refuses it. */
  privileges?: PrivilegeGuard;
  /** Bound on one script (one migration) as a whole: past it, its statement is cancelled. */
  migrationTimeoutMs?: number;
  /**
   * False for the merged history, where nothing pre-exists: only errors are recorded, no locks
   * or rewrites are read.
   */
  traced?: boolean;
}

/** How long after the session's statement_timeout the outside cancel comes. */
const WATCHDOG_GRACE_MS = 2000;

export interface ScriptResult {
  traces: StatementTrace[];
  failed: boolean;
}

/** The migration timeout of one script: whether it passed, and the error it becomes. */
interface Bound {
  fired: boolean;
  stop: () => void;
  error: () => PgErrorInfo;
}

/** Whether a transaction block is open, and the locks already seen in it. */
interface TransactionState {
  inTx: boolean;
  seen: Set<string>;
}

export class ScriptRunner {
  private pid = 0;
  /**
   * The pre-existing relations' storage as the last traced statement left it, while nothing
   * untraced ran since: the next statement's `before`, without reading it again.
   */
  private relations?: RelationState;

  constructor(
    readonly client: pg.Client,
    readonly target: RunTarget,
  ) {}

  async init(): Promise<void> {
    const r = await this.client.query<{ pid: number }>('select pg_backend_pid() as pid');
    this.pid = r.rows[0].pid;
  }

  /**
   * Runs one script with its format's transaction semantics; stops at the first error.
   * `afterStatement` runs after each statement that succeeded, before its transaction commits,
   * while the statement's locks are still held.
   */
  async run(
    migration: Migration,
    script: Script,
    afterStatement?: AfterStatement,
  ): Promise<ScriptResult> {
    const wrap = toolOpensTransaction(script);
    const state: TransactionState = { inTx: wrap, seen: new Set() };
    if (wrap) await this.client.query('begin');
    const result = await this.runStatements(migration, script, state, afterStatement);
    if (!result.failed && state.inTx) {
      // A block the script opened and left open is committed: what it did stays for the next.
      if (wrap) await this.client.query('commit');
      else await this.client.query('commit').catch(() => {});
    }
    return result;
  }

  /**
   * Runs the up scripts of several migrations the way a tool that applies every pending
   * migration in one transaction does (drizzle-orm's migrator; Alembic unless
   * transaction_per_migration is set): one BEGIN before the first, one COMMIT after the last, and
   * a failure rolls all of them back. Returns the id of the migration that failed.
   */
  async runInOneTransaction(
    migrations: Migration[],
  ): Promise<{ traces: StatementTrace[]; failed?: string }> {
    const state: TransactionState = { inTx: true, seen: new Set() };
    const traces: StatementTrace[] = [];
    await this.client.query('begin');
    for (const m of migrations) {
      const result = await this.runStatements(m, m.up, state);
      traces.push(...result.traces);
      if (result.failed) return { traces, failed: m.id };
    }
    if (state.inTx) await this.client.query('commit');
    return { traces };
  }

  /**
   * An untraced script (the merged history) in one round trip: its statements joined into one
   * simple query between BEGIN and COMMIT, as golang-migrate sends a whole file. Undefined when a
   * statement needs the runner's own handling, or when the script fails: the transaction rolled
   * back, so the caller runs it statement by statement from the same state, which locates the
   * failure and handles what needs handling.
   */
  async runWhole(migration: Migration, script: Script): Promise<ScriptResult | undefined> {
    if (this.target.traced !== false || script.statements.length === 0) return undefined;
    const wrap = toolOpensTransaction(script);
    const shared = this.target.sharedSchema;
    const special = script.statements.some(
      (stmt) =>
        stmt.kind === 'Unparsed' ||
        transactionControl(stmt) !== undefined ||
        cannotRunInTransaction(stmt) ||
        mayEndTransaction(stmt) ||
        setsTransaction(stmt) ||
        (!wrap && /^\s*set\s+local\b/i.test(stmt.sql)) ||
        (shared !== undefined &&
          (extensionWithoutSchema(stmt) || createsSharedObject(stmt, this.target.schemas[0]))),
    );
    if (special) return undefined;
    const bound = this.migrationBound();
    const watchdog = this.watchdog();
    try {
      await this.client.query(
        ['begin', ...script.statements.map((stmt) => stmt.sql), 'commit'].join(';\n'),
      );
    } catch {
      await this.client.query('rollback').catch(() => {});
      return undefined;
    } finally {
      watchdog.stop();
      bound.stop();
    }
    const traces = script.statements.map((stmt, index) =>
      this.blankTrace(migration, stmt, index, true),
    );
    return { traces, failed: false };
  }

  /** The statements of one script in the transaction state the caller set up; rolls back on error. */
  private async runStatements(
    migration: Migration,
    script: Script,
    state: TransactionState,
    afterStatement?: AfterStatement,
  ): Promise<ScriptResult> {
    const bound = this.migrationBound();
    try {
      return await this.boundStatements(migration, script, state, bound, afterStatement);
    } finally {
      bound.stop();
    }
  }

  private async boundStatements(
    migration: Migration,
    script: Script,
    state: TransactionState,
    bound: Bound,
    afterStatement?: AfterStatement,
  ): Promise<ScriptResult> {
    const traces: StatementTrace[] = [];
    const { seen } = state;
    for (const [index, stmt] of script.statements.entries()) {
      if (bound.fired) {
        traces.push({
          ...this.blankTrace(migration, stmt, index, state.inTx),
          error: bound.error(),
        });
        await this.client.query('rollback').catch(() => {});
        state.inTx = false;
        return { traces, failed: true };
      }
      const control = transactionControl(stmt);
      // Outside a transaction each statement gets its own, so that its locks can be read before
      // they are released; not those Postgres refuses in one, nor those that commit inside.
      const single =
        !state.inTx &&
        control === undefined &&
        !cannotRunInTransaction(stmt) &&
        !mayEndTransaction(stmt);
      if (single) await this.client.query('begin');
      const trace = await this.runStatement(migration, stmt, index, state.inTx || single, seen);
      if (bound.fired && trace.error?.sqlstate === '57014') trace.error = bound.error();
      traces.push(trace);
      if (control === 'begin') state.inTx = true;
      if (control === 'commit' || control === 'rollback') {
        state.inTx = false;
        seen.clear();
      }
      if (trace.error) {
        await this.client.query('rollback').catch(() => {});
        state.inTx = false;
        return { traces, failed: true };
      }
      await afterStatement?.(trace);
      if (single) {
        await this.client.query('commit');
        seen.clear();
      }
    }
    return { traces, failed: false };
  }

  private async runStatement(
    migration: Migration,
    stmt: Statement,
    index: number,
    inTransaction: boolean,
    seen: Set<string>,
  ): Promise<StatementTrace> {
    const trace = this.blankTrace(migration, stmt, index, inTransaction);
    // SET TRANSACTION must be the transaction's first query: nothing of the check's runs before it.
    const first = setsTransaction(stmt);
    const traced = inTransaction && this.target.traced !== false && !first;
    const before = traced ? (this.relations ?? (await this.relationsSnapshot())) : undefined;
    this.relations = undefined;
    const guard = first ? undefined : this.target.privileges;
    if (guard && inTransaction) await this.client.query(`savepoint ${STATEMENT_SAVEPOINT}`);
    const shared =
      this.target.sharedSchema !== undefined && createsSharedObject(stmt, this.target.schemas[0]);
    if (shared && inTransaction) await this.client.query('savepoint sg_shared_object');
    const started = performance.now();
    const watchdog = this.watchdog();
    try {
      const result = await this.execute(stmt).finally(() => watchdog.stop());
      trace.durationMs = Math.round((performance.now() - started) * 10) / 10;
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      trace.rowCount = typeof last?.rowCount === 'number' ? last.rowCount : null;
      if (before) {
        const { schemas, preexisting } = this.target;
        const effects = await statementEffects(this.client, this.pid, schemas, before, preexisting);
        trace.locks = newLocks(effects.locks, seen, preexisting);
        trace.rewritten = effects.rewritten;
        this.relations = effects.after;
      }
    } catch (error) {
      trace.durationMs = Math.round((performance.now() - started) * 10) / 10;
      const e = toPgError(error);
      if (watchdog.fired && e.sqlstate === '57014') {
        e.message = `canceling statement due to statement timeout: the migration lifted statement_timeout, and the check cancelled the statement after ${this.target.timeoutMs} ms`;
      }
      if (shared && isDuplicateObject(e.sqlstate)) {
        // Another tenant already created this shared object: the loop's artefact, not an error.
        if (inTransaction) await this.client.query('rollback to savepoint sg_shared_object');
        trace.note = `shared object already created by an earlier tenant (${e.message})`;
        return trace;
      }
      const execute = (sql: string) => this.execute({ ...stmt, sql });
      const refused = await guard?.handle({
        client: this.client,
        stmt,
        error: e,
        inTransaction,
        execute,
      });
      if (refused) trace.privilege = refused.privilege;
      if (refused && refused.privilege.outcome !== 'failed') {
        trace.note = refused.note;
        return trace;
      }
      trace.error = refused?.error ?? e;
    }
    return trace;
  }

  private blankTrace(
    migration: Migration,
    stmt: Statement,
    index: number,
    inTransaction: boolean,
  ): StatementTrace {
    return {
      migrationId: migration.id,
      file: stmt.file,
      line: stmt.line,
      endLine: stmt.endLine,
      kind: stmt.kind,
      tenant: this.target.tenant,
      index,
      durationMs: 0,
      rowCount: null,
      locks: [],
      rewritten: [],
      inTransaction,
    };
  }

  /** Cancels the running statement from another connection once the timeout has long passed. */
  private watchdog(): { stop: () => void; fired: boolean } {
    const state = { fired: false, stop: () => {} };
    const ms = this.target.timeoutMs;
    if (!ms) return state;
    const timer = setTimeout(() => {
      state.fired = true;
      this.cancelFromOutside();
    }, ms + WATCHDOG_GRACE_MS);
    state.stop = () => clearTimeout(timer);
    return state;
  }

  /** The migration timeout: once it passes, the running statement is cancelled, no other starts. */
  private migrationBound(): Bound {
    const ms = this.target.migrationTimeoutMs;
    const bound: Bound = {
      fired: false,
      stop: () => {},
      error: () => ({
        sqlstate: '57014',
        message: `canceling statement due to the migration timeout: the migration ran longer than migrationTimeoutMs (${ms} ms) on ${this.target.tenant}, and the check cancelled it`,
      }),
    };
    if (!ms) return bound;
    const timer = setTimeout(() => {
      bound.fired = true;
      this.cancelFromOutside();
    }, ms);
    bound.stop = () => clearTimeout(timer);
    return bound;
  }

  /** pg_cancel_backend of this runner's session, from a connection of its own. */
  private cancelFromOutside(): void {
    const params = (this.client as unknown as { connectionParameters: pg.ClientConfig })
      .connectionParameters;
    const admin = new pg.Client({
      host: params.host,
      port: params.port,
      user: params.user,
      password: params.password,
      database: params.database,
    });
    admin
      .connect()
      .then(() => admin.query('select pg_cancel_backend($1)', [this.pid]))
      .catch(() => undefined)
      .finally(() => admin.end().catch(() => undefined));
  }

  /** Runs the statement; an extension without a schema is created in the shared schema. */
  private async execute(stmt: Statement): Promise<pg.QueryResult | pg.QueryResult[]> {
    const shared = this.target.sharedSchema;
    if (!shared || !extensionWithoutSchema(stmt)) return this.client.query(stmt.sql);
    const saved = (
      await this.client.query<{ p: string }>('select current_setting($1) as p', ['search_path'])
    ).rows[0].p;
    await this.client.query(`select set_config('search_path', $1, false)`, [quoteIdent(shared)]);
    try {
      return await this.client.query(stmt.sql);
    } finally {
      await this.client
        .query(`select set_config('search_path', $1, false)`, [saved])
        .catch(() => {});
    }
  }

  private async relationsSnapshot(): Promise<RelationState> {
    if (this.target.preexisting.size === 0) return { filenodes: new Map(), names: new Map() };
    const all = await readRelations(this.client, this.target.schemas, this.target.schemas[0]);
    // Only storage that existed before the PR counts as a rewrite.
    for (const oid of [...all.filenodes.keys()]) {
      if (!this.target.preexisting.has(oid)) all.filenodes.delete(oid);
    }
    return all;
  }
}

/** `SET TRANSACTION …` (isolation level, read only, snapshot): valid only before any query. */
function setsTransaction(stmt: Statement): boolean {
  const set = stmt.kind === 'VariableSetStmt' ? astOf(stmt, 'VariableSetStmt') : undefined;
  return set?.kind === 'VAR_SET_MULTI' && /^TRANSACTION( SNAPSHOT)?$/.test(set.name ?? '');
}

/**
 * Whether replay opens one transaction around the whole script: `transaction` scripts always;
 * `implicit` scripts (one multi-statement string) when they have more than one statement and no
 * transaction control of their own, because Postgres runs such a string as one transaction.
 */
export function wrapsInTransaction(script: Script): boolean {
  const hasControl = script.statements.some((s) => transactionControl(s) !== undefined);
  if (script.transaction === 'transaction') return !hasControl;
  if (script.transaction === 'implicit') return script.statements.length > 1 && !hasControl;
  return false;
}

/**
 * Whether the tool opens a transaction before the script's first statement: always for
 * `transaction` scripts, even when they hold their own COMMIT and BEGIN (Alembic's
 * autocommit_block, a goose file with an explicit COMMIT), which then end and reopen it.
 */
export function toolOpensTransaction(script: Script): boolean {
  return script.transaction === 'transaction' || wrapsInTransaction(script);
}

/** Oids of every relation in the schemas now: what counts as pre-existing for the PR. */
export async function relationOids(client: pg.Client, schemas: string[]): Promise<Set<number>> {
  const r = await readRelations(client, schemas, schemas[0]);
  return new Set(r.filenodes.keys());
}
