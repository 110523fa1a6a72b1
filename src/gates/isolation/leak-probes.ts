import type pg from 'pg';
import type { SeedTable } from '../../replay/seed-catalog.js';
import { quoteIdent } from '../../sql/ident.js';
import { actAsOwner, attempt, type SyntheticTenant } from './leak-tenants.js';
import { buildRow, type RowContext } from './leak-rows.js';

/** What one probe of the live leak test saw. */
export interface ProbeSetup {
  client: pg.Client;
  /** Becomes the tenant (its role and identity) inside the test's transaction. */
  enter(tenant: SyntheticTenant): Promise<void>;
  column: string;
  /** Id (as the setting's text) of a tenant for a relation. */
  idOf(tenant: SyntheticTenant): string;
}

/** A relation the application reads: a tenant-scoped table or a view over such tables. */
export interface ReadTarget {
  sql: string;
  name: string;
  kind: 'table' | 'view' | 'materialized view';
  hasTenantColumn: boolean;
  /** Every relation it reads holds tenant rows (so a tenant owning no rows must see nothing). */
  onlyTenantData: boolean;
  /** The column that holds the tenant's id when it is not the tenant column (`accounts.id`). */
  column?: string;
  /** Only rows of these tenant ids count (a table whose other rows are not the test's). */
  only?: string[];
}

const INSUFFICIENT_PRIVILEGE = '42501';

export interface ReadLeak {
  actingAs: SyntheticTenant;
  /** Rows per owning tenant label (`other tenants` for rows of no synthetic tenant). */
  rows: Map<string, number>;
}

/**
 * Rows of other tenants a relation returns to `tenant`; undefined when it returns none or the
 * role may not read it; the error when the read fails otherwise (a policy calling what does
 * not exist), so that the test is not taken for passed.
 */
export async function readAsTenant(
  p: ProbeSetup,
  target: ReadTarget,
  tenant: SyntheticTenant,
  labels: Map<string, string>,
): Promise<ReadLeak | { error: string } | undefined> {
  const col = quoteIdent(target.column ?? p.column);
  const only = target.only ? ` and t.${col}::text = any($2::text[])` : '';
  const sql = `select t.${col}::text as owner, count(*)::int as n from ${target.sql} t where t.${col}::text is distinct from $1${only} group by 1`;
  const params = target.only ? [p.idOf(tenant), target.only] : [p.idOf(tenant)];
  await p.enter(tenant);
  const r = await attempt(p.client, () =>
    p.client.query<{ owner: string | null; n: number }>(sql, params),
  );
  await actAsOwner(p.client);
  if (r.error && r.error.code !== INSUFFICIENT_PRIVILEGE)
    return { error: `${r.error.message}${r.error.code ? ` (SQLSTATE ${r.error.code})` : ''}` };
  if (!r.value) return undefined;
  const rows = new Map<string, number>();
  // Sorted by owner label, so that messages do not depend on the order of a hash aggregate.
  const sorted = r.value.rows
    .map((row) => ({ label: labels.get(row.owner ?? '') ?? 'other tenants', n: row.n }))
    .sort((x, y) => x.label.localeCompare(y.label));
  for (const row of sorted) rows.set(row.label, (rows.get(row.label) ?? 0) + row.n);
  return rows.size ? { actingAs: tenant, rows } : undefined;
}

const meaningful = (v: unknown): boolean =>
  v !== null &&
  v !== 0 &&
  v !== false &&
  v !== '' &&
  !(typeof v === 'object' && Object.values(v as object).every((x) => !meaningful(x)));

/** Rows a view without the tenant column returns to a tenant that owns no rows at all. */
export async function readAsEmptyTenant(
  p: ProbeSetup,
  target: ReadTarget,
  empty: SyntheticTenant,
): Promise<number> {
  await p.enter(empty);
  const r = await attempt(p.client, () =>
    p.client.query<{ r: Record<string, unknown> }>(
      `select row_to_json(t) as r from ${target.sql} t limit 1000`,
    ),
  );
  await actAsOwner(p.client);
  return (r.value?.rows ?? []).filter((row) => meaningful(row.r)).length;
}

/** Write attempts of tenant `a` on tenant `b`'s rows of one table that Postgres accepted. */
export async function writeAsTenant(
  p: ProbeSetup,
  rows: RowContext,
  table: SeedTable,
  a: SyntheticTenant,
  b: SyntheticTenant,
): Promise<string[]> {
  const col = quoteIdent(p.column);
  const type = table.columns.find((c) => c.name === p.column)!.type;
  const [idA, idB] = [p.idOf(a), p.idOf(b)];
  const accepted: string[] = [];
  const probe = async (what: string, sql: string, params: unknown[], needRows: boolean) => {
    await p.enter(a);
    const r = await attempt(p.client, () => p.client.query(sql, params));
    await actAsOwner(p.client);
    if (r.value && (!needRows || (r.value.rowCount ?? 0) > 0))
      accepted.push(what.replace('{n}', String(r.value.rowCount ?? 0)));
  };
  const row = await buildRow(rows, table, b, 3_000_000 + b.index * 10);
  if (typeof row !== 'string')
    await probe(`insert a row of ${b.label}`, row.sql, row.params, false);
  await probe(
    `update {n} row(s) of ${b.label}`,
    `update ${table.sql} set ${col} = ${col} where ${col}::text = $1`,
    [idB],
    true,
  );
  await probe(
    `move {n} of its own row(s) to ${b.label}`,
    `update ${table.sql} set ${col} = $1::${type} where ${col}::text = $2`,
    [idB, idA],
    true,
  );
  await probe(
    `delete {n} row(s) of ${b.label}`,
    `delete from ${table.sql} where ${col}::text = $1`,
    [idB],
    true,
  );
  return accepted;
}
