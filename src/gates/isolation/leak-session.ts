import type pg from 'pg';
import type { SeedTable } from '../../replay/seed-catalog.js';
import { quoteIdent } from '../../sql/ident.js';
import { baseTypeName, type SyntheticTenant } from './leak-tenants.js';
import { tenantRoleName, type ResolvedContext } from './context.js';
import { tokenClaims } from './claims.js';
import { insertKeyedRow, loadTable } from './leak-parents.js';
import type { RowContext } from './leak-rows.js';
import type { ReadTarget } from './leak-probes.js';

/**
 * How the live leak test becomes a tenant under each kind of tenant context: the role it sets,
 * the identity it gives the session (a setting, a signed-in user's JWT claims, the tenant's own
 * role, the configured SQL), and the users and membership rows a signed-in user needs.
 */
export interface TenantSession {
  context: ResolvedContext;
  /** The roles tenant sessions run as (the `role` kind: one per tenant, the empty one included). */
  roleNames: string[];
  /** Becomes the tenant, inside the test's transaction. */
  enter(client: pg.Client, tenant: SyntheticTenant): Promise<void>;
  /** Who reads, for messages: `role schemagate_app, app.tenant_id set`. */
  reader: string;
  /** Who writes as `tenant`, for messages. */
  writer(tenant: SyntheticTenant): string;
}

export function tenantSession(
  context: ResolvedContext,
  idOf: (t: SyntheticTenant) => string,
  tenants: SyntheticTenant[],
  paths: string[][],
  userOf: (t: SyntheticTenant) => string,
): TenantSession {
  const role = context.role;
  const setRole = (client: pg.Client, name: string) =>
    client.query(`set local role ${quoteIdent(name)}`);
  switch (context.kind) {
    case 'setting':
      return {
        context,
        roleNames: [role],
        reader: `role ${role}, ${context.setting} set`,
        writer: () => `role ${role}`,
        async enter(client, t) {
          await setRole(client, role);
          await client.query('select set_config($1, $2, true)', [context.setting, idOf(t)]);
        },
      };
    case 'sql':
      return {
        context,
        roleNames: [role],
        reader: `role ${role}, after ${context.sql}`,
        writer: () => `role ${role}`,
        async enter(client, t) {
          await setRole(client, role);
          await client.query(context.sql ?? '', [idOf(t)]);
        },
      };
    case 'role': {
      const roleOf = (t: SyntheticTenant) => tenantRoleName(context.pattern, idOf(t));
      return {
        context,
        roleNames: tenants.map(roleOf),
        reader: `its own role, ${context.pattern}`,
        writer: (t) => `role ${roleOf(t)}`,
        enter: (client, t) => setRole(client, roleOf(t)).then(() => undefined),
      };
    }
    case 'jwt': {
      const m = context.membership;
      const who = m
        ? `signed in as a user who is a member of that tenant only (${m.table})`
        : `request.jwt.claims of that tenant`;
      return {
        context,
        roleNames: [role],
        reader: `role ${role}, ${who}`,
        writer: (t) =>
          m
            ? `role ${role}, signed in as a member of ${t.label} only`
            : `role ${role}, claims of ${t.label}`,
        async enter(client, t) {
          await setRole(client, role);
          await signIn(client, context, tokenClaims(userOf(t), role, paths, idOf(t)), userOf(t));
        },
      };
    }
  }
}

/** Sets the claims a PostgREST request sets: the JSON claims and the older per-claim settings. */
export async function signIn(
  client: pg.Client,
  context: ResolvedContext,
  claims: string,
  sub: string | undefined,
): Promise<void> {
  const role = (JSON.parse(claims) as { role: string }).role;
  await client.query(
    `select set_config($1, $2, true), set_config('request.jwt.claim.sub', $3, true),
            set_config('request.jwt.claim.role', $4, true)`,
    [context.setting, claims, sub ?? '', role],
  );
}

const USER_IDS: Record<string, (i: number) => string> = {
  uuid: (i) => `5e5e0000-0000-4000-8000-00000000000${i + 1}`,
  text: (i) => `user-${'abcd'[i]}`,
};

/** The id of a tenant's synthetic user, of the type of `type` (uuid when unknown). */
export function userId(type: string, tenant: SyntheticTenant): string {
  return (USER_IDS[type] ?? USER_IDS.uuid)(tenant.index);
}

/** The membership table and the type of its user column, once loaded. */
export interface Membership {
  table: SeedTable;
  userColumn: string;
  tenantColumn: string;
  userType: string;
}

export async function loadMembership(
  rows: RowContext,
  context: ResolvedContext,
): Promise<Membership | string | undefined> {
  const m = context.membership;
  if (!m) return undefined;
  const r = await rows.client.query<{ oid: number | null }>(
    'select to_regclass($1)::oid::int as oid',
    [m.table],
  );
  const oid = r.rows[0]?.oid;
  const table = oid ? await loadTable(rows, oid) : undefined;
  if (!table) return `the membership table ${m.table} does not exist`;
  const user = table.columns.find((c) => c.name === m.userColumn);
  if (!user) return `the membership table ${m.table} has no column ${m.userColumn}`;
  if (!table.columns.some((c) => c.name === m.tenantColumn))
    return `the membership table ${m.table} has no column ${m.tenantColumn}`;
  return {
    table,
    userColumn: m.userColumn,
    tenantColumn: m.tenantColumn,
    userType: baseTypeName(rows.types, user.typeOid),
  };
}

/**
 * Makes each synthetic tenant's user a row of the table the membership's user column references
 * (`auth.users`), every synthetic tenant a row of the one its tenant column references, and each
 * user a member of its tenant only (the empty tenant's user of none). As the owner. Why it could
 * not, else undefined.
 */
/** The table a membership column references and its key (`auth.users.id`, `accounts.id`). */
async function parentOf(rows: RowContext, m: Membership, column: string) {
  const fk = m.table.foreignKeys.find((f) => f.columns.length === 1 && f.columns[0] === column);
  const table = fk && (await loadTable(rows, fk.parentOid));
  return fk && table ? { table, key: fk.parentColumns[0] } : undefined;
}

/**
 * The membership table and the tenants table it references, read as each tenant: a user sees
 * the memberships and the tenant rows of their own tenant only.
 */
export async function membershipTargets(
  rows: RowContext,
  m: Membership,
  ids: string[],
  scoped: SeedTable[],
): Promise<ReadTarget[]> {
  const owners = await parentOf(rows, m, m.tenantColumn);
  const target = (table: SeedTable, column: string): ReadTarget => ({
    sql: table.sql,
    name: table.name.slice(table.name.indexOf('.') + 1),
    kind: 'table',
    hasTenantColumn: true,
    onlyTenantData: true,
    column,
    only: ids,
  });
  return [
    ...(scoped.includes(m.table) ? [] : [target(m.table, m.tenantColumn)]),
    ...(owners && !scoped.includes(owners.table) ? [target(owners.table, owners.key)] : []),
  ];
}

export async function insertMembers(
  rows: RowContext,
  m: Membership,
  tenants: SyntheticTenant[],
  empty: SyntheticTenant,
  idOf: (t: SyntheticTenant) => string,
): Promise<string | undefined> {
  const users = await parentOf(rows, m, m.userColumn);
  const owners = await parentOf(rows, m, m.tenantColumn);
  for (const t of users ? [...tenants, empty] : []) {
    const preset = new Map([[users!.key, userId(m.userType, t)]]);
    const problem = await insertKeyedRow(rows, users!.table, preset, t, 2_200_000);
    if (problem)
      return `the synthetic users could not be inserted into ${users!.table.name}: ${problem}`;
  }
  for (const t of tenants) {
    const user = userId(m.userType, t);
    if (owners) {
      // A tenant row that names a user (its owner, its creator) names the tenant's own user.
      const byUser = owners.table.foreignKeys
        .filter((f) => f.columns.length === 1 && f.parentOid === users?.table.oid)
        .map((f): [string, string] => [f.columns[0], user]);
      const preset = new Map([[owners.key, idOf(t)], ...byUser]);
      const problem = await insertKeyedRow(rows, owners.table, preset, t, 2_300_000);
      if (problem)
        return `the synthetic tenants could not be inserted into ${owners.table.name}: ${problem}`;
    }
    const preset = new Map([
      [m.userColumn, user],
      [m.tenantColumn, idOf(t)],
    ]);
    const problem = await insertKeyedRow(rows, m.table, preset, t, 2_400_000, false);
    if (problem)
      return `the synthetic memberships could not be inserted into ${m.table.name}: ${problem}`;
  }
  return undefined;
}

/** Users of the claims design carry an id of their own (a uuid), whatever the tenant's type. */
export function claimUserOf(m: Membership | undefined) {
  return (t: SyntheticTenant) => userId(m?.userType ?? 'uuid', t);
}
