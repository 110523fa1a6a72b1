import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import { catalogChecksum } from '../src/gates/replica/catalog-checksum.js';
import { connectNode, primaryFlushedLsn, waitForReplay } from '../src/gates/replica/lsn.js';

/** The replica gate's per-database checksum: equal where the replica replayed, not where not. */
describe('a primary and a streaming replica: catalog checksums and the end of the WAL', () => {
  let cluster: Cluster;
  let primary: pg.Client;
  let standby: pg.Client;

  const caughtUp = async () => {
    const at = await primaryFlushedLsn(primary);
    expect((await waitForReplay(standby, at, 30_000)).reached).toBe(true);
  };
  const sums = async () => [await catalogChecksum(primary), await catalogChecksum(standby)];

  beforeAll(async () => {
    cluster = await embeddedProvider.start({ replicas: 1, logger: silentLogger });
    const admin = await connectNode(cluster.primary, 'postgres');
    await admin.query('create database shop');
    await admin.end();
    primary = await connectNode(cluster.primary, 'shop');
    await primary.query(`
      create schema tenant_1;
      create type tenant_1.mood as enum ('happy', 'sad');
      create domain tenant_1.email as text check (value like '%@%');
      create table tenant_1.users (id bigserial primary key, email tenant_1.email unique,
        mood tenant_1.mood not null default 'happy');
      create view tenant_1.happy as select id from tenant_1.users where mood = 'happy';
      create policy own on tenant_1.users using (id > 0);
      insert into tenant_1.users (email) select 'u' || g || '@x' from generate_series(1, 100) g;`);
    // The database exists on the replica once the replica has replayed its creation.
    standby = await connectNode(cluster.replicas[0], 'postgres');
    await caughtUp();
    await standby.end();
    standby = await connectNode(cluster.replicas[0], 'shop');
  }, 120_000);

  afterAll(async () => {
    await standby?.end();
    await primary?.end();
    await cluster?.stop();
  });

  it('is equal once the replica has replayed, and rows of the tables do not change it', async () => {
    const [onPrimary, onReplica] = await sums();
    expect(onReplica).toBe(onPrimary);
    expect(onPrimary).toMatch(/^\d+:\d+$/);
    await primary.query(`insert into tenant_1.users (email) values ('late@x')`);
    await caughtUp();
    expect(await catalogChecksum(primary)).toBe(onPrimary);
  });

  it("is reached by the replica at once when the primary's last record fills its WAL page", async () => {
    // A record that ends exactly at the end of a WAL page leaves the insert position past the
    // next page's header, where no replica gets until more WAL comes (up to 15 s later).
    const block = Number(
      (await primary.query<{ b: string }>(`select current_setting('wal_block_size') as b`)).rows[0]
        .b,
    );
    const offset = async () =>
      Number(
        (
          await primary.query<{ o: string }>(
            `select (pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0') % ${block}) as o`,
          )
        ).rows[0].o,
      );
    const emit = (bytes: number) =>
      primary.query(`select pg_logical_emit_message(false, 'sg', repeat('x', ${bytes}))`);
    // The size of a message record without content, measured within one page.
    let fixed = 0;
    while (fixed <= 0) {
      const before = await offset();
      await emit(0);
      fixed = (await offset()) - before;
    }
    for (let tries = 0; tries < 20; tries++) {
      const left = block - (await offset());
      if (left >= fixed) await emit(left - fixed);
      else await emit(block);
      if ([24, 40].includes(await offset())) break;
    }
    expect([24, 40]).toContain(await offset());
    const at = await primaryFlushedLsn(primary);
    const wait = await waitForReplay(standby, at, 30_000);
    expect(wait.reached).toBe(true);
    expect(wait.waitedMs).toBeLessThan(3_000);
  });

  it('differs while the replica has not replayed a change of the catalog, and is equal after', async () => {
    const admin = await connectNode(cluster.replicas[0], 'postgres');
    try {
      await admin.query('select pg_wal_replay_pause()');
      const before = await catalogChecksum(primary);
      for (const ddl of [
        'alter table tenant_1.users add column nickname text',
        `alter domain tenant_1.email add constraint short check (length(value) < 100)`,
        `create or replace view tenant_1.happy as select id, email from tenant_1.users where mood = 'happy'`,
      ]) {
        await primary.query(ddl);
        const [onPrimary, onReplica] = await sums();
        expect(onPrimary).not.toBe(before);
        expect(onReplica).toBe(before);
      }
      await admin.query('select pg_wal_replay_resume()');
      await caughtUp();
      const [onPrimary, onReplica] = await sums();
      expect(onReplica).toBe(onPrimary);
    } finally {
      await admin.query('select pg_wal_replay_resume()').catch(() => undefined);
      await admin.end();
    }
  });
});
