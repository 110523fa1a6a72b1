import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { initSqlParser } from '../src/sql/split.js';
import { fixtureOptions } from './helpers/run.js';

/**
 * supabase/auth writes the fixed schema `auth`: in the schema topology tenant_2 replays
 * `create table if not exists auth.oauth_clients` after tenant_1 already changed that one table,
 * and the next statement fails on tenant_2 alone. The remedy says why and which topology fits.
 */

const ROOT = resolve('fixtures/real/auth-fixed-schema');

describe('a merged history that fails only on the second tenant of the schema topology', () => {
  it('suggests topology: database (or shared), naming the tenants and the schema', async () => {
    await initSqlParser();
    const options = fixtureOptions('migrations', { repoRoot: ROOT, gates: ['replay'] });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 3 });
    expect(report.error?.exitCode).toBe(3);
    expect(report.setupError).toEqual({
      file: 'migrations/20250731150234_add_oauth_clients_table.up.sql',
      line: 10,
      message: 'column "client_id" does not exist (SQLSTATE 42703)',
      cause: 'statement-failed',
      remedy:
        '`topology: database` (or `topology: shared`) in .schemagate.yml: it failed on tenant_2 but not on tenant_1, on auth, a schema the migrations write by name. In the schema topology every tenant is a schema of one database and replays the history there, so tenant_2 meets in auth what tenant_1 made; tenants of these migrations are not schemas.',
    });
  });

  it('replays on topology: database', async () => {
    await initSqlParser();
    const options = fixtureOptions('migrations', {
      repoRoot: ROOT,
      topology: 'database',
      gates: ['replay'],
    });
    const report = await runCheck(options, memoryLogger(), { mergedCount: 2 });
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
  });
});
