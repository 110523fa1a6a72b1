import { ownSchemas, tenantSchemas } from '../catalog/schemas.js';
import type pg from 'pg';
import type { TenantHandle } from '../core/tenants.js';
import type { Logger, Progress } from '../core/logger.js';
import type { Format, Migration, Statement } from '../core/model.js';
import type { TenantTrace } from '../core/trace.js';
import { ScriptRunner, relationOids } from './script-runner.js';
import { seedTables } from './seed.js';
import { toolTableOid } from './tool-tables.js';
import { Workspace } from './workspace.js';
import { quoteIdent } from '../sql/ident.js';

/** The replay stages of a run, each over the workspace's databases. */

/** Where one tenant's replay is: the migration, and the statement that starts now. */
export type ReplayProgress = (at: Pick<Progress, 'migration' | 'statement' | 'activity'>) => void;

/**
 * Applies `migrations` to one tenant, stopping at the first failure (as production would).
 * `preexisting` undefined: the merged history, where nothing pre-exists and only errors count.
 */
export async function replayTenant(
  ws: Workspace,
  tenant: TenantHandle,
  migrations: Migration[],
  preexisting: Set<number> | undefined,
  oneTransaction = false,
  progress: ReplayProgress = () => {},
  /** Runs first on the replay's session (the tool's version table, say). */
  prepare?: (client: pg.Client) => Promise<unknown>,
): Promise<TenantTrace> {
  const trace: TenantTrace = {
    tenant: tenant.name,
    database: tenant.database,
    schema: tenant.schema,
    statements: [],
  };
  const client = await ws.connect(tenant);
  try {
    await prepare?.(client);
    const runner = new ScriptRunner(client, {
      tenant: tenant.name,
      schemas: await tenantSchemas(client, tenant),
      preexisting: preexisting ?? new Set(),
      traced: preexisting !== undefined,
      sharedSchema: ws.topology.sharedSchema,
      timeoutMs: ws.options.settings.replay.statementTimeoutMs,
      migrationTimeoutMs: ws.options.settings.replay.migrationTimeoutMs,
      privileges: await ws.privilegeGuard(tenant),
    });
    await runner.init();
    if (oneTransaction && migrations.length > 1) {
      progress({ activity: `${migrations.length} migrations in one transaction` });
      const result = await runner.runInOneTransaction(migrations);
      trace.statements.push(...result.traces);
      if (result.failed) trace.failedMigration = result.failed;
      return trace;
    }
    for (const [j, m] of migrations.entries()) {
      const at = (s?: Statement) => ({
        migration: [j + 1, migrations.length] as [number, number],
        statement: s && `${s.file}:${s.line}`,
      });
      progress(at(m.up.statements[0]));
      // The runner calls back after each statement that succeeded: the next one starts then.
      const result =
        (await runner.runWhole(m, m.up)) ??
        (await runner.run(m, m.up, async (done) => {
          const next = m.up.statements[done.index + 1];
          if (next) progress(at(next));
        }));
      trace.statements.push(...result.traces);
      if (result.failed) {
        trace.failedMigration = m.id;
        break;
      }
    }
  } finally {
    await client.end();
  }
  return trace;
}

/** Creates the tenant schemas of the schema topology in a fresh database. */
export async function createTenantSchemas(
  client: pg.Client,
  tenants: TenantHandle[],
): Promise<void> {
  for (const t of tenants) {
    if (t.schema !== 'public')
      await client.query(`create schema if not exists ${quoteIdent(t.schema)}`);
  }
}

export async function seedTenant(
  ws: Workspace,
  tenant: TenantHandle,
  rows: number,
  logger: Logger,
  format: Format,
): Promise<string[]> {
  const client = await ws.connect(tenant);
  try {
    const versions = await toolTableOid(client, format);
    const exclude = new Set(versions === undefined ? [] : [versions]);
    const schemas = await ownSchemas(client, tenant);
    const result = await seedTables(client, schemas, rows, logger, exclude);
    return result.skipped.map((s) => `${tenant.name}: did not seed ${s.table}: ${s.reason}`);
  } finally {
    await client.end();
  }
}

export async function preexistingRelations(
  ws: Workspace,
  tenant: TenantHandle,
): Promise<Set<number>> {
  const client = await ws.connect(tenant);
  try {
    return await relationOids(client, await tenantSchemas(client, tenant));
  } finally {
    await client.end();
  }
}
