import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import { seedTables, seedingOrder } from '../src/replay/seed.js';
import { loadSeedTables } from '../src/replay/seed-catalog.js';

const SCHEMA = `
  create type mood as enum ('happy', 'sad');
  create domain email as text check (value like '%@%');
  create table orgs (id serial primary key, name text not null unique,
    plan text not null check (plan in ('free', 'pro')), owner_id int);
  create table users (
    id bigint generated always as identity primary key,
    org_id int not null references orgs, email email unique, mood mood not null, tags text[],
    meta jsonb, created timestamptz not null default now(), code varchar(3) unique,
    score numeric(4,2) check (score between 1 and 5), uid uuid unique, flag bool not null,
    starts date, ends date, ip inet, span tstzrange, check (starts < ends));
  alter table orgs add foreign key (owner_id) references users (id);
  create table a (id int primary key, b_id int not null);
  create table b (id int primary key, a_id int not null references a);
  alter table a add foreign key (b_id) references b;
  create table events (id int, at date not null) partition by range (at);
  create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01');
  create table counters (id int generated always as identity, at timestamptz default now());
  create table tree (id int primary key, parent_id int references tree);
  create table memberships (org_id int references orgs, user_id bigint references users,
    primary key (org_id, user_id));
`;

describe('seedTables', () => {
  let cluster: Cluster;
  let client: pg.Client;

  beforeAll(async () => {
    cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
    client = new pg.Client(cluster.primary);
    await client.connect();
    for (const schema of ['tenant_1', 'tenant_2']) {
      await client.query(`create schema ${schema}; set search_path = ${schema}; ${SCHEMA}`);
    }
    await client.query('reset search_path');
  });

  afterAll(async () => {
    await client?.end();
    await cluster?.stop();
  });

  it('orders parents before children and breaks a nullable cycle', async () => {
    const tables = await loadSeedTables(client, ['tenant_1']);
    const steps = seedingOrder(tables).map(
      (s) => `${s.table.name}${s.nullForeignKeys.size ? ` null:${[...s.nullForeignKeys]}` : ''}`,
    );
    expect(steps).toEqual([
      'tenant_1.counters',
      'tenant_1.events',
      'tenant_1.tree null:tree_parent_id_fkey',
      'tenant_1.orgs null:orgs_owner_id_fkey',
      'tenant_1.users',
      'tenant_1.memberships',
      'tenant_1.a',
      'tenant_1.b',
    ]);
  });

  it('fills every table it can and says why it skipped the others', async () => {
    const result = await seedTables(client, ['tenant_1', 'tenant_2'], 500, silentLogger);
    const names = ['counters', 'tree', 'orgs', 'users', 'memberships'];
    const byName = (x: { table: string }, y: { table: string }) => x.table.localeCompare(y.table);
    expect([...result.seeded].sort(byName)).toEqual(
      ['tenant_1', 'tenant_2']
        .flatMap((s) => names.map((n) => ({ table: `${s}.${n}`, rows: 500 })))
        .concat(['tenant_1', 'tenant_2'].map((s) => ({ table: `${s}.events`, rows: 363 })))
        .sort(byName),
    );
    expect(result.skipped).toEqual(
      ['tenant_1', 'tenant_2'].flatMap((s) => [
        { table: `${s}.a`, reason: `foreign key a_b_id_fkey references ${s}.b, which has no rows` },
        { table: `${s}.b`, reason: `foreign key b_a_id_fkey references ${s}.a, which has no rows` },
      ]),
    );
  });

  it('writes rows that satisfy keys, checks and domains with distinct unique values', async () => {
    await client.query('set search_path = tenant_2');
    const r = await client.query(`select
      (select count(distinct code) from users)::int as codes,
      (select count(distinct email) from users)::int as emails,
      (select count(*) from users u join orgs o on o.id = u.org_id)::int as joined,
      (select count(*) from orgs where owner_id is not null)::int as owners,
      (select count(*) from tree where parent_id is not null)::int as parents,
      (select array_agg(distinct plan order by plan) from orgs) as plans,
      (select array_agg(distinct mood::text order by mood::text) from users) as moods,
      (select count(*) from users where starts < ends and score between 1 and 5
         and email like '%@%' and array_length(tags, 1) = 1 and meta ? 'n')::int as valid`);
    await client.query('reset search_path');
    expect(r.rows[0]).toEqual({
      codes: 500,
      emails: 500,
      joined: 500,
      owners: 0,
      parents: 0,
      plans: ['free', 'pro'],
      moods: ['happy', 'sad'],
      valid: 500,
    });
  });

  it('seeds nothing when asked for no rows', async () => {
    expect(await seedTables(client, ['tenant_1'], 0, silentLogger)).toEqual({
      seeded: [],
      skipped: [],
    });
  });

  it('gives a one-to-one child at most one row per parent row', async () => {
    await client.query(`create schema one;
      create table one.accounts (id int primary key);
      insert into one.accounts select generate_series(1, 30);
      create table one.profiles (account_id int primary key references one.accounts, bio text)`);
    const result = await seedTables(client, ['one'], 50, silentLogger);
    expect(result).toEqual({
      seeded: [
        { table: 'one.accounts', rows: 50 },
        { table: 'one.profiles', rows: 50 },
      ],
      skipped: [],
    });
  });

  it('gives values to a tenant column whose default reads an unset session setting', async () => {
    await client.query(`create schema rls;
      create table rls."Tenant" ("id" uuid primary key, "name" text not null);
      create table rls."Invoice" (
        "id" bigint generated always as identity primary key,
        "tenantId" uuid not null default (current_setting('app.current_tenant_id'))::uuid
          references rls."Tenant" ("id"),
        "note" text not null default (current_setting('app.note', true)))`);
    const result = await seedTables(client, ['rls'], 20, silentLogger);
    expect(result).toEqual({
      seeded: [
        { table: 'rls.Tenant', rows: 20 },
        { table: 'rls.Invoice', rows: 20 },
      ],
      skipped: [],
    });
    const r = await client.query(
      `select count(distinct "tenantId")::int as tenants, count(*) filter (where "note" is null)::int as nulls from rls."Invoice"`,
    );
    expect(r.rows[0]).toEqual({ tenants: 20, nulls: 0 });
  });

  it('adds rows next to rows the migrations inserted, shifting unique values', async () => {
    await client.query(`create schema lookup;
      create table lookup.roles (id int primary key, name text unique not null);
      insert into lookup.roles values (1, 'name-1'), (2, 'name-2')`);
    const result = await seedTables(client, ['lookup'], 10, silentLogger);
    expect(result).toEqual({ seeded: [{ table: 'lookup.roles', rows: 10 }], skipped: [] });
    const count = await client.query('select count(*)::int as n from lookup.roles');
    expect(count.rows[0].n).toBe(12);
  });
});
