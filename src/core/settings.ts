/**
 * The settings of `.schemagate.yml` once validated, with every default applied. The schema that
 * validates them (and holds the defaults) is src/config/schema.ts; it is checked against these
 * types at compile time, so the engine reads typed values and never parses.
 */
export interface Settings {
  /** Rows to seed into every pre-existing table before the PR's migrations (`seed.rows`). */
  seedRows: number;
  /** Schema shared by all tenants in the `schema` topology (resolved after the tenant's). */
  sharedSchema: string;
  /**
   * `parallel:` (`--parallel`) tenants replayed and checked at the same time, each on its own
   * connection; the report lists them in order whatever order they end in. Default: the cores.
   */
  parallel: number;
  replay: ReplaySettings;
  locks: LocksSettings;
  isolation: IsolationSettings;
  rollback: RollbackSettings;
  replica: ReplicaSettings;
  compat: CompatSettings;
  alembic: AlembicSettings;
  flyway: FlywaySettings;
  /**
   * `python:` the interpreter Alembic revision files run under (`alembic.python` is the older
   * name of the same setting; this one wins). Unset: the project's virtualenv, else python3.
   */
  python?: string;
  /** `passEnv:` environment variables a child process (Alembic's env.py) may see besides PATH, HOME, the locale and the Python ones. */
  passEnv: string[];
  /** `transaction:` the plain format runs each file in a transaction (`file`) or each statement on its own (`none`). */
  transaction: 'file' | 'none';
  /** `placeholders:` values of `{{ .Name }}` / `{{ index .Options "Name" }}` template expressions in SQL. */
  placeholders: Record<string, string | number | boolean>;
  /**
   * `setup:` SQL files or globs (relative to the repository root; `.sql` or `.sql.gz`) run as the
   * role migrations run as (the superuser for a statement it may not run) before the merged
   * history, once in the base database every tenant copies.
   */
  setup: string[];
  /**
   * `composeInit:` run the compose file's Postgres init scripts (/docker-entrypoint-initdb.d)
   * before the history; false when they hold a development dump or seed data the migrations do
   * not need.
   */
  composeInit: boolean;
  /**
   * `preset:` what a platform provides before any migration runs (`supabase`: its roles, the
   * auth and storage schemas, …). Unset: `supabase` when `supabase/config.toml` exists; `none`
   * turns that off.
   */
  preset?: Preset;
  /**
   * `migrationRole:` who migrations run as: `admin`, a non-superuser role like the managed
   * platforms' admin (RDS's rds_superuser), or `superuser` (the server's superuser).
   */
  migrationRole: MigrationRoleKind;
  /**
   * `searchPath:` schemas migration sessions resolve besides the tenant's, in order (the search_path
   * production's database or migration runner sets). In the schema topology the tenant's schema and
   * the shared schema stay first; in the others these replace `public`. Unset: the one an
   * `ALTER DATABASE … SET search_path` in setup made, if any.
   */
  searchPath?: string[];
  /**
   * `baseline:` (`--baseline`) a schema dump of production (pg_dump's plain text), or a folder
   * `schemagate snapshot` wrote, loaded instead of replaying the merged history; relative to the
   * repository root.
   */
  baseline?: string;
  /** `baselineVersion:` the newest merged migration a dump without version table rows holds. */
  baselineVersion?: string;
}

export const MIGRATION_ROLES = ['admin', 'superuser'] as const;
export type MigrationRoleKind = (typeof MIGRATION_ROLES)[number];

export const PRESETS = ['supabase', 'none'] as const;
export type Preset = (typeof PRESETS)[number];

export interface ReplaySettings {
  /**
   * Bound on one statement's run time; a statement that runs longer is cancelled (a finding).
   * `statementTimeoutMs` at the top level of `.schemagate.yml`.
   */
  statementTimeoutMs: number;
  /**
   * `migrationTimeoutMs:` bound on one migration on one tenant, all its statements together; a
   * migration still running then is cancelled (a finding). Unset: only the statement timeout.
   */
  migrationTimeoutMs?: number;
}

/** `locks:` */
export interface LocksSettings {
  /** Severity of non-concurrent index builds/drops and DETACH PARTITION on pre-existing tables. */
  nonConcurrentIndex: 'warning' | 'blocker';
  workload: {
    /** Run the concurrent workload probe (one tenant, a copy of the base database). */
    enabled: boolean;
    /** Connections that keep reading and writing the touched tables. */
    clients: number;
  };
}

/** `isolation:` */
export interface IsolationSettings {
  /** Tables that are global even if they have the tenant column (bare or schema-qualified). */
  globalTables: string[];
  /** Tables that must be tenant-scoped: a missing tenant column is a finding. */
  tenantTables: string[];
  /** Application role the leak test acts as; created for the test when it does not exist. */
  appRole?: string;
  /** Synthetic tenants the live leak test writes and reads as. */
  leakTestTenants: number;
  /** Turns the live leak test off (the static rules still run). */
  leakTest: boolean;
  /**
   * `tenantContext:` how a session becomes tenant X (policies read it, the live leak test sets
   * it). Unset: `setting` on the tenant setting, or `jwt` under the Supabase preset.
   */
  tenantContext?: TenantContext;
}

/** `isolation.tenantContext.membership:` the table that makes a user a member of a tenant. */
export interface TenantMembership {
  table: string;
  userColumn: string;
  tenantColumn: string;
}

/**
 * How a session becomes tenant X: a custom setting (`setting`), a signed-in user's JWT claims
 * (`jwt`, Supabase and PostgREST), one database role per tenant (`role`), or any SQL taking the
 * tenant id as `$1` (`sql`). `role` is the role the session runs as (jwt: `authenticated`).
 */
export type TenantContext =
  | { kind: 'setting'; setting?: string; role?: string }
  | {
      kind: 'jwt';
      role: string;
      claims: string;
      membership?: TenantMembership;
    }
  | { kind: 'role'; pattern: string }
  | { kind: 'sql'; sql: string; role?: string };

/** `rollback:` */
export interface RollbackSettings {
  /** Verify up → down → up on the first tenant only (fast) or on every tenant. */
  tenants: 'one' | 'all';
  /** How many of the last added migrations to roll back in reverse order, then re-apply. */
  chain: 'all' | number;
  /** Severity of an added migration without a down. */
  missingDown: 'warning' | 'blocker';
}

/** `replica:` */
export interface ReplicaSettings {
  /** How long a replica may take to replay the PR's WAL. */
  lagTimeoutMs: number;
  /** How many migrations the query-conflict probe runs (each holds a replica query ~2 s). */
  conflictProbes: number;
}

/** `compat:` */
export interface CompatSettings {
  /** Globs of query files, relative to the repository root (one glob in the file is a list of one). */
  queries: string[];
}

/** `alembic:` */
export interface AlembicSettings {
  /** The interpreter Alembic runs under (else SCHEMAGATE_ALEMBIC_PYTHON, else one found on PATH). */
  python?: string;
}

/**
 * `flyway:` has no defaults here: each key set overrides the same setting read from Flyway's own
 * files (flyway.conf, flyway.toml, Spring's spring.flyway.*) and FLYWAY_* variables.
 */
export interface FlywaySettings {
  placeholders?: Record<string, string | number | boolean>;
  placeholderPrefix?: string;
  placeholderSuffix?: string;
  placeholderReplacement?: boolean;
  mixed?: boolean;
  outOfOrder?: boolean;
  executeInTransaction?: boolean;
  /**
   * Folders below the migration folder production's Flyway scans (`[common, prod]`; Flyway's
   * `classpath:db/migration/prod` form too). Unset: all of them but those named after a
   * non-production environment (dev, development, local, test, testdata) or another database.
   */
  locations?: string[];
}
