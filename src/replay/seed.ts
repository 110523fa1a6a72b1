import type pg from 'pg';
import type { Logger } from '../core/logger.js';
import {
  loadSeedTables,
  loadSeedTypes,
  type SeedColumn,
  type SeedForeignKey,
  type SeedTable,
  type SeedType,
} from './seed-catalog.js';
import { columnCandidates, domainChecksOf } from './seed-values.js';
import { quoteIdent } from '../sql/ident.js';

/**
 * Seeds representative rows into every table of the given schemas so that the PR's migrations
 * meet tables that hold data (rewrites take time, validations scan, SET NOT NULL checks rows).
 *
 * Tables are filled in foreign-key order with one `insert ... select ... from generate_series`
 * each; child rows point at existing parent rows; nullable foreign keys inside a cycle stay
 * NULL. Values come from the column types; a CHECK that refuses them makes the seeder retry the
 * columns concerned with other candidates, and a table that cannot be filled is skipped with a
 * reason instead of failing the run. The client must not be inside a transaction block.
 */
export interface SeedResult {
  seeded: Array<{ table: string; rows: number }>;
  skipped: Array<{ table: string; reason: string }>;
}

export interface SeedStep {
  table: SeedTable;
  /** Foreign keys left NULL because they close a cycle. */
  nullForeignKeys: Set<string>;
}

const MAX_ATTEMPTS = 12;
const UNIQUE_SHIFT = 1_000_000;

export async function seedTables(
  client: pg.Client,
  schemas: string[],
  rowsPerTable: number,
  logger: Logger,
  /** Tables (oids) left as they are: the migration tool's version table holds real versions. */
  exclude: Set<number> = new Set(),
): Promise<SeedResult> {
  const result: SeedResult = { seeded: [], skipped: [] };
  if (rowsPerTable <= 0 || schemas.length === 0) return result;
  const tables = (await loadSeedTables(client, schemas)).filter((t) => !exclude.has(t.oid));
  const types = await loadSeedTypes(
    client,
    tables.flatMap((t) => t.columns.map((c) => c.typeOid)),
  );
  const rowCounts = new Map<number, number>();
  const atStart = new Map<number, number>();
  for (const t of tables) atStart.set(t.oid, await countRows(client, t.oid));
  for (const step of seedingOrder(tables)) {
    // Filled while the tables before it were seeded, by their triggers (a profile row made for
    // each new auth.users row): it holds rows as production's does.
    const now = await countRows(client, step.table.oid);
    if (now > atStart.get(step.table.oid)!) {
      rowCounts.set(step.table.oid, now);
      logger.debug(`not seeded: ${step.table.name}: ${now} rows came with the tables before it`);
      continue;
    }
    const outcome = await seedTable(client, step, types, rowCounts, rowsPerTable);
    if (typeof outcome === 'number') {
      // Counted, not added up: migrations may have inserted rows before the seed.
      rowCounts.set(step.table.oid, await countRows(client, step.table.oid));
      result.seeded.push({ table: step.table.name, rows: outcome });
      logger.debug(`seeded ${outcome} rows into ${step.table.name}`);
    } else {
      result.skipped.push({ table: step.table.name, reason: outcome.reason });
      logger.debug(`not seeded: ${step.table.name}: ${outcome.reason}`);
    }
  }
  return result;
}

const nullable = (table: SeedTable, fk: SeedForeignKey) =>
  fk.columns.every((name) => !table.columns.find((c) => c.name === name)?.notNull);

/**
 * Parents before children. When only cycles remain, the table whose unresolved foreign keys are
 * all nullable goes first with those keys left NULL; a cycle of NOT NULL keys is placed anyway
 * and its table is skipped later unless the parent already holds rows.
 */
export function seedingOrder(tables: SeedTable[]): SeedStep[] {
  const present = new Set(tables.map((t) => t.oid));
  const done = new Set<number>();
  const steps: SeedStep[] = [];
  const pending = (t: SeedTable) =>
    t.foreignKeys.filter(
      (fk) => present.has(fk.parentOid) && !done.has(fk.parentOid) && fk.parentOid !== t.oid,
    );
  const place = (t: SeedTable, nullFks: SeedForeignKey[]) => {
    const selfRefs = t.foreignKeys.filter((fk) => fk.parentOid === t.oid && nullable(t, fk));
    steps.push({
      table: t,
      nullForeignKeys: new Set([...nullFks, ...selfRefs].map((f) => f.name)),
    });
    done.add(t.oid);
  };
  let remaining = [...tables];
  while (remaining.length > 0) {
    const ready = remaining.filter((t) => pending(t).length === 0);
    if (ready.length > 0) {
      ready.forEach((t) => place(t, []));
    } else {
      const breaker =
        remaining.find((t) => pending(t).every((fk) => nullable(t, fk))) ?? remaining[0];
      place(
        breaker,
        pending(breaker).filter((fk) => nullable(breaker, fk)),
      );
    }
    remaining = remaining.filter((t) => !done.has(t.oid));
  }
  return steps;
}

/** Columns the seeder writes; the rest take their default (identity, generated, defaults). */
function writableColumns(table: SeedTable): SeedColumn[] {
  return table.columns.filter((c) => {
    if (c.identity || c.generated) return false;
    if (c.default === undefined) return true;
    // A default read from a session setting (a tenant column's current_setting('app.tenant_id'))
    // has no value in the seeding session: such columns get values like any other.
    if (/\bcurrent_setting\s*\(/i.test(c.default)) return true;
    // A constant default ('free', 0, false) would give every row one value: rows then cannot
    // tell a column a down re-creates with that default from the one the up dropped, and a
    // unique or FK column could not be filled. Expressions (now(), nextval) stay defaults.
    return !c.default.includes('(');
  });
}

async function countRows(client: pg.Client, oid: number): Promise<number> {
  const name = (await client.query('select $1::regclass::text as n', [oid])).rows[0].n;
  return Number((await client.query(`select count(*)::int as n from ${name}`)).rows[0].n);
}

interface InsertPlan {
  columns: SeedColumn[];
  candidates: string[][];
  choice: number[];
  /** `p<i>` CTEs that number the parent rows of each foreign key with rows to point at. */
  parents: Array<{ fk: SeedForeignKey; parentSql: string; rows: number }>;
}

async function planInsert(
  client: pg.Client,
  step: SeedStep,
  types: Map<number, SeedType>,
  rowCounts: Map<number, number>,
): Promise<InsertPlan | { reason: string }> {
  const { table } = step;
  const columns = writableColumns(table);
  const parents: InsertPlan['parents'] = [];
  const nullColumns = new Set<string>();
  for (const fk of table.foreignKeys) {
    if (!fk.columns.some((c) => columns.find((w) => w.name === c))) continue;
    if (step.nullForeignKeys.has(fk.name)) {
      fk.columns.forEach((c) => nullColumns.add(c));
      continue;
    }
    const rows = rowCounts.get(fk.parentOid) ?? (await countRows(client, fk.parentOid));
    rowCounts.set(fk.parentOid, rows);
    const parentSql = (await client.query('select $1::regclass::text as n', [fk.parentOid])).rows[0]
      .n;
    if (rows > 0) parents.push({ fk, parentSql, rows });
    else if (nullable(table, fk)) fk.columns.forEach((c) => nullColumns.add(c));
    else return { reason: `foreign key ${fk.name} references ${parentSql}, which has no rows` };
  }
  const candidates = columns.map((c) => {
    if (nullColumns.has(c.name)) return ['NULL'];
    const checks = [
      ...table.checks.filter((k) => k.columns.includes(c.name)),
      ...domainChecksOf(types, c.typeOid),
    ];
    return columnCandidates(types, c, checks);
  });
  const unknown = columns.findIndex(
    (c, i) => candidates[i].length === 0 && !isFkColumn(c, parents),
  );
  if (unknown >= 0)
    return {
      reason: `no value generator for column ${columns[unknown].name} (${columns[unknown].type})`,
    };
  return { columns, candidates, choice: columns.map(() => 0), parents };
}

function isFkColumn(column: SeedColumn, parents: InsertPlan['parents']): boolean {
  return parents.some((p) => p.fk.columns.includes(column.name));
}

function insertSql(table: SeedTable, plan: InsertPlan): string {
  const q = quoteIdent;
  const values = plan.columns.map((c, i) => {
    const parentIndex = plan.parents.findIndex((p) => p.fk.columns.includes(c.name));
    if (parentIndex >= 0) {
      const k = plan.parents[parentIndex].fk.columns.indexOf(c.name);
      return `p${parentIndex}.c${k}`;
    }
    return `(${plan.candidates[i][plan.choice[i]]})::${c.type}`;
  });
  const ctes = plan.parents.map(
    ({ fk, parentSql }, i) =>
      `p${i} as (select ${fk.parentColumns.map((c, k) => `${q(c)} as c${k}`).join(', ')}, ` +
      `(row_number() over ())::int - 1 as rn from ${parentSql})`,
  );
  const joins = plan.parents.map((p, i) => ` join p${i} on p${i}.rn = (g - $1) % ${p.rows}`);
  const names = plan.columns.map((c) => q(c.name));
  let rows =
    `select ${values.map((v, i) => `${v} as ${names[i]}`).join(', ')} ` +
    `from generate_series($1::int, $2::int) as g${joins.join('')}`;
  // Rows no partition accepts are left out rather than failing the whole insert.
  if (table.partitionFilter) rows = `select * from (${rows}) as r where ${table.partitionFilter}`;
  return (
    `insert into ${table.sql}${names.length ? ` (${names.join(', ')})` : ''} ` +
    (ctes.length ? `with ${ctes.join(', ')} ` : '') +
    rows
  );
}

/** Columns a violated constraint is about, so that only those move to their next candidate. */
function columnsOfConstraint(
  table: SeedTable,
  types: Map<number, SeedType>,
  plan: InsertPlan,
  constraint: string | undefined,
): number[] {
  const check = table.checks.find((c) => c.name === constraint);
  const all = plan.columns.map((_, i) => i);
  if (check) return all.filter((i) => check.columns.includes(plan.columns[i].name));
  const domain = all.filter((i) =>
    domainChecksOf(types, plan.columns[i].typeOid).some((c) => c.name === constraint),
  );
  return domain.length ? domain : all;
}

/** Moves the given columns to their next candidate; false when none has one left. */
function advance(plan: InsertPlan, columns: number[]): boolean {
  let moved = false;
  for (const i of columns) {
    if (plan.choice[i] + 1 < plan.candidates[i].length) {
      plan.choice[i]++;
      moved = true;
    }
  }
  return moved;
}

/** A unique foreign key (one-to-one) allows at most one child row per parent row. */
function oneToOneLimit(table: SeedTable, plan: InsertPlan): number {
  const unique = (name: string) => table.columns.find((c) => c.name === name)?.unique;
  const limits = plan.parents
    .filter((p) => p.fk.columns.length === 1 && unique(p.fk.columns[0]))
    .map((p) => p.rows);
  return Math.min(Infinity, ...limits);
}

async function seedTable(
  client: pg.Client,
  step: SeedStep,
  types: Map<number, SeedType>,
  rowCounts: Map<number, number>,
  rows: number,
): Promise<number | { reason: string }> {
  const plan = await planInsert(client, step, types, rowCounts);
  if ('reason' in plan) return plan;
  rows = Math.min(rows, oneToOneLimit(step.table, plan));
  let offset = 0;
  let lastError = '';
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      const r = await client.query(insertSql(step.table, plan), [offset + 1, offset + rows]);
      await client.query(`analyze ${step.table.sql}`);
      return r.rowCount ?? 0;
    } catch (error) {
      const e = error as pg.DatabaseError;
      lastError = `${e.message}${e.code ? ` (SQLSTATE ${e.code})` : ''}`;
      if (e.code === '23505' && offset < 3 * UNIQUE_SHIFT) offset += UNIQUE_SHIFT;
      else if (e.code === '23514' || e.code === '23P01' || e.code?.startsWith('22')) {
        const concerned = columnsOfConstraint(step.table, types, plan, e.constraint);
        if (!advance(plan, concerned)) break;
      } else break;
    }
  }
  return { reason: lastError };
}
