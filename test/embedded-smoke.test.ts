import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';

describe('embedded provider', () => {
  it('starts Postgres 18 and removes it', async () => {
    const cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
    const client = new pg.Client(cluster.primary);
    await client.connect();
    const r = await client.query('select current_setting($1) as v', ['server_version_num']);
    await client.end();
    await cluster.stop();
    expect(Number(r.rows[0].v)).toBeGreaterThanOrEqual(180000);
  });
});
