import type pg from 'pg';
import type { SeedColumn, SeedForeignKey, SeedTable, SeedType } from '../../replay/seed-catalog.js';
import { columnCandidates, domainChecksOf } from '../../replay/seed-values.js';
import { quoteIdent } from '../../sql/ident.js';
import { baseTypeName, keepIfOk, tenantId, type SyntheticTenant } from './leak-tenants.js';

/**
 * Builds one synthetic row of a table for a tenant: the tenant column carries the tenant's id,
 * foreign keys point at a parent row of the same tenant (or any row of a global parent), and
 * other (non-unique) columns of the tenant id's type carry the *next* tenant's id, so that a
 * policy written on the wrong column lets that tenant see the row.
 */
export interface RowContext {
  client: pg.Client;
  types: Map<number, SeedType>;
  tables: Map<number, SeedTable>;
  tenantColumn: string;
  /** All synthetic tenants (to pick the next one). */
  tenants: SyntheticTenant[];
  /** Oids of the tenant-scoped tables (else: tables with the tenant column). */
  scoped?: Set<number>;
}

export interface RowInsert {
  sql: string;
  params: unknown[];
}

type Value = { param: unknown; type: string } | { expr: string };

function writable(table: SeedTable, tenantColumn: string): SeedColumn[] {
  const fkColumns = new Set(table.foreignKeys.flatMap((fk) => fk.columns));
  return table.columns.filter((c) => {
    if (c.identity || c.generated) return false;
    return c.default === undefined || c.name === tenantColumn || fkColumns.has(c.name);
  });
}

const keyQuery = (fk: SeedForeignKey) =>
  fk.parentColumns.map((c, i) => `${quoteIdent(c)}::text as c${i}`).join(', ');

/** The parent row's key values for a foreign key, as text; undefined when there is none. */
async function parentKey(
  ctx: RowContext,
  fk: SeedForeignKey,
  id: string | undefined,
  depth: number,
): Promise<string[] | undefined> {
  const parent = ctx.tables.get(fk.parentOid);
  const name = (await ctx.client.query('select $1::regclass::text as n', [fk.parentOid])).rows[0].n;
  const scoped =
    id !== undefined &&
    (ctx.scoped
      ? ctx.scoped.has(fk.parentOid)
      : !!parent?.columns.some((c) => c.name === ctx.tenantColumn));
  const where = scoped ? ` where ${quoteIdent(ctx.tenantColumn)}::text = $1` : '';
  const select = `select ${keyQuery(fk)} from ${name}${where} limit 1`;
  let r = await ctx.client.query(select, scoped ? [id] : []);
  if (!r.rows[0] && parent && !scoped && depth < 3) {
    // A global parent the PR created holds no rows yet: give it one, as the owner.
    await insertGlobalRow(ctx, parent, depth + 1);
    r = await ctx.client.query(select);
  }
  return r.rows[0] ? fk.parentColumns.map((_, i) => r.rows[0][`c${i}`]) : undefined;
}

async function insertGlobalRow(ctx: RowContext, table: SeedTable, depth: number): Promise<void> {
  for (let choice = 0; choice < 3; choice++) {
    const row = await buildRow(
      ctx,
      table,
      ctx.tenants[0],
      2_500_000 + choice,
      choice,
      new Map(),
      depth,
    );
    if (typeof row === 'string') return;
    const r = await keepIfOk(ctx.client, () => ctx.client.query(row.sql, row.params));
    if (!r.error) return;
  }
}

async function foreignKeyValues(
  ctx: RowContext,
  table: SeedTable,
  id: string | undefined,
  values: Map<string, Value>,
  depth: number,
): Promise<string | undefined> {
  for (const fk of table.foreignKeys) {
    if (fk.columns.every((c) => values.has(c))) continue;
    const key = fk.parentOid === table.oid ? undefined : await parentKey(ctx, fk, id, depth);
    const columns = fk.columns.map((c) => table.columns.find((x) => x.name === c)!);
    if (!key && columns.some((c) => c.notNull))
      return `foreign key ${fk.name} has no parent row to point at`;
    columns.forEach((c, i) => {
      if (!values.has(c.name))
        values.set(c.name, key ? { param: key[i], type: c.type } : { expr: 'NULL' });
    });
  }
  return undefined;
}

/**
 * The insert of one row of `table` for `tenant`; a reason string when no row can be built.
 * `preset` gives columns fixed values (as text), e.g. a tenants table's key.
 */
export async function buildRow(
  ctx: RowContext,
  table: SeedTable,
  tenant: SyntheticTenant,
  g: number,
  choice = 0,
  preset: Map<string, string> = new Map(),
  depth = 0,
): Promise<RowInsert | string> {
  const tenantCol = table.columns.find((c) => c.name === ctx.tenantColumn);
  const tenantType = tenantCol ? baseTypeName(ctx.types, tenantCol.typeOid) : '';
  const id = tenantCol ? tenantId(tenantType, tenant) : undefined;
  if (tenantCol && id === undefined)
    return `the tenant column's type ${tenantCol.type} has no synthetic ids`;
  const next = ctx.tenants[(tenant.index + 1) % ctx.tenants.length];
  const values = new Map<string, Value>();
  if (tenantCol) values.set(tenantCol.name, { param: id, type: tenantCol.type });
  for (const [name, value] of preset)
    values.set(name, { param: value, type: table.columns.find((c) => c.name === name)!.type });
  const fkProblem = await foreignKeyValues(ctx, table, id, values, depth);
  if (fkProblem) return fkProblem;
  for (const c of writable(table, ctx.tenantColumn).filter((x) => !values.has(x.name))) {
    // Unique columns keep generated values: the next tenant's id would repeat in them.
    if (tenantCol && !c.unique && baseTypeName(ctx.types, c.typeOid) === tenantType) {
      values.set(c.name, { param: tenantId(tenantType, next), type: c.type });
      continue;
    }
    const checks = [
      ...table.checks.filter((k) => k.columns.includes(c.name)),
      ...domainChecksOf(ctx.types, c.typeOid),
    ];
    const candidates = columnCandidates(ctx.types, c, checks);
    if (!candidates.length) return `no value generator for column ${c.name} (${c.type})`;
    values.set(c.name, {
      expr: `(${candidates[Math.min(choice, candidates.length - 1)]})::${c.type}`,
    });
  }
  const overriding = table.columns.some((c) => c.identity && preset.has(c.name));
  return insertOf(table, values, g, overriding);
}

function insertOf(
  table: SeedTable,
  values: Map<string, Value>,
  g: number,
  overriding: boolean,
): RowInsert {
  const params: unknown[] = [g];
  const exprs = [...values.values()].map((v) => {
    if ('expr' in v) return v.expr;
    params.push(v.param);
    return `$${params.length}::${v.type}`;
  });
  const columns = [...values.keys()].map(quoteIdent).join(', ');
  const override = overriding ? ' overriding system value' : '';
  const sql = `insert into ${table.sql} (${columns})${override} select ${exprs.join(', ')} from (select $1::int as g) s`;
  return { sql, params };
}

/**
 * Inserts one row, retrying with other candidate values when a CHECK refuses the first; why it
 * could not, else undefined. `preset` is passed on to buildRow.
 */
export async function insertRow(
  ctx: RowContext,
  table: SeedTable,
  tenant: SyntheticTenant,
  g: number,
  run: (row: RowInsert) => Promise<pg.DatabaseError | undefined>,
  preset: Map<string, string> = new Map(),
): Promise<string | undefined> {
  let last = '';
  for (let choice = 0; choice < 3; choice++) {
    const row = await buildRow(ctx, table, tenant, g + choice, choice, preset);
    if (typeof row === 'string') return row;
    const error = await run(row);
    if (!error) return undefined;
    last = `${error.message}${error.code ? ` (SQLSTATE ${error.code})` : ''}`;
    if (!(error.code === '23514' || error.code === '23505' || error.code?.startsWith('22'))) break;
  }
  return last;
}
