/**
 * PREPARE each query on a tenant's connection (then DEALLOCATE): Postgres resolves every table,
 * column, function and type and infers the parameters' types, exactly as when the application
 * first sends the query, without running it.
 */
import type pg from 'pg';
import { getErrorMessage } from '../../core/errors.js';
import type { PgErrorInfo } from '../../core/trace.js';
import type { Databases, TenantHandle } from '../gate.js';
import type { AppQuery } from './queries.js';

const STATEMENT_NAME = 'schemagate_compat_q';

function errorInfo(error: unknown): PgErrorInfo {
  const e = (error ?? {}) as { code?: string; detail?: string; hint?: string };
  return {
    sqlstate: e.code ?? '',
    message: getErrorMessage(error),
    ...(e.detail ? { detail: e.detail } : {}),
    ...(e.hint ? { hint: e.hint } : {}),
  };
}

async function prepareOne(client: pg.Client, query: AppQuery): Promise<PgErrorInfo | undefined> {
  try {
    await client.query(`PREPARE ${STATEMENT_NAME} AS ${query.prepared}`);
  } catch (error) {
    return errorInfo(error);
  }
  await client.query(`DEALLOCATE ${STATEMENT_NAME}`);
  return undefined;
}

/** The error of every query that does not prepare on the tenant, keyed by the query. */
export async function failingQueries(
  databases: Databases,
  tenant: TenantHandle,
  queries: AppQuery[],
): Promise<Map<AppQuery, PgErrorInfo>> {
  const failures = new Map<AppQuery, PgErrorInfo>();
  const client = await databases.connect(tenant);
  try {
    for (const q of queries) {
      const error = await prepareOne(client, q);
      if (error) failures.set(q, error);
    }
  } finally {
    await client.end();
  }
  return failures;
}
