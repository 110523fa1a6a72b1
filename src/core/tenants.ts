import type pg from 'pg';
import type { Migration } from './model.js';
import type { AfterStatement, StatementTrace } from './trace.js';

/** Where one tenant lives. */
export interface TenantHandle {
  name: string;
  database: string;
  /** Schema the tenant's migrations run in: `tenant_1` in the schema topology, else `public`. */
  schema: string;
  /** search_path the tenant's migrations run with. */
  searchPath: string[];
  /**
   * The tenant owns its whole database (the database and shared topologies): its objects are in
   * every schema of it, not only its search_path's (src/catalog/schemas.ts).
   */
  wholeDatabase?: boolean;
}

/** Where a node of the cluster listens (a replica's ConnectionInfo is one). */
export interface NodeAddress {
  host: string;
  port: number;
  user: string;
  password?: string;
  ssl?: boolean | { rejectUnauthorized: boolean };
}

export interface SuperuserOptions {
  /**
   * search_path is `pg_catalog, pg_temp`, whatever the database sets: in a database PR code has
   * run in, `ALTER DATABASE … SET search_path = public, pg_catalog` would otherwise let a function
   * or operator the PR put in public stand in for the catalog's, and run as the superuser. For
   * catalog reads and WAL positions after the first PR statement.
   */
  catalogOnly?: boolean;
}

export interface Databases {
  /**
   * Connects to the tenant's database with the tenant's search_path set, as the migration role
   * (the superuser with `migrationRole: superuser`): whatever PR code a query sets off (a trigger,
   * a view's function, a column default, a policy) runs with the rights the migrations had, so it
   * cannot reach the host. The caller ends the client.
   */
  connect(tenant: TenantHandle): Promise<pg.Client>;
  /** Connects to a database by name, as `connect` does. */
  connectTo(database: string): Promise<pg.Client>;
  /** Connects to a database on another node of the cluster (a replica), as `connect` does. */
  connectNode(node: NodeAddress, database: string): Promise<pg.Client>;
  /**
   * Connects to a database by name as the superuser. Only for queries that run no code a PR may
   * have defined (catalog reads, WAL positions, creating and dropping roles): say why at the call.
   */
  connectAsSuperuser(database: string, options?: SuperuserOptions): Promise<pg.Client>;
  /**
   * A fresh copy of the state after the merged migrations and the seed (before the PR), as a new
   * database cloned from the template; returns the tenants inside it. Dropped when the run ends.
   */
  cloneBase(label: string): Promise<{ database: string; tenants: TenantHandle[] }>;
  /**
   * A session that runs migration scripts on one tenant, one after the other, with the format's
   * transaction semantics and tracing, as replay does (the gates re-apply ups and downs so). Its
   * state is reset between scripts (DISCARD ALL), as a new connection's would be. The caller
   * closes it.
   */
  scriptSession(tenant: TenantHandle): Promise<ScriptSession>;
}

export interface ApplyOptions {
  /** Runs after each statement that succeeded, while its locks are still held. */
  afterStatement?: AfterStatement;
  /**
   * `false`: only whether and where the script fails counts (no locks, no rewrites), and a
   * script that applies runs in one round trip, as the merged history does.
   */
  traced?: boolean;
}

export interface ScriptSession {
  apply(
    migration: Migration,
    direction: 'up' | 'down',
    options?: ApplyOptions,
  ): Promise<StatementTrace[]>;
  close(): Promise<void>;
}
