import type { Finding } from '../../engine/model.js';
import type { Gate, GateContext } from '../gate.js';
import { crossDatabaseFindings } from './cross-database.js';
import { crossTenantReferences } from './cross-tenant.js';
import { tenantDrift } from './drift.js';
import { StatementLocator } from './locate.js';
import { RULE_LIST } from './rules.js';
import { schemaStatementFindings } from './schema-statements.js';
import { parseIsolationSettings } from './settings.js';
import { sharedFindings } from './shared.js';

function replayFailed(ctx: GateContext): boolean {
  return (
    ctx.after.size === 0 ||
    ctx.trace.pr.some((t) => t.failedMigration) ||
    ctx.trace.merged.some((t) => t.failedMigration)
  );
}

function schemaFindings(ctx: GateContext, locator: StatementLocator): Finding[] {
  const schemas = new Map(ctx.tenants.map((t) => [t.name, t.schema]));
  return [
    ...schemaStatementFindings(locator.prStatements),
    ...crossTenantReferences(ctx.before, ctx.after, schemas, locator),
    ...tenantDrift(
      ctx.before,
      ctx.after,
      ctx.tenants.map((t) => t.name),
      locator,
    ),
  ];
}

function databaseFindings(ctx: GateContext, locator: StatementLocator): Finding[] {
  return [
    ...crossDatabaseFindings(locator.prStatements),
    ...tenantDrift(ctx.before, ctx.after, ctx.options.tenants, locator),
  ];
}

/**
 * Tenant boundaries hold after the change: row-level security and a live leak test in the shared
 * topology, schema-local migrations in the schema topology, identical tenant catalogs and no
 * cross-database access in the schema and database topologies.
 */
export const isolationGate: Gate = {
  id: 'isolation',
  title: 'Tenant isolation',
  rules: RULE_LIST,
  async run(ctx) {
    const settings = parseIsolationSettings(ctx.options.settings.isolation, ctx.options.configFile);
    if (ctx.added.length === 0 || replayFailed(ctx)) return [];
    const locator = new StatementLocator(ctx.added, ctx.merged);
    switch (ctx.options.topology) {
      case 'shared':
        return sharedFindings(ctx, settings, locator);
      case 'schema':
        return schemaFindings(ctx, locator);
      case 'database':
        return databaseFindings(ctx, locator);
    }
  },
};
