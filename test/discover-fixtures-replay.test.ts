import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../src/discover/index.js';
import { silentLogger } from '../src/core/logger.js';
import type { Script } from '../src/core/model.js';
import type { Cluster } from '../src/provision/provider.js';
import { embeddedProvider } from '../src/provision/embedded.js';

/**
 * The format fixtures are realistic histories: every one applies on real Postgres in any tenant
 * schema (unqualified names, search_path set), and its downs, run in reverse, leave nothing.
 */
let cluster: Cluster;
let client: pg.Client;

beforeAll(async () => {
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
  client = new pg.Client(cluster.primary);
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  await cluster?.stop();
});

/** Sends a script the way its transaction mode says the production tool does. */
async function run(script: Script): Promise<void> {
  const sql = script.statements.map((s) => s.sql);
  if (script.transaction === 'implicit') return void (await client.query(sql.join(';\n')));
  if (script.transaction === 'none') {
    for (const s of sql) await client.query(s);
    return;
  }
  await client.query('BEGIN');
  for (const s of sql) await client.query(s);
  await client.query('COMMIT');
}

async function objectsIn(schema: string): Promise<string[]> {
  const r = await client.query<{ name: string }>(
    `SELECT relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'v')
     UNION ALL
     SELECT proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1
     ORDER BY 1`,
    [schema],
  );
  return r.rows.map((row) => row.name);
}

describe.each(['golang-migrate', 'goose', 'dbmate', 'flyway', 'plain'])('%s fixture', (format) => {
  it('applies in two tenant schemas and rolls back to nothing', async () => {
    const d = await discoverMigrations(process.cwd(), `fixtures/formats/${format}`, 'auto');
    for (const tenant of ['tenant_1', 'tenant_2']) {
      const schema = `${format.replace('-', '_')}_${tenant}`;
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`SET search_path = ${schema}`);
      for (const m of d.migrations) await run(m.up);
      const tables = ['accounts', 'invoices', 'memberships', 'plans', 'subscriptions', 'users'];
      const extra = format === 'flyway' ? ['account_overview'] : [];
      expect(await objectsIn(schema)).toEqual([...tables, ...extra, 'touch_updated_at'].sort());
      for (const m of [...d.migrations].reverse()) {
        if (m.repeatable) await client.query('DROP VIEW account_overview');
        else await run(m.down!);
      }
      expect(await objectsIn(schema)).toEqual([]);
    }
  });
});
