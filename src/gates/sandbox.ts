import type pg from 'pg';
import { snapshotCatalog } from '../catalog/snapshot.js';
import { ownSchemas, tenantSchemas } from '../catalog/schemas.js';
import type { CatalogSnapshot } from '../catalog/types.js';
import type { Logger } from '../core/logger.js';
import type { Migration } from '../core/model.js';
import type { ApplyOptions, Databases, ScriptSession, TenantHandle } from '../core/tenants.js';
import type { Topology } from '../core/topology.js';
import type { StatementTrace } from '../core/trace.js';

/** Where only whether and where a script fails counts (see ApplyOptions). */
export const UNTRACED: ApplyOptions = { traced: false };

/** What a sandbox needs of the gates' context (GateContext has it). */
export interface SandboxContext {
  databases: Databases;
  topology: Topology;
  logger: Logger;
  plan: { added: Migration[] };
}

/**
 * One tenant in a copy of the pre-PR state (cloneBase) with the first `applied` added migrations
 * applied. While what runs there leaves it as a plain replay would, it is reused for the next
 * migration; once something went wrong it is replaced by a fresh copy.
 *
 * `applied` follows the scripts run: an up of the next added migration moves it on, a down of
 * the last one moves it back. A script that fails, or a state that differs from what replay
 * leaves (`spoil`), sends the next `at` to a fresh copy.
 */
export class Sandbox {
  private handle?: TenantHandle;
  private observerClient?: pg.Client;
  private session?: ScriptSession;
  private applied = 0;
  private clean = false;
  private copies = 0;

  constructor(
    private readonly ctx: SandboxContext,
    private readonly tenantName: string,
    private readonly label: string,
  ) {}

  /** Tenants are schemas of one database: extensions and the shared schema belong to none. */
  get schemaPerTenant(): boolean {
    return this.ctx.topology.schemaPerTenant;
  }

  get tenant(): TenantHandle {
    if (!this.handle) throw new Error('sandbox used before it was prepared');
    return this.handle;
  }

  /**
   * A tenant with exactly the added migrations before `index` applied, or undefined when one of
   * them does not apply (replay reports that).
   */
  async at(index: number): Promise<TenantHandle | undefined> {
    if (!this.clean || this.applied > index) await this.fresh();
    while (this.applied < index) {
      const traces = await this.apply(this.ctx.plan.added[this.applied], 'up', UNTRACED);
      if (traces.some((t) => t.error)) return undefined;
    }
    return this.handle;
  }

  /** The state no longer is "the first `applied` migrations, as replay left them". */
  spoil(): void {
    this.clean = false;
  }

  async apply(
    migration: Migration,
    direction: 'up' | 'down',
    options?: ApplyOptions,
  ): Promise<StatementTrace[]> {
    // One session for the copy's scripts, as for a tenant's replay; a new one after a failure.
    this.session ??= await this.ctx.databases.scriptSession(this.tenant);
    const traces = await this.session
      .apply(migration, direction, options)
      .catch(async (error: unknown) => {
        await this.endSession();
        throw error;
      });
    const added = this.ctx.plan.added;
    if (traces.some((t) => t.error)) {
      this.spoil();
      await this.endSession();
    } else if (direction === 'up' && added[this.applied] === migration) this.applied++;
    else if (direction === 'down' && added[this.applied - 1] === migration) this.applied--;
    else this.spoil();
    return traces;
  }

  /** The tenant's catalog, read on the observer's session (its caches are warm after the first). */
  async snapshot(): Promise<CatalogSnapshot> {
    const observer = await this.observer();
    return snapshotCatalog(observer, {
      schemas: await tenantSchemas(observer, this.tenant),
      tenantSchema: this.tenant.schema,
    });
  }

  /** A session of its own that lives as long as the copy (its temporary tables too). */
  async observer(): Promise<pg.Client> {
    this.observerClient ??= await this.ctx.databases.connect(this.tenant);
    return this.observerClient;
  }

  /** Schemas the tenant owns: the shared schema of the schema topology belongs to no tenant. */
  async ownSchemas(): Promise<string[]> {
    return ownSchemas(await this.observer(), this.tenant);
  }

  async close(): Promise<void> {
    await this.observerClient?.end().catch(() => undefined);
    this.observerClient = undefined;
    await this.endSession();
  }

  private async endSession(): Promise<void> {
    await this.session?.close();
    this.session = undefined;
  }

  private async fresh(): Promise<void> {
    await this.close();
    const clone = await this.ctx.databases.cloneBase(`${this.label}_${++this.copies}`);
    this.handle = clone.tenants.find((t) => t.name === this.tenantName) ?? clone.tenants[0];
    this.ctx.logger.debug(
      `sandbox: ${clone.database}, copy ${this.copies} of the base for ${this.label}`,
    );
    this.applied = 0;
    this.clean = true;
  }
}
