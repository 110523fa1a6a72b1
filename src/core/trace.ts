/** What replay recorded about every statement it ran, per tenant. Gates read this. */

export interface PgErrorInfo {
  sqlstate: string;
  message: string;
  detail?: string;
  hint?: string;
  /** 1-based character position in the statement, when Postgres gives one. */
  position?: number;
}

export interface LockHeld {
  /** Relation name with the tenant schema removed (`users`, `public.plans`). */
  relation: string;
  /** `AccessExclusiveLock`, `ShareLock`, ... as in pg_locks.mode. */
  mode: string;
  /** The relation existed before the PR's first migration ran. */
  preexisting: boolean;
}

export interface StatementTrace {
  migrationId: string;
  file: string;
  line: number;
  endLine: number;
  kind: string;
  tenant: string;
  /** Index of the statement in its script. */
  index: number;
  durationMs: number;
  rowCount: number | null;
  /** Relation locks the migrating backend holds after the statement, new since the previous one. */
  locks: LockHeld[];
  /** Pre-existing relations (tables, indexes, TOAST) whose relfilenode changed: a rewrite. */
  rewritten: string[];
  /** Longest time a concurrent workload query waited on this statement (filled by the locks gate probe). */
  maxWorkloadWaitMs?: number;
  error?: PgErrorInfo;
  /** Something replay wants the reader to know about this statement (not a failure). */
  note?: string;
  /** Whether the statement ran inside a transaction block (BEGIN ... COMMIT). */
  inTransaction: boolean;
  /** The migration role lacked a privilege the statement needs (see src/replay/privilege-guard.ts). */
  privilege?: PrivilegeRefusal;
}

/** `host-access`: the statement reaches the server's host; `requires-superuser`: only more rights. */
export type PrivilegeKind = 'host-access' | 'requires-superuser';

/** What Postgres refused the migration role, and what replay did then. */
export interface PrivilegeRefusal {
  kind: PrivilegeKind;
  /** Postgres' refusal (SQLSTATE 42501). */
  refusal: PgErrorInfo;
  /**
   * `failed`: the migration stops there, as in production (always for host access);
   * `superuser`: applied as the superuser so that later statements see it; `skipped`: the replay
   * went on without it.
   */
  outcome: 'failed' | 'superuser' | 'skipped';
}

export interface TenantTrace {
  tenant: string;
  /** Database the tenant lives in (the tenant's own database in the `database` topology). */
  database: string;
  /** Schema the tenant's migrations ran in (search_path head); `public` for database/shared. */
  schema: string;
  statements: StatementTrace[];
  /** The first migration that failed on this tenant; later migrations were not applied. */
  failedMigration?: string;
}

export interface ReplayTrace {
  /** Replay of the merged migrations (once, before the PR's). */
  merged: TenantTrace[];
  /** Replay of the PR's migrations, one entry per tenant. */
  pr: TenantTrace[];
}

/** Called after a statement ran, while the locks it took are still held. */
export type AfterStatement = (trace: StatementTrace) => Promise<void>;
