import type pg from 'pg';
import { quoteIdent } from '../../sql/ident.js';

/** The application role the live leak test acts as. */
export interface AppRole {
  name: string;
  /** Made by the test (inside its transaction, so it disappears with the rollback). */
  created: boolean;
  superuser: boolean;
  bypassRls: boolean;
  /** Privileges were granted by the test because the migrations granted none. */
  defaultGrants: boolean;
}

export const DEFAULT_APP_ROLE = 'schemagate_app';

async function roleFlags(client: pg.Client, name: string) {
  const r = await client.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
    'select rolsuper, rolbypassrls from pg_roles where rolname = $1',
    [name],
  );
  return r.rows[0];
}

/** Whether the role holds any privilege on any of the tables (given as regclass text). */
async function hasAnyPrivilege(
  client: pg.Client,
  role: string,
  tables: string[],
): Promise<boolean> {
  const r = await client.query<{ any: boolean }>(
    `select coalesce(bool_or(has_table_privilege($1, t::regclass, 'select,insert,update,delete')), false) as any
     from unnest($2::text[]) t`,
    [role, tables],
  );
  return r.rows[0].any;
}

async function grantDefaults(client: pg.Client, role: string, schemas: string[]): Promise<void> {
  const r = quoteIdent(role);
  for (const s of schemas.map(quoteIdent)) {
    await client.query(`grant usage on schema ${s} to ${r}`);
    await client.query(`grant select, insert, update, delete on all tables in schema ${s} to ${r}`);
    await client.query(`grant usage, select on all sequences in schema ${s} to ${r}`);
  }
}

/**
 * Uses the configured role when the migrations made it (with the privileges they granted), else
 * creates a plain role: NOSUPERUSER, NOBYPASSRLS, owning nothing. A role without any privilege on
 * the tenant tables gets read/write on the tables and usage on the sequences of `schemas`.
 * Must run inside the test's transaction.
 */
export async function prepareAppRole(
  client: pg.Client,
  configured: string | undefined,
  tenantTables: string[],
  schemas: string[],
  admitted?: AdmittedRole,
): Promise<AppRole> {
  const name = configured ?? DEFAULT_APP_ROLE;
  let flags = await roleFlags(client, name);
  const created = admitted?.created ?? !flags;
  if (!flags) {
    await client.query(
      `create role ${quoteIdent(name)} nologin nosuperuser nobypassrls noinherit nocreatedb nocreaterole`,
    );
    flags = await roleFlags(client, name);
  }
  const defaultGrants = !(await hasAnyPrivilege(client, name, tenantTables));
  if (defaultGrants) await grantDefaults(client, name, schemas);
  return { name, created, superuser: flags.rolsuper, bypassRls: flags.rolbypassrls, defaultGrants };
}

/** What admitAppRole did, undone by its release. */
export interface AdmittedRole {
  /** The test made the role (it did not exist). */
  created: boolean;
  release: () => Promise<void>;
}

/** Predefined roles that reach the host or other sessions: the test never acts as their member. */
const HOST_ROLES = [
  'pg_execute_server_program',
  'pg_read_server_files',
  'pg_write_server_files',
  'pg_signal_backend',
];

/**
 * Lets the test's session, a non-superuser (the migration role), act as the application role: a
 * superuser session (`admin`, which runs no user code: roles only) creates the role when it does
 * not exist and makes the session's role a member of it, unless the application role is a
 * superuser or reaches the host (then the test only reports it). Undefined when the session is a
 * superuser's (`migrationRole: superuser`): the test then creates the role in its transaction.
 * The release revokes the membership and drops a role made here.
 */
export async function admitAppRole(
  admin: pg.Client,
  client: pg.Client,
  configured: string | undefined,
): Promise<AdmittedRole | undefined> {
  const me = (
    await client.query<{ name: string; rolsuper: boolean }>(
      'select rolname as name, rolsuper from pg_roles where rolname = current_user',
    )
  ).rows[0];
  if (me.rolsuper) return undefined;
  const name = configured ?? DEFAULT_APP_ROLE;
  const [role, member] = [quoteIdent(name), quoteIdent(me.name)];
  const created = !(await roleFlags(admin, name));
  if (created)
    await admin.query(
      `create role ${role} nologin nosuperuser nobypassrls noinherit nocreatedb nocreaterole`,
    );
  const risky = await admin.query<{ risky: boolean }>(
    `select r.rolsuper or exists (select 1 from unnest($2::text[]) h(name)
                                   where pg_has_role(r.oid, h.name, 'member')) as risky
       from pg_roles r where r.rolname = $1`,
    [name, HOST_ROLES],
  );
  const granted = !risky.rows[0].risky && !(await isMember(admin, me.name, name));
  // From Postgres 16 the role's creator may already hold it with ADMIN only: a plain GRANT would
  // leave that membership as it is, so SET is asked for, and taken back alone afterwards.
  const setOption = (await serverVersion(admin)) >= 160000;
  const held = setOption && (await holdsMembership(admin, me.name, name));
  if (granted) await admin.query(`grant ${role} to ${member}${setOption ? ' with set true' : ''}`);
  const revoke = held
    ? `revoke set option for ${role} from ${member}`
    : `revoke ${role} from ${member}`;
  return {
    created,
    release: async () => {
      if (granted) await admin.query(revoke).catch(() => undefined);
      if (created) await admin.query(`drop role if exists ${role}`).catch(() => undefined);
    },
  };
}

async function serverVersion(client: pg.Client): Promise<number> {
  const r = await client.query<{ v: string }>(`select current_setting('server_version_num') as v`);
  return Number(r.rows[0].v);
}

/** Whether `member` has any membership row in `role` (ADMIN, INHERIT or SET). */
async function holdsMembership(admin: pg.Client, member: string, role: string): Promise<boolean> {
  const r = await admin.query(
    `select 1 from pg_auth_members a
       join pg_roles r on r.oid = a.roleid join pg_roles m on m.oid = a.member
      where r.rolname = $1 and m.rolname = $2`,
    [role, member],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Whether `member` may `SET ROLE role`. From Postgres 16 a role made by a CREATEROLE role has
 * its creator as a member with ADMIN only (no SET): `member` is true there, `set` is what counts.
 */
async function isMember(admin: pg.Client, member: string, role: string): Promise<boolean> {
  const r = await admin.query<{ m: boolean }>(
    `select pg_has_role($1, $2,
              case when current_setting('server_version_num')::int >= 160000
                   then 'set' else 'member' end) as m`,
    [member, role],
  );
  return r.rows[0].m;
}
