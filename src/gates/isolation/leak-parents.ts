import { loadSeedTables, loadSeedTypes, type SeedTable } from '../../replay/seed-catalog.js';
import { quoteIdent } from '../../sql/ident.js';
import { insertRow, type RowContext, type RowInsert } from './leak-rows.js';
import { keepIfOk, type SyntheticTenant } from './leak-tenants.js';

/** A table the tenant column references (`tenant_id REFERENCES tenants (id)`) and its key. */
interface TenantParent {
  table: SeedTable;
  key: string;
  /** The foreign keys (of tenant-scoped tables) that reference it. */
  foreignKeys: string[];
}

/** Tables outside the loaded schemas (a `core.tenants`), loaded with their column types. */
export async function loadTable(ctx: RowContext, oid: number): Promise<SeedTable | undefined> {
  const known = ctx.tables.get(oid);
  if (known) return known;
  const r = await ctx.client.query<{ schema: string }>(
    'select n.nspname as schema from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.oid = $1',
    [oid],
  );
  const schema = r.rows[0]?.schema;
  if (schema === undefined) return undefined;
  const tables = await loadSeedTables(ctx.client, [schema]);
  await loadSeedTypes(
    ctx.client,
    tables.flatMap((t) => t.columns.map((c) => c.typeOid)),
    ctx.types,
  );
  tables.forEach((t) => ctx.tables.set(t.oid, t));
  return ctx.tables.get(oid);
}

async function tenantParents(ctx: RowContext, scoped: SeedTable[]): Promise<TenantParent[]> {
  const inScope = new Set(scoped.map((t) => t.oid));
  const parents = new Map<string, TenantParent>();
  for (const fk of scoped.flatMap((t) => t.foreignKeys)) {
    if (fk.columns.length !== 1 || fk.columns[0] !== ctx.tenantColumn) continue;
    if (inScope.has(fk.parentOid)) continue;
    const id = `${fk.parentOid} ${fk.parentColumns[0]}`;
    const known = parents.get(id);
    if (known) {
      known.foreignKeys.push(fk.name);
      continue;
    }
    const table = await loadTable(ctx, fk.parentOid);
    if (table) parents.set(id, { table, key: fk.parentColumns[0], foreignKeys: [fk.name] });
  }
  return [...parents.values()];
}

async function hasKey(ctx: RowContext, p: TenantParent, value: string): Promise<boolean> {
  const r = await ctx.client.query(
    `select 1 from ${p.table.sql} where ${quoteIdent(p.key)}::text = $1 limit 1`,
    [value],
  );
  return r.rows.length > 0;
}

/** Inserts the tenant's row as the owner; why it could not, else undefined. */
async function insertTenant(
  ctx: RowContext,
  p: TenantParent,
  tenant: SyntheticTenant,
  value: string,
): Promise<string | undefined> {
  return insertKeyedRow(ctx, p.table, new Map([[p.key, value]]), tenant, 2_100_000);
}

/**
 * Inserts a row of `table` with the `preset` column values (as text) as the owner, unless
 * (`keyed`) a row with the first of them exists; why it could not, else undefined.
 */
export async function insertKeyedRow(
  ctx: RowContext,
  table: SeedTable,
  preset: Map<string, string>,
  tenant: SyntheticTenant,
  g: number,
  keyed = true,
): Promise<string | undefined> {
  const [key, value] = [...preset][0];
  if (keyed && (await hasKey(ctx, { table, key, foreignKeys: [] }, value))) return undefined;
  const run = async (row: RowInsert) =>
    (await keepIfOk(ctx.client, () => ctx.client.query(row.sql, row.params))).error;
  return insertRow(ctx, table, tenant, g + tenant.index * 10, run, preset);
}

/**
 * Makes every synthetic tenant a row of the tables the tenant column references, so that the
 * tenant rows of the leak test satisfy those foreign keys. The other columns are filled the way
 * the seeder fills them. Returns why a foreign key still has no parent row, by its name.
 */
export async function insertTenantParents(
  ctx: RowContext,
  scoped: SeedTable[],
  idOf: (tenant: SyntheticTenant) => string,
): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  for (const parent of await tenantParents(ctx, scoped)) {
    for (const tenant of ctx.tenants) {
      const problem = await insertTenant(ctx, parent, tenant, idOf(tenant));
      if (!problem) continue;
      const reason = `the synthetic tenants could not be inserted into ${parent.table.name}, which the tenant column references: ${problem}`;
      parent.foreignKeys.forEach((fk) => problems.set(fk, reason));
      break;
    }
  }
  return problems;
}
