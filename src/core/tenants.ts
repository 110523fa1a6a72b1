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
}

export interface Databases {
  /**
   * Connects to the tenant's database with the tenant's search_path set. The caller ends the
   * client.
   */
  connect(tenant: TenantHandle): Promise<pg.Client>;
  /** Connects to a database by name as the superuser. */
  connectTo(database: string): Promise<pg.Client>;
  /**
   * A fresh copy of the state after the merged migrations and the seed (before the PR), as a new
   * database cloned from the template; returns the tenants inside it. Dropped when the run ends.
   */
  cloneBase(label: string): Promise<{ database: string; tenants: TenantHandle[] }>;
  /**
   * Runs a migration script on a tenant with the format's transaction semantics and tracing, as
   * replay does. Used by gates that re-apply ups and downs (rollback). `afterStatement` runs
   * after each statement that succeeded, while its locks are still held.
   */
  applyScript(
    tenant: TenantHandle,
    migration: Migration,
    direction: 'up' | 'down',
    afterStatement?: AfterStatement,
  ): Promise<StatementTrace[]>;
}
