import type pg from 'pg';
import type { SeedType } from '../../replay/seed-catalog.js';
import { quoteIdent } from '../../sql/ident.js';

/**
 * Synthetic tenants of the live leak test and the ids they carry, generated per type of the
 * tenant column (uuid, integers, text).
 */
export interface SyntheticTenant {
  label: string;
  index: number;
}

const LETTERS = 'abcd';

export function syntheticTenants(count: number): SyntheticTenant[] {
  return Array.from({ length: count }, (_, index) => ({
    label: `tenant-${LETTERS[index]}`,
    index,
  }));
}

/** A tenant that owns no rows: whatever it reads of tenant data leaked. */
export function emptyTenant(count: number): SyntheticTenant {
  return { label: `tenant-${LETTERS[count]}`, index: count };
}

const INTEGERS = new Set(['smallint', 'integer', 'bigint', 'numeric']);
const TEXTS = new Set(['text', 'character varying', 'character', 'citext', 'name']);

/** The base type's name (domains resolved), without length or precision modifiers. */
export function baseTypeName(types: Map<number, SeedType>, typeOid: number): string {
  const type = types.get(typeOid);
  if (!type) return '';
  if (type.typtype === 'd') return baseTypeName(types, type.baseType);
  return type.name.replace(/\(.*\)$/, '');
}

/** The tenant's id as text (what current_setting returns), or undefined for unsupported types. */
export function tenantId(baseType: string, tenant: SyntheticTenant): string | undefined {
  if (baseType === 'uuid') return `7e4a0000-0000-4000-8000-00000000000${tenant.index + 1}`;
  if (INTEGERS.has(baseType)) return String(9001 + tenant.index);
  if (TEXTS.has(baseType)) return tenant.label;
  return undefined;
}

/** Acts as the application role for one tenant (inside the test's transaction). */
export async function actAs(
  client: pg.Client,
  role: string,
  setting: string,
  id: string,
): Promise<void> {
  await client.query(`set local role ${quoteIdent(role)}`);
  await client.query('select set_config($1, $2, true)', [setting, id]);
}

export async function actAsOwner(client: pg.Client): Promise<void> {
  await client.query('reset role');
}

/** Runs `fn` in a savepoint that is always rolled back; returns its result or the error. */
export async function attempt<T>(
  client: pg.Client,
  fn: () => Promise<T>,
): Promise<{ value?: T; error?: pg.DatabaseError }> {
  await client.query('savepoint sg_leak');
  try {
    return { value: await fn() };
  } catch (error) {
    return { error: error as pg.DatabaseError };
  } finally {
    await client.query('rollback to savepoint sg_leak');
    await client.query('release savepoint sg_leak');
  }
}

/** Like attempt, but keeps what `fn` did when it succeeds. */
export async function keepIfOk<T>(
  client: pg.Client,
  fn: () => Promise<T>,
): Promise<{ value?: T; error?: pg.DatabaseError }> {
  await client.query('savepoint sg_keep');
  try {
    const value = await fn();
    await client.query('release savepoint sg_keep');
    return { value };
  } catch (error) {
    await client.query('rollback to savepoint sg_keep');
    await client.query('release savepoint sg_keep');
    return { error: error as pg.DatabaseError };
  }
}
