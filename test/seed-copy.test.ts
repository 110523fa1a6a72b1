import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import { topologyOf } from '../src/core/topology.js';
import { Workspace } from '../src/replay/workspace.js';
import { seedTenant } from '../src/replay/stages.js';
import { copyTenantRows, planTenantCopy, withReplicationRole } from '../src/replay/seed-copy.js';
import { fixtureOptions } from './helpers/run.js';

/** What a tenant's merged history leaves: own types, identity, generated columns, a trigger. */
const HISTORY = `
  create type mood as enum ('happy', 'sad');
  create domain email as text check (value like '%@%');
  create table orgs (id serial primary key, name text not null unique,
    plan text not null check (plan in ('free', 'pro')));
  create table users (
    id bigint generated always as identity primary key,
    org_id int not null references orgs, email email unique, mood mood not null,
    handle text generated always as (lower(email::text)) stored,
    created timestamptz not null default now());
  create table events (id int, at date not null) partition by range (at);
  create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01');
  create table audit (id bigserial primary key, org_id int, what text);
  create function audit_org() returns trigger language plpgsql as
    $$ begin insert into audit (org_id, what) values (new.id, 'created'); return new; end $$;
  create trigger orgs_audit after insert on orgs for each row execute function audit_org();
  create table schema_migrations (version bigint primary key, dirty boolean not null);
  insert into schema_migrations values (3, false);
  insert into orgs (name, plan) values ('reference', 'free');
`;

const TABLES = ['orgs', 'users', 'events', 'audit'];
const TENANTS = ['tenant_1', 'tenant_2', 'tenant_3'];

describe('copying the first tenant rows into a tenant built from the same history', () => {
  let cluster: Cluster;
  let ws: Workspace;
  let client: pg.Client;
  const tenant = (name: string) => ws.tenantsIn('sg_base').find((t) => t.name === name)!;
  const rows = async (schema: string, table: string) =>
    (
      await client.query<{ r: string }>(`select t::text as r from ${schema}.${table} t order by 1`)
    ).rows.map((r) => r.r);

  beforeAll(async () => {
    cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
    const options = fixtureOptions('fixtures/demo', { tenants: TENANTS });
    ws = new Workspace(cluster, options, topologyOf('schema', TENANTS, 'public'));
    await ws.createDatabase('sg_base');
    client = await ws.connectTo('sg_base');
    for (const t of TENANTS)
      await client.query(`create schema ${t}; set search_path = ${t}, public; ${HISTORY}`);
    await client.query('reset search_path');
    for (const t of ['tenant_1', 'tenant_3'])
      await seedTenant(ws, tenant(t), 50, silentLogger, 'golang-migrate');
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await cluster?.stop();
  });

  it('holds exactly the first tenant rows and sequences, and the seed would give as many', async () => {
    const copied = await withReplicationRole(ws, async (allowed) =>
      allowed
        ? copyTenantRows(
            ws,
            await planTenantCopy(ws, tenant('tenant_1'), 'golang-migrate'),
            tenant('tenant_2'),
          )
        : false,
    );
    expect(copied).toBe(true);
    for (const table of TABLES) {
      const first = await rows('tenant_1', table);
      expect(first.length).toBeGreaterThan(1);
      expect(await rows('tenant_2', table)).toEqual(first);
      // Generated the usual way on the third: the same rows but for the time of the seed.
      expect((await rows('tenant_3', table)).length).toBe(first.length);
    }
    // The version table keeps the tenant's own rows; the partition holds the copied events.
    expect(await rows('tenant_2', 'schema_migrations')).toEqual(['(3,f)']);
    expect(await rows('tenant_2', 'events_2024')).toEqual(await rows('tenant_1', 'events_2024'));
    const next = async (schema: string) =>
      (
        await client.query<{ n: string }>(
          `select nextval('${schema}.users_id_seq')::text || '/' || nextval('${schema}.audit_id_seq') as n`,
        )
      ).rows[0].n;
    expect(await next('tenant_2')).toBe(await next('tenant_3'));
    // The trigger did not fire a second time: audit holds only what the first tenant's held.
    expect((await rows('tenant_2', 'audit')).length).toBe((await rows('tenant_3', 'audit')).length);
  });

  it('takes the migration role its right to skip triggers back afterwards', async () => {
    const role = (await ws.migrationRole())!.name;
    const session = await ws.connectTo('sg_base');
    try {
      expect(await session.query('select current_user as u').then((r) => r.rows[0].u)).toBe(role);
      await expect(session.query('set session_replication_role = replica')).rejects.toThrow(
        'permission denied to set parameter "session_replication_role"',
      );
    } finally {
      await session.end();
    }
  });
});
