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
): Promise<AppRole> {
  const name = configured ?? DEFAULT_APP_ROLE;
  let flags = await roleFlags(client, name);
  const created = !flags;
  if (created) {
    await client.query(
      `create role ${quoteIdent(name)} nologin nosuperuser nobypassrls noinherit nocreatedb nocreaterole`,
    );
    flags = await roleFlags(client, name);
  }
  const defaultGrants = !(await hasAnyPrivilege(client, name, tenantTables));
  if (defaultGrants) await grantDefaults(client, name, schemas);
  return { name, created, superuser: flags.rolsuper, bypassRls: flags.rolbypassrls, defaultGrants };
}
