import type { Statement } from '../core/model.js';
import { astOf, hasOption } from '../sql/ast.js';

/**
 * In the schema-per-tenant topology every tenant runs every migration, but objects outside the
 * tenant's schema (extensions, other schemas, `public.x`) exist once for all tenants. The second
 * tenant creating them again is an artefact of the per-tenant loop, not a failure of the
 * migration; the isolation gate reports PR statements that write outside the tenant's schema.
 */

/**
 * "already exists" SQLSTATEs (table, object, schema, function, database, column) and the unique
 * violation of seed rows inserted into a shared table by every tenant.
 */
const DUPLICATE = new Set(['42P07', '42710', '42P06', '42723', '42P04', '42701', '23505']);

export function isDuplicateObject(sqlstate: string): boolean {
  return DUPLICATE.has(sqlstate);
}

/** Whether the statement creates or writes something outside the tenant's own schema. */
export function createsSharedObject(stmt: Statement, tenantSchema: string): boolean {
  if (stmt.kind === 'CreateExtensionStmt' || stmt.kind === 'CreateSchemaStmt') return true;
  const schemas = [...JSON.stringify(stmt.ast ?? {}).matchAll(/"schemaname":"([^"]+)"/g)].map(
    (m) => m[1],
  );
  return schemas.some((s) => s !== tenantSchema && s !== 'pg_catalog');
}

/** CREATE EXTENSION without `SCHEMA x`: Postgres would put it in the tenant's schema. */
export function extensionWithoutSchema(stmt: Statement): boolean {
  if (stmt.kind !== 'CreateExtensionStmt') return false;
  return !hasOption(astOf(stmt, 'CreateExtensionStmt')?.options, 'schema');
}
