import type { Finding, TopologyKind } from '../../core/model.js';
import type { Gate, GateContext } from '../gate.js';
import { crossDatabaseFindings } from './cross-database.js';
import { crossTenantReferences } from './cross-tenant.js';
import { extensionDropFindings, extensionFindings, extensionsBefore } from './extensions.js';
import { tenantDrift } from './drift.js';
import { StatementLocator } from './locate.js';
import { schemaStatementFindings } from './schema-statements.js';
import type { IsolationSettings } from '../../core/settings.js';
import { sharedFindings } from './shared.js';
import { sharedTableFindings } from './schema-shared-tables.js';

function replayFailed(ctx: GateContext): boolean {
  return ctx.after.size === 0 || ctx.trace.pr.some((t) => t.failedMigration);
}

/** Catalog rules need every tenant's replay to have succeeded; statement rules do not. */
function schemaFindings(
  ctx: GateContext,
  settings: IsolationSettings,
  locator: StatementLocator,
): Finding[] {
  const existing = extensionsBefore(ctx.before, ctx.plan.merged);
  const statements = [
    ...schemaStatementFindings(locator.prStatements),
    ...extensionFindings(locator.prStatements, existing),
    ...extensionDropFindings(ctx.plan.added.flatMap((m) => m.down?.statements ?? [])),
  ];
  if (replayFailed(ctx)) return statements;
  const schemas = new Map(ctx.tenants.map((t) => [t.name, t.schema]));
  const references = crossTenantReferences(ctx.before, ctx.after, schemas, locator);
  // A reference to another tenant also makes the catalogs differ; one finding says it.
  const explained = new Set(references.map((f) => `${f.tenant} ${f.file}:${f.line}`));
  const names = ctx.tenants.map((t) => t.name);
  const drift = tenantDrift(ctx.before, ctx.after, names, locator).filter(
    (f) => !explained.has(`${f.tenant} ${f.file}:${f.line}`),
  );
  return [...statements, ...references, ...drift, ...sharedTableFindings(ctx, settings, locator)];
}

function databaseFindings(ctx: GateContext, locator: StatementLocator): Finding[] {
  const statements = crossDatabaseFindings(locator.prStatements);
  if (replayFailed(ctx)) return statements;
  return [...statements, ...tenantDrift(ctx.before, ctx.after, ctx.topology.tenantNames, locator)];
}

async function isolationFindings(ctx: GateContext): Promise<Finding[]> {
  const settings = ctx.options.settings.isolation;
  if (ctx.plan.added.length === 0) return [];
  const locator = new StatementLocator(ctx.plan.added, ctx.plan.merged);
  return CHECKS[ctx.topology.kind](ctx, settings, locator);
}

/** What isolation means differs by topology (see ARCHITECTURE.md): one check set each. */
const CHECKS: Record<
  TopologyKind,
  (
    ctx: GateContext,
    settings: IsolationSettings,
    locator: StatementLocator,
  ) => Promise<Finding[]> | Finding[]
> = {
  shared: (ctx, settings, locator) =>
    replayFailed(ctx) ? [] : sharedFindings(ctx, settings, locator),
  schema: (ctx, settings, locator) => schemaFindings(ctx, settings, locator),
  database: (ctx, _settings, locator) => databaseFindings(ctx, locator),
};

/**
 * Tenant boundaries hold after the change: row-level security and a live leak test in the shared
 * topology, schema-local migrations in the schema topology, identical tenant catalogs and no
 * cross-database access in the schema and database topologies.
 */
export const isolationGate: Gate = {
  id: 'isolation',
  title: 'Tenant isolation',
  async run(ctx) {
    return { findings: await isolationFindings(ctx) };
  },
};
