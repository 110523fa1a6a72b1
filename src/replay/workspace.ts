import { tenantSchemas } from '../catalog/schemas.js';
import pg from 'pg';
import type { Cluster, ConnectionInfo } from '../provision/provider.js';
import type {
  ApplyOptions,
  Databases,
  NodeAddress,
  ScriptSession,
  SuperuserOptions,
  TenantHandle,
} from '../core/tenants.js';
import type { Topology } from '../core/topology.js';
import type { Migration } from '../core/model.js';
import type { Options } from '../core/options.js';
import type { StatementTrace } from '../core/trace.js';
import { ScriptRunner, relationOids } from './script-runner.js';
import { CATALOG_SEARCH_PATH, quoteIdent, searchPathValue } from '../sql/ident.js';
import { createMigrationRole, type MigrationRole } from './migration-role.js';
import { AdminRoleGuard, type PrivilegeGuard } from './privilege-guard.js';
import { migratorRoleName } from '../provision/run-roles.js';
import { sessionSearchPath } from './search-path.js';

/**
 * The databases of one run on a cluster: the template holding the merged state (`base`), the
 * database the PR is replayed in, and clones for gates. Names share one prefix so that the url
 * provider can drop exactly what the run made.
 */
export class Workspace implements Databases {
  readonly prefix: string;
  private clones = 0;
  /** The copy of the base prepareClone started, for the first cloneBase. */
  private ready?: Promise<string>;
  private readonly made: string[] = [];
  private role?: Promise<MigrationRole | undefined>;

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

  /** The tenants the template holds, when not all of them (the others are built in the PR's). */
  private held?: string[];

  baseHolds(names: string[]): void {
    this.held = names;
  }

  /** Tenants whose pre-PR state is a database of its own (a snapshot's variants, database topology). */
  private readonly bases = new Map<string, string>();

  /** The template the tenant `name`'s databases are copied from. */
  baseOf(name: string): string {
    return this.bases.get(name) ?? this.baseDatabase;
  }

  /** The database holding the pre-PR state of a variant's representative `name`. */
  variantBase(name: string, index: number): string {
    if (index === 0) return this.baseDatabase;
    const database = `${this.prefix}base_${index}`;
    this.bases.set(name, database);
    return database;
  }

  connection(database: string): ConnectionInfo {
    return { ...this.cluster.primary, database };
  }

  /**
   * A superuser session in `database` (the cluster's own role). Only for what runs no code the PR
   * may have defined: creating and dropping databases and roles, base setup before the first
   * migration, catalog reads and replication functions. Everything that reads or writes user
   * tables, views or functions connects with `connectTo`/`connect` instead (docs/security.md).
   * `catalogOnly`: search_path is pg_catalog's alone (see SuperuserOptions).
   */
  async connectAsSuperuser(database: string, options: SuperuserOptions = {}): Promise<pg.Client> {
    return this.connectNodeAsSuperuser(this.cluster.primary, database, options);
  }

  private async connectNodeAsSuperuser(
    node: NodeAddress,
    database: string,
    { catalogOnly = false }: SuperuserOptions = {},
  ): Promise<pg.Client> {
    const client = new pg.Client({ ...node, database, application_name: 'schemagate' });
    client.on('error', () => {});
    await client.connect();
    // The first statement, qualified: it replaces the database's own setting, which PR code may
    // have changed (a startup option would do the same, but a connection pooler may refuse it).
    if (catalogOnly) await client.query(CATALOG_SEARCH_PATH);
    return client;
  }

  /**
   * A session of the migration role in `database`: migrations, the seed and every gate connect so
   * (the superuser's with `migrationRole: superuser`). PR code a gate sets off (a trigger, a
   * view's function, a column default, a policy) runs with no more rights than the migration had.
   */
  async connectTo(database: string): Promise<pg.Client> {
    return this.connectNode(this.cluster.primary, database);
  }

  /** Like connectTo, on any node of the cluster (a replica: roles are the whole cluster's). */
  async connectNode(node: NodeAddress, database: string): Promise<pg.Client> {
    const role = await this.migrationRole();
    if (!role) return this.connectNodeAsSuperuser(node, database);
    const client = new pg.Client({
      ...node,
      database,
      user: role.name,
      password: role.password,
      application_name: 'schemagate',
    });
    client.on('error', () => {});
    await client.connect();
    return client;
  }

  /** connectTo with the tenant's search_path and the replay's statement timeout set. */
  async connect(tenant: TenantHandle): Promise<pg.Client> {
    return this.tenantSession(await this.connectTo(tenant.database), tenant);
  }

  /**
   * What base setup found the sessions' search_path needs besides the tenant's: the database's
   * own `ALTER DATABASE … SET search_path` (a clone does not copy it) and the preset's schemas.
   */
  readonly searchPathFromSetup: { database?: string[]; platform: string[] } = { platform: [] };

  /** The search_path the tenant's migration sessions run with (src/replay/search-path.ts). */
  searchPath(tenant: TenantHandle): string[] {
    return sessionSearchPath(tenant, this.topology, {
      configured: this.options.settings.searchPath ?? this.searchPathFromSetup.database,
      platform: this.searchPathFromSetup.platform,
    });
  }

  /**
   * The role migrations run as (`migrationRole: admin`), made on first use; undefined when they
   * run as the superuser.
   */
  migrationRole(): Promise<MigrationRole | undefined> {
    if (this.options.settings.migrationRole === 'superuser') return Promise.resolve(undefined);
    return (this.role ??= this.makeRole());
  }

  private async makeRole(): Promise<MigrationRole> {
    // Creates a role: no user object is involved.
    const admin = await this.connectAsSuperuser(this.cluster.primary.database);
    try {
      const where = `${this.cluster.primary.user}@${this.cluster.primary.host}:${this.cluster.primary.port}`;
      return await createMigrationRole(admin, migratorRoleName(this.prefix), where);
    } finally {
      await admin.end();
    }
  }

  private async asMigrator(database: string, sql: string): Promise<void> {
    const client = await this.connectTo(database).catch(() => undefined);
    await client?.query(sql).catch(() => {});
    await client?.end().catch(() => {});
  }

  /** What replay does with a statement Postgres refuses the migration role (none as superuser). */
  async privilegeGuard(tenant: TenantHandle): Promise<PrivilegeGuard | undefined> {
    const role = await this.migrationRole();
    if (!role) return undefined;
    // The guard runs only the refused statement (an event trigger, a platform extension) through
    // a function of its own, and disables an event trigger at once (privilege-guard.ts).
    const superuser = () => this.connectAsSuperuser(tenant.database);
    return new AdminRoleGuard(role.name, role.madeBySuperuser ? superuser : undefined);
  }

  private async tenantSession(client: pg.Client, tenant: TenantHandle): Promise<pg.Client> {
    await client.query(
      `select set_config('search_path', $1, false), set_config('statement_timeout', $2, false)`,
      [
        searchPathValue(this.searchPath(tenant)),
        String(this.options.settings.replay.statementTimeoutMs),
      ],
    );
    return client;
  }

  /**
   * Creates a database, from a template when given; remembered for dropAll. The migration role
   * creates it, so owns it (and may clone the template it owns).
   */
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

  /** A database something else of the run made (a setup script's CREATE DATABASE): dropped too. */
  adopt(name: string): void {
    if (!this.made.includes(name)) this.made.push(name);
  }

  /** Whether the run made the database (or adopted one a setup script made). */
  madeHere(name: string): boolean {
    return this.made.includes(name);
  }

  /** Tenant handles of a database laid out for the run's topology. */
  tenantsIn(database: string): TenantHandle[] {
    return this.topology.tenantsIn(database);
  }

  async cloneBase(label: string): Promise<{ database: string; tenants: TenantHandle[] }> {
    const ready = await this.ready?.catch(() => undefined);
    this.ready = undefined;
    // A copy made while the replay went on stands for one made now: the base has not changed.
    const database = ready ?? this.cloneName(label);
    if (!ready) await this.createDatabase(database, this.baseDatabase);
    const tenants = this.tenantsIn(database);
    const held = this.held;
    return { database, tenants: held ? tenants.filter((t) => held.includes(t.name)) : tenants };
  }

  /**
   * Starts the copy of the base the first `cloneBase` will return, once the base is final: it
   * is made while the replay goes on (the gates that walk the PR need one).
   */
  prepareClone(): void {
    if (this.clones > 0) return;
    const database = this.cloneName('base');
    this.ready = this.createDatabase(database, this.baseDatabase).then(() => database);
    // Waited for (or dropped with the others) when the run ends; a failure copies again later.
    this.ready.catch(() => undefined);
  }

  private cloneName(label: string): string {
    return `${this.prefix}c${++this.clones}_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`.slice(
      0,
      63,
    );
  }

  async scriptSession(tenant: TenantHandle): Promise<ScriptSession> {
    const client = await this.connect(tenant);
    const privileges = await this.privilegeGuard(tenant);
    let used = false;
    const apply = async (
      migration: Migration,
      direction: 'up' | 'down',
      { afterStatement, traced = true }: ApplyOptions = {},
    ): Promise<StatementTrace[]> => {
      const script = direction === 'up' ? migration.up : migration.down;
      if (!script) return [];
      // What the last script set (search_path, a role, a lock_timeout) does not carry over.
      if (used) {
        // A transaction the last script left open ends as it would with its connection.
        await client.query('rollback');
        await client.query('discard all');
        await this.tenantSession(client, tenant);
      }
      used = true;
      const schemas = await tenantSchemas(client, tenant);
      const runner = new ScriptRunner(client, {
        tenant: tenant.name,
        schemas,
        preexisting: traced ? await relationOids(client, schemas) : new Set(),
        traced,
        sharedSchema: this.topology.sharedSchema,
        timeoutMs: this.options.settings.replay.statementTimeoutMs,
        migrationTimeoutMs: this.options.settings.replay.migrationTimeoutMs,
        privileges,
      });
      await runner.init();
      const whole = traced ? undefined : await runner.runWhole(migration, script);
      return (whole ?? (await runner.run(migration, script, afterStatement))).traces;
    };
    return { apply, close: () => client.end().catch(() => undefined) };
  }

  /**
   * Drops every database the run made on a server that outlives the run (the url provider's);
   * the other providers delete the whole cluster right after.
   */
  async dropAll(): Promise<void> {
    // A copy still being made is dropped with the others once made.
    await this.ready?.catch(() => undefined);
    if (this.made.length === 0 || this.cluster.provider !== 'url') return;
    // Drops databases: no user object is involved (WITH (FORCE) ends their sessions).
    const admin = await this.connectAsSuperuser(this.cluster.primary.database).catch(
      () => undefined,
    );
    if (!admin) return;
    try {
      for (const name of this.made.reverse()) {
        const drop = `drop database if exists ${quoteIdent(name)} with (force)`;
        // A url role that is no superuser may not drop the migration role's databases: it may.
        await admin.query(drop).catch(() => this.asMigrator(this.cluster.primary.database, drop));
      }
    } finally {
      this.made.length = 0;
      await admin.end();
    }
  }
}
