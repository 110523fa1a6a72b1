import pg from 'pg';
import type { Cluster, ConnectionInfo } from '../provision/provider.js';
import type { Databases, TenantHandle } from '../core/tenants.js';
import type { Topology } from '../core/topology.js';
import type { Migration } from '../core/model.js';
import type { Options } from '../core/options.js';
import type { StatementTrace } from '../core/trace.js';
import { ScriptRunner, relationOids } from './script-runner.js';
import type { AfterStatement } from '../core/trace.js';
import { quoteIdent, searchPathValue } from '../sql/ident.js';

/**
 * The databases of one run on a cluster: the template holding the merged state (`base`), the
 * database the PR is replayed in, and clones for gates. Names share one prefix so that the url
 * provider can drop exactly what the run made.
 */
export class Workspace implements Databases {
  readonly prefix: string;
  private clones = 0;
  private readonly made: string[] = [];

  constructor(
    readonly cluster: Cluster,
    readonly options: Options,
    readonly topology: Topology,
  ) {
    this.prefix = cluster.provider === 'url' ? `${cluster.primary.database}_` : 'sg_';
  }

  get baseDatabase(): string {
    return `${this.prefix}base`;
  }

  connection(database: string): ConnectionInfo {
    return { ...this.cluster.primary, database };
  }

  async connectTo(database: string): Promise<pg.Client> {
    const client = new pg.Client({ ...this.connection(database), application_name: 'schemagate' });
    client.on('error', () => {});
    await client.connect();
    return client;
  }

  async connect(tenant: TenantHandle): Promise<pg.Client> {
    const client = await this.connectTo(tenant.database);
    await client.query(`select set_config('search_path', $1, false)`, [
      searchPathValue(tenant.searchPath),
    ]);
    await client.query(`select set_config('statement_timeout', $1, false)`, [
      String(this.options.settings.replay.statementTimeoutMs),
    ]);
    return client;
  }

  /** Creates a database, from a template when given; remembered for dropAll. */
  async createDatabase(name: string, template?: string): Promise<void> {
    const admin = await this.connectTo(this.cluster.primary.database);
    try {
      await admin.query(
        `create database ${quoteIdent(name)}${template ? ` template ${quoteIdent(template)}` : ''}`,
      );
      this.made.push(name);
    } finally {
      await admin.end();
    }
  }

  /** Tenant handles of a database laid out for the run's topology. */
  tenantsIn(database: string): TenantHandle[] {
    return this.topology.tenantsIn(database);
  }

  async cloneBase(label: string): Promise<{ database: string; tenants: TenantHandle[] }> {
    const database =
      `${this.prefix}c${++this.clones}_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`.slice(
        0,
        63,
      );
    await this.createDatabase(database, this.baseDatabase);
    return { database, tenants: this.tenantsIn(database) };
  }

  async applyScript(
    tenant: TenantHandle,
    migration: Migration,
    direction: 'up' | 'down',
    afterStatement?: AfterStatement,
  ): Promise<StatementTrace[]> {
    const script = direction === 'up' ? migration.up : migration.down;
    if (!script) return [];
    const client = await this.connect(tenant);
    try {
      const runner = new ScriptRunner(client, {
        tenant: tenant.name,
        schemas: tenant.searchPath,
        preexisting: await relationOids(client, tenant.searchPath),
        sharedSchema: this.topology.sharedSchema,
        timeoutMs: this.options.settings.replay.statementTimeoutMs,
      });
      await runner.init();
      return (await runner.run(migration, script, afterStatement)).traces;
    } finally {
      await client.end();
    }
  }

  /** Drops every database the run made (the url provider's server outlives the run). */
  async dropAll(): Promise<void> {
    if (this.made.length === 0) return;
    const admin = await this.connectTo(this.cluster.primary.database).catch(() => undefined);
    if (!admin) return;
    try {
      for (const name of this.made.reverse()) {
        await admin
          .query(`drop database if exists ${quoteIdent(name)} with (force)`)
          .catch(() => {});
      }
    } finally {
      this.made.length = 0;
      await admin.end();
    }
  }
}
