import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import { snapshotCatalog } from '../src/catalog/snapshot.js';
import { fingerprint } from '../src/catalog/fingerprint.js';
import { diffCatalogs } from '../src/catalog/diff.js';
import { describeDrift, renderChanges } from '../src/catalog/render.js';
import type { CatalogSnapshot } from '../src/catalog/types.js';

/** One tenant's schema with every kind of object the snapshot reads. `{s}` is the schema. */
const TENANT_DDL = `
create schema {s};
set search_path = {s}, public;
create type mood as enum ('sad', 'ok', 'happy');
create type address as (street text, city varchar(80));
create domain positive_int as integer not null default 1 constraint positive check (value > 0);
create type float_range as range (subtype = float8, subtype_diff = float8mi);
create table users (
  id bigint generated always as identity primary key,
  email text collate "C" not null unique,
  nickname varchar(50),
  tenant_id int not null default 1,
  mood mood default 'ok',
  home address,
  score positive_int,
  email_lower text generated always as (lower(email)) stored,
  created_at timestamptz not null default now()
) with (fillfactor = 90);
create table invoices (
  id serial primary key,
  user_id bigint references users (id) on delete cascade deferrable initially deferred,
  amount numeric(12, 2) not null,
  status text
);
alter table invoices add constraint amount_positive check (amount > 0) not valid;
create sequence ticket_seq as integer increment by 5;
alter table invoices add column ticket integer default nextval('ticket_seq');
alter sequence ticket_seq owned by invoices.ticket;
create index invoices_open_idx on invoices (user_id) where status = 'open';
create index users_email_lower_idx on users (lower(email));
create unlogged table events (id bigint, payload jsonb);
alter table users enable row level security;
alter table users force row level security;
create policy tenant_rows on users for all to app_reader
  using (tenant_id = current_setting('app.tenant_id')::int)
  with check (tenant_id = current_setting('app.tenant_id')::int);
create view active_users with (security_invoker = true) as
  select id, email from users where mood <> 'sad';
create materialized view invoice_totals as
  select user_id, sum(amount) as total from invoices group by user_id;
create function touch() returns trigger language plpgsql as $$
begin new.status := coalesce(new.status, 'open'); return new; end $$;
create trigger invoices_touch before insert on invoices for each row execute function touch();
create function user_count() returns bigint language sql stable security definer
  set search_path = {s}, pg_temp as $$ select count(*) from users $$;
create procedure purge(before_date date) language sql
  begin atomic delete from invoices where false; end;
grant select on users to public;
grant select, insert on invoices to app_reader;
grant usage on schema {s} to app_reader;
grant usage on sequence ticket_seq to app_reader with grant option;
revoke execute on function user_count() from public;
grant execute on function user_count() to app_reader;
reset search_path;
`;

let cluster: Cluster;
let client: pg.Client;

async function createTenant(schema: string): Promise<void> {
  await client.query(TENANT_DDL.replaceAll('{s}', client.escapeIdentifier(schema)));
}

let tenantCount = 2;
let baseline: CatalogSnapshot;

/** A new tenant built from the same DDL, then changed by `sql`; returns its snapshot. */
async function alteredTenant(sql: string): Promise<CatalogSnapshot> {
  const schema = `tenant_${++tenantCount}`;
  await createTenant(schema);
  await client.query(`set search_path = ${schema}, public; ${sql}; reset search_path`);
  return snapshotOf(schema);
}

async function snapshotOf(schema: string): Promise<CatalogSnapshot> {
  return snapshotCatalog(client, { schemas: [schema, 'public'], tenantSchema: schema });
}

beforeAll(async () => {
  cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
  client = new pg.Client(cluster.primary);
  await client.connect();
  await client.query(`create role app_reader; create extension pgcrypto;
    create role other_owner; create table public.plans (id int primary key, name text)`);
  await createTenant('tenant_1');
  await createTenant('tenant_2');
  baseline = await snapshotOf('tenant_1');
});

afterAll(async () => {
  await client?.end();
  await cluster?.stop();
});

describe('snapshotCatalog', () => {
  it('gives two tenants built from the same DDL equal snapshots and fingerprints', async () => {
    const second = await snapshotOf('tenant_2');
    expect(second).toEqual(baseline);
    expect(fingerprint(second)).toBe(fingerprint(baseline));
    expect(fingerprint(baseline)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('normalises a tenant schema whose name needs quoting', async () => {
    await createTenant('Acme Corp');
    const acme = await snapshotOf('Acme Corp');
    expect(acme).toEqual(baseline);
  });

  it('lists relations with their kind, persistence, RLS flags and options', () => {
    const summary = baseline.tables.map((t) => [
      t.name,
      t.kind,
      t.persistence,
      t.rlsEnabled,
      t.rlsForced,
    ]);
    expect(summary).toEqual([
      ['$tenant.active_users', 'view', 'permanent', false, false],
      ['$tenant.events', 'table', 'unlogged', false, false],
      ['$tenant.invoice_totals', 'materialized view', 'permanent', false, false],
      ['$tenant.invoices', 'table', 'permanent', false, false],
      ['$tenant.users', 'table', 'permanent', true, true],
      ['public.plans', 'table', 'permanent', false, false],
    ]);
    const users = baseline.tables.find((t) => t.name === '$tenant.users')!;
    expect(users.owner).toBe('postgres');
    expect(users.options).toEqual(['fillfactor=90']);
    expect(users.columns).toEqual([
      { name: 'id', type: 'bigint', notNull: true, identity: 'always' },
      { name: 'email', type: 'text', notNull: true, collation: 'pg_catalog."C"' },
      { name: 'nickname', type: 'character varying(50)', notNull: false },
      { name: 'tenant_id', type: 'integer', notNull: true, default: '1' },
      { name: 'mood', type: '$tenant.mood', notNull: false, default: "'ok'::$tenant.mood" },
      { name: 'home', type: '$tenant.address', notNull: false },
      { name: 'score', type: '$tenant.positive_int', notNull: false },
      {
        name: 'email_lower',
        type: 'text',
        notNull: false,
        generated: 'lower(email)',
        generatedKind: 'stored',
      },
      { name: 'created_at', type: 'timestamp with time zone', notNull: true, default: 'now()' },
    ]);
    const invoices = baseline.tables.find((t) => t.name === '$tenant.invoices')!;
    expect(invoices.columns.map((c) => c.default)).toEqual([
      "nextval('$tenant.invoices_id_seq'::regclass)",
      undefined,
      undefined,
      undefined,
      "nextval('$tenant.ticket_seq'::regclass)",
    ]);
  });

  it('reads view definitions and security_invoker', () => {
    const view = baseline.tables.find((t) => t.name === '$tenant.active_users')!;
    expect(view.securityInvoker).toBe(true);
    expect(view.viewDefinition).toBe(
      " SELECT id,\n    email\n   FROM $tenant.users\n  WHERE (mood <> 'sad'::$tenant.mood);",
    );
    const materialized = baseline.tables.find((t) => t.name === '$tenant.invoice_totals')!;
    expect(materialized.securityInvoker).toBeUndefined();
    expect(materialized.viewDefinition).toBe(
      ' SELECT user_id,\n    sum(amount) AS total\n   FROM $tenant.invoices\n  GROUP BY user_id;',
    );
  });

  it('reads constraints with FK targets, actions, deferrability and validation', () => {
    const onInvoices = baseline.constraints.filter((c) => c.table === '$tenant.invoices');
    expect(onInvoices).toEqual([
      {
        name: 'amount_positive',
        table: '$tenant.invoices',
        type: 'c',
        definition: 'CHECK ((amount > (0)::numeric)) NOT VALID',
        columns: ['amount'],
        deferrable: false,
        deferred: false,
        validated: false,
      },
      {
        name: 'invoices_pkey',
        table: '$tenant.invoices',
        type: 'p',
        definition: 'PRIMARY KEY (id)',
        columns: ['id'],
        deferrable: false,
        deferred: false,
        validated: true,
        index: '$tenant.invoices_pkey',
      },
      {
        name: 'invoices_user_id_fkey',
        table: '$tenant.invoices',
        type: 'f',
        definition:
          'FOREIGN KEY (user_id) REFERENCES $tenant.users(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED',
        columns: ['user_id'],
        references: { table: '$tenant.users', columns: ['id'] },
        onDelete: 'CASCADE',
        onUpdate: 'NO ACTION',
        deferrable: true,
        deferred: true,
        validated: true,
      },
    ]);
    expect(baseline.constraints.map((c) => `${c.table}.${c.name}`)).toEqual([
      '$tenant.invoices.amount_positive',
      '$tenant.invoices.invoices_pkey',
      '$tenant.invoices.invoices_user_id_fkey',
      '$tenant.users.users_email_key',
      '$tenant.users.users_pkey',
      'public.plans.plans_pkey',
    ]);
  });

  it('reads partial and expression indexes with their key columns', () => {
    const named = (name: string) => baseline.indexes.find((i) => i.name === name);
    expect(named('$tenant.invoices_open_idx')).toEqual({
      name: '$tenant.invoices_open_idx',
      table: '$tenant.invoices',
      definition:
        "CREATE INDEX invoices_open_idx ON $tenant.invoices USING btree (user_id) WHERE (status = 'open'::text)",
      columns: ['user_id'],
      unique: false,
      primary: false,
      valid: true,
    });
    expect(named('$tenant.users_email_lower_idx')?.columns).toEqual(['lower(email)']);
    expect(named('$tenant.users_pkey')).toMatchObject({
      unique: true,
      primary: true,
      constraint: 'users_pkey',
    });
    expect(baseline.indexes).toHaveLength(6);
  });

  it('reads sequences with their parameters and owning column', () => {
    expect(baseline.sequences.map((q) => [q.name, q.type, q.ownedBy])).toEqual([
      ['$tenant.invoices_id_seq', 'integer', '$tenant.invoices.id'],
      ['$tenant.ticket_seq', 'integer', '$tenant.invoices.ticket'],
      ['$tenant.users_id_seq', 'bigint', '$tenant.users.id'],
    ]);
    expect(baseline.sequences[1]).toMatchObject({ increment: '5', start: '1', cycle: false });
  });

  it('reads functions and procedures, not the constructors of range types', () => {
    expect(baseline.functions.map((f) => [f.name, f.kind, f.language])).toEqual([
      ['$tenant.purge(IN before_date date)', 'procedure', 'sql'],
      ['$tenant.touch()', 'function', 'plpgsql'],
      ['$tenant.user_count()', 'function', 'sql'],
    ]);
    expect(baseline.functions[2]).toEqual({
      name: '$tenant.user_count()',
      kind: 'function',
      returns: 'bigint',
      language: 'sql',
      securityDefiner: true,
      config: ['search_path=$tenant, pg_temp'],
      volatility: 'stable',
      body: ' select count(*) from users ',
      owner: 'postgres',
    });
    expect(baseline.functions[0].body).toBe(
      'BEGIN ATOMIC\n DELETE FROM $tenant.invoices\n   WHERE false;\nEND',
    );
  });

  it('reads triggers, types and policies', () => {
    expect(baseline.triggers).toEqual([
      {
        name: 'invoices_touch',
        table: '$tenant.invoices',
        definition:
          'CREATE TRIGGER invoices_touch BEFORE INSERT ON $tenant.invoices FOR EACH ROW EXECUTE FUNCTION $tenant.touch()',
        enabled: true,
      },
    ]);
    expect(baseline.types).toEqual([
      {
        name: '$tenant.address',
        kind: 'composite',
        elements: ['street text', 'city character varying(80)'],
      },
      {
        name: '$tenant.float_range',
        kind: 'range',
        elements: ['subtype double precision', 'subdiff float8mi'],
      },
      { name: '$tenant.mood', kind: 'enum', elements: ['sad', 'ok', 'happy'] },
      {
        name: '$tenant.positive_int',
        kind: 'domain',
        elements: ['base integer', 'not null', 'default 1', 'positive: CHECK ((VALUE > 0))'],
      },
    ]);
    const check = "(tenant_id = (current_setting('app.tenant_id'::text))::integer)";
    expect(baseline.policies).toEqual([
      {
        name: 'tenant_rows',
        table: '$tenant.users',
        command: 'ALL',
        permissive: true,
        roles: ['app_reader'],
        using: check,
        withCheck: check,
      },
    ]);
  });

  it('reads grants beyond the defaults, revoked defaults and extensions', () => {
    expect(baseline.grants).toEqual([
      {
        object: 'function $tenant.user_count()',
        grantee: 'PUBLIC',
        privilege: 'EXECUTE',
        grantable: false,
        revoked: true,
      },
      {
        object: 'function $tenant.user_count()',
        grantee: 'app_reader',
        privilege: 'EXECUTE',
        grantable: false,
      },
      { object: 'schema $tenant', grantee: 'app_reader', privilege: 'USAGE', grantable: false },
      { object: 'schema public', grantee: 'PUBLIC', privilege: 'USAGE', grantable: false },
      {
        object: 'sequence $tenant.ticket_seq',
        grantee: 'app_reader',
        privilege: 'USAGE',
        grantable: true,
      },
      {
        object: 'table $tenant.invoices',
        grantee: 'app_reader',
        privilege: 'INSERT',
        grantable: false,
      },
      {
        object: 'table $tenant.invoices',
        grantee: 'app_reader',
        privilege: 'SELECT',
        grantable: false,
      },
      { object: 'table $tenant.users', grantee: 'PUBLIC', privilege: 'SELECT', grantable: false },
    ]);
    // pgcrypto's functions belong to the extension and are not listed as the application's.
    expect(baseline.extensions).toEqual([{ name: 'pgcrypto', version: '1.4', schema: 'public' }]);
  });

  it('leaves the session search_path as it found it', async () => {
    await client.query('set search_path = tenant_2, public');
    await snapshotOf('tenant_2');
    const r = await client.query('show search_path');
    await client.query('reset search_path');
    expect(r.rows[0].search_path).toBe('tenant_2, public');
  });

  it('shows a fresh object without grants', async () => {
    const fresh = await alteredTenant(
      'create table fresh (id int); create function f() returns int language sql as $$ select 1 $$',
    );
    expect(
      fresh.grants.filter((g) => g.object.includes('fresh') || g.object.includes('f()')),
    ).toEqual([]);
  });
});

describe('diffCatalogs on altered tenants', () => {
  const cases: Array<[string, string, string[]]> = [
    [
      'column type',
      'alter table users alter column nickname type text',
      ['changed column $tenant.users.nickname: type character varying(50) → text'],
    ],
    [
      'nullability',
      'alter table users alter column tenant_id drop not null',
      ['changed column $tenant.users.tenant_id: not null true → false'],
    ],
    [
      'forced RLS',
      'alter table users no force row level security',
      ['changed table $tenant.users: forced row level security true → false'],
    ],
    [
      'security_invoker',
      'alter view active_users reset (security_invoker)',
      ['changed view $tenant.active_users: security_invoker true → false'],
    ],
    [
      'persistence',
      'alter table events set logged',
      ['changed table $tenant.events: persistence unlogged → permanent'],
    ],
    [
      'owner',
      'alter table events owner to other_owner',
      ['changed table $tenant.events: owner postgres → other_owner'],
    ],
    [
      'policy roles',
      'alter policy tenant_rows on users to public',
      ['changed policy $tenant.users.tenant_rows: roles [app_reader] → [PUBLIC]'],
    ],
    [
      'function config',
      'alter function user_count() set search_path = public',
      [
        'changed function $tenant.user_count(): config [search_path=$tenant, pg_temp] → [search_path=public]',
      ],
    ],
    [
      'function body',
      `create or replace function touch() returns trigger language plpgsql as $$ begin return new; end $$`,
      [
        "changed function $tenant.touch(): body begin new.status := coalesce(new.status, 'open'); return new; end → begin return new; end",
      ],
    ],
    [
      'enum labels',
      `alter type mood add value 'angry' after 'sad'`,
      ['changed type $tenant.mood: labels [sad, ok, happy] → [sad, angry, ok, happy]'],
    ],
    [
      'domain constraint',
      'alter domain positive_int drop constraint positive',
      [
        'changed type $tenant.positive_int: definition [base integer, not null, default 1, positive: CHECK ((VALUE > 0))] → [base integer, not null, default 1]',
      ],
    ],
    [
      'constraint validation',
      'alter table invoices validate constraint amount_positive',
      ['changed constraint $tenant.invoices.amount_positive: validated false → true'],
    ],
    [
      'constraint deferrability',
      'alter table invoices alter constraint invoices_user_id_fkey not deferrable',
      [
        'changed constraint $tenant.invoices.invoices_user_id_fkey: deferrable true → false; deferred true → false',
      ],
    ],
    [
      'index definition',
      `drop index invoices_open_idx; create index invoices_open_idx on invoices (user_id) where status = 'paid'`,
      [
        "changed index $tenant.invoices_open_idx: definition …(user_id) WHERE (status = 'open'::text) → …(user_id) WHERE (status = 'paid'::text)",
      ],
    ],
    [
      'index validity',
      `update pg_index set indisvalid = false where indexrelid = 'users_email_lower_idx'::regclass`,
      ['changed index $tenant.users_email_lower_idx: valid true → false'],
    ],
    [
      'trigger',
      'drop trigger invoices_touch on invoices',
      ['removed trigger $tenant.invoices.invoices_touch'],
    ],
    [
      'grant',
      'revoke select on users from public',
      ['removed grant SELECT on table $tenant.users to PUBLIC'],
    ],
    [
      'column grant',
      'grant update (nickname) on users to app_reader',
      ['added grant UPDATE on column $tenant.users.nickname to app_reader'],
    ],
    [
      'default privileges in the tenant schema',
      `do $$ begin execute format('alter default privileges in schema %I grant select on tables to app_reader', current_schema()); end $$`,
      ['added grant SELECT on future tables of postgres in schema $tenant to app_reader'],
    ],
    [
      'a column grant on a new column',
      'alter table users add column phone text; grant select (phone) on users to app_reader',
      ['added column $tenant.users.phone'],
    ],
    [
      'a sequence and what lived on it',
      'alter table invoices alter column ticket drop default; drop sequence ticket_seq',
      [
        'removed sequence $tenant.ticket_seq',
        "changed column $tenant.invoices.ticket: default nextval('$tenant.ticket_seq'::regclass) → none",
      ],
    ],
    [
      'a column dropped and added again',
      'alter table invoices drop column status; alter table invoices add column status text',
      [
        'changed table $tenant.invoices: column order [id, user_id, amount, status, ticket] → [id, user_id, amount, ticket, status]',
        'removed index $tenant.invoices_open_idx',
      ],
    ],
    [
      'a new table',
      'create table audit (id int primary key); grant select on audit to app_reader',
      ['added table $tenant.audit'],
    ],
  ];

  it.each(cases)('names the changed object and property: %s', async (_title, sql, expected) => {
    const altered = await alteredTenant(sql);
    expect(renderChanges(diffCatalogs(baseline, altered))).toEqual(expected);
    expect(fingerprint(altered)).not.toBe(fingerprint(baseline));
  });

  it('reports the changed property with its before and after values', async () => {
    const altered = await alteredTenant('alter table users alter column nickname type text');
    expect(diffCatalogs(baseline, altered)).toEqual([
      {
        change: 'changed',
        kind: 'column',
        name: '$tenant.users.nickname',
        properties: [{ property: 'type', before: 'character varying(50)', after: 'text' }],
      },
    ]);
  });

  it('describes drift between two tenants', async () => {
    const altered = await alteredTenant(
      'alter table users no force row level security; drop index users_email_lower_idx',
    );
    expect(
      describeDrift(
        { name: 'tenant_1', snapshot: baseline },
        { name: 'tenant_9', snapshot: altered },
      ),
    ).toBe(
      'tenant_9 differs from tenant_1: table $tenant.users differs (forced row level security: true in tenant_1, false in tenant_9); index $tenant.users_email_lower_idx only in tenant_1',
    );
  });
});
