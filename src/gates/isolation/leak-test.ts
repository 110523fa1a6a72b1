import type pg from 'pg';
import type { Finding } from '../../core/model.js';
import { appRoleSql, type Keyed } from './static-input.js';
import type { Logger } from '../../core/logger.js';
import { loadSeedTables, loadSeedTypes, type SeedTable } from '../../replay/seed-catalog.js';
import { seedingOrder } from '../../replay/seed.js';
import type { StatementLocator, Where } from './locate.js';
import { insertTenantParents } from './leak-parents.js';
import { prepareAppRole, type AdmittedRole, type AppRole } from './leak-role.js';
import { insertRow, type RowContext } from './leak-rows.js';
import {
  actAs,
  actAsOwner,
  baseTypeName,
  emptyTenant,
  keepIfOk,
  syntheticTenants,
  tenantId,
  type SyntheticTenant,
} from './leak-tenants.js';
import { readTargets } from './leak-targets.js';
import {
  readAsEmptyTenant,
  readAsTenant,
  writeAsTenant,
  type ProbeSetup,
  type ReadLeak,
  type ReadTarget,
} from './leak-probes.js';
import { ISOLATION, finding } from '../../rules/index.js';
import { quoteIdentIfNeeded as sqlName } from '../../sql/ident.js';

export interface LeakTestInput {
  /** Connected to the database holding the PR's schema; the test runs in one rolled-back transaction. */
  client: pg.Client;
  schemas: string[];
  tenantColumn: string;
  tenantSetting: string;
  /** Bare names of the tenant-scoped tables. */
  tenantTables: string[];
  appRole?: string;
  /** The application role as admitAppRole left it (undefined for a superuser's session). */
  admitted?: AdmittedRole;
  tenantCount: number;
  locator: StatementLocator;
  /** Where a table's leak comes from, by bare table name, when a statement of the PR causes it. */
  causes?: Map<string, Where>;
  logger: Logger;
  /** Called with the role once it is ready (tests check its attributes). */
  onRole?: (role: AppRole) => Promise<void>;
}

interface State {
  input: LeakTestInput;
  probe: ProbeSetup;
  rows: RowContext;
  scoped: SeedTable[];
  tenants: SyntheticTenant[];
  findings: Keyed[];
  /** Why a foreign key on the tenant column has no parent row for the synthetic tenants. */
  parentProblems: Map<string, string>;
}

/**
 * The live leak test of the shared topology: as a plain application role, each synthetic tenant
 * writes rows into every tenant-scoped table, then reads every such table and every view over
 * them, and tries to write into another tenant. Whatever crosses a tenant boundary is a finding.
 * Everything happens in one transaction that is rolled back, role included.
 */
export async function runLeakTest(input: LeakTestInput): Promise<Keyed[]> {
  const { client } = input;
  await client.query('begin');
  try {
    return await leakTest(input);
  } finally {
    await client.query('rollback');
  }
}

async function leakTest(input: LeakTestInput): Promise<Keyed[]> {
  const { client } = input;
  const all = await loadSeedTables(client, input.schemas);
  const scoped = all.filter(
    (t) =>
      input.tenantTables.includes(t.name.slice(t.name.indexOf('.') + 1)) &&
      t.columns.some((c) => c.name === input.tenantColumn),
  );
  if (!scoped.length) return [];
  const role = await prepareAppRole(
    client,
    input.appRole,
    scoped.map((t) => t.sql),
    input.schemas,
    input.admitted,
  );
  await input.onRole?.(role);
  if (role.superuser || role.bypassRls)
    return [
      { key: `${ISOLATION.appRoleBypassesRls.id} ${role.name}`, finding: roleFinding(role, input) },
    ];
  const types = await loadSeedTypes(
    client,
    all.flatMap((t) => t.columns.map((c) => c.typeOid)),
  );
  const tenantCol = scoped[0].columns.find((c) => c.name === input.tenantColumn)!;
  const idType = baseTypeName(types, tenantCol.typeOid);
  if (tenantId(idType, { label: '', index: 0 }) === undefined)
    return [
      keyedIncomplete(
        input,
        scoped[0],
        `the tenant column's type ${tenantCol.type} has no synthetic ids (uuid, integer and text types do)`,
      ),
    ];
  const tenants = syntheticTenants(input.tenantCount);
  const s: State = {
    input,
    scoped,
    tenants,
    findings: [],
    parentProblems: new Map(),
    probe: {
      client,
      role: role.name,
      setting: input.tenantSetting,
      column: input.tenantColumn,
      idOf: (t) => tenantId(idType, t)!,
    },
    rows: {
      client,
      types,
      tables: new Map(all.map((t) => [t.oid, t])),
      tenantColumn: input.tenantColumn,
      tenants,
      scoped: new Set(scoped.map((t) => t.oid)),
    },
  };
  s.parentProblems = await insertTenantParents(s.rows, scoped, s.probe.idOf);
  const filled = await insertTenantRows(s, all);
  await readChecks(s, await readTargets(client, input.schemas, input.tenantColumn, scoped));
  for (const t of scoped.filter((x) => filled.has(x.oid))) await writeCheck(s, t);
  return s.findings;
}

function roleFinding(role: AppRole, input: LeakTestInput): Finding {
  const what = role.superuser ? 'is a superuser' : 'has BYPASSRLS';
  return finding(ISOLATION.appRoleBypassesRls, {
    ...(input.locator.fallback() ?? {}),
    message: `the application role ${role.name} ${what}: row-level security does not apply to it, so every tenant's rows are visible through it`,
    help: `ALTER ROLE ${sqlName(role.name)} NOSUPERUSER NOBYPASSRLS; and connect the application as a role that owns no tenant table.`,
  });
}

function keyedIncomplete(input: LeakTestInput, table: SeedTable, reason: string): Keyed {
  const name = table.name.slice(table.name.indexOf('.') + 1);
  return {
    key: `${ISOLATION.leakTestIncomplete.id} ${name}`,
    finding: incomplete(input, name, reason),
  };
}

function incomplete(input: LeakTestInput, name: string, reason: string): Finding {
  return finding(ISOLATION.leakTestIncomplete, {
    ...(input.locator.find({ kind: 'table', name, actions: ['create'] }) ?? {}),
    message: `the live leak test could not write rows into ${name}: ${reason}; only the static rules cover it`,
    help: "Make sure a row can be inserted with the tenant column and the application role's privileges.",
  });
}

/** Rows for each tenant (as the tenant; as the owner when the tenant may not), parents first. */
async function insertTenantRows(s: State, all: SeedTable[]): Promise<Set<number>> {
  const filled = new Set<number>();
  const { client } = s.input;
  for (const step of seedingOrder(all)) {
    const table = step.table;
    if (!s.scoped.includes(table)) continue;
    let reason = '';
    for (const tenant of s.tenants) {
      const run = async (asTenant: boolean) => {
        const problem = await insertRow(
          s.rows,
          table,
          tenant,
          2_000_000 + tenant.index * 10,
          async (row) => {
            if (asTenant) await actAs(client, s.probe.role, s.probe.setting, s.probe.idOf(tenant));
            const r = await keepIfOk(client, () => client.query(row.sql, row.params));
            await actAsOwner(client);
            return r.error;
          },
        );
        return problem;
      };
      const problem = (await run(true)) && (await run(false));
      if (problem) reason = problem;
      else filled.add(table.oid);
    }
    const parentProblem = table.foreignKeys
      .map((fk) => s.parentProblems.get(fk.name))
      .find((p) => p !== undefined);
    if (!filled.has(table.oid))
      s.findings.push(keyedIncomplete(s.input, table, parentProblem ?? reason));
    else if (reason)
      s.input.logger.debug(`leak test: some tenants have no row in ${table.name}: ${reason}`);
  }
  return filled;
}

function describeLeaks(leaks: ReadLeak[]): string {
  return leaks
    .map(
      (l) =>
        `as ${l.actingAs.label}: ${[...l.rows].map(([owner, n]) => `${n} row(s) of ${owner}`).join(', ')}`,
    )
    .join('; ');
}

async function readChecks(s: State, targets: ReadTarget[]): Promise<void> {
  const labels = new Map(s.tenants.map((t) => [s.probe.idOf(t), t.label]));
  const empty = emptyTenant(s.tenants.length);
  for (const target of targets) {
    let message: string | undefined;
    if (target.hasTenantColumn) {
      const leaks: ReadLeak[] = [];
      for (const t of s.tenants) {
        const leak = await readAsTenant(s.probe, target, t, labels);
        if (leak) leaks.push(leak);
      }
      if (leaks.length)
        message = `acting as a tenant (role ${s.probe.role}, ${s.probe.setting} set), ${target.kind} ${target.name} returns other tenants' rows: ${describeLeaks(leaks)}`;
    } else if (target.onlyTenantData) {
      const n = await readAsEmptyTenant(s.probe, target, empty);
      if (n)
        message = `acting as ${empty.label}, which owns no rows (role ${s.probe.role}), ${target.kind} ${target.name} returns ${n} row(s) of tenants ${s.tenants.map((t) => t.label).join(', ')}`;
    }
    if (message)
      s.findings.push({
        key: `${ISOLATION.readLeak.id} ${target.name}`,
        finding: readFinding(s, target, message),
      });
  }
}

function readFinding(s: State, target: ReadTarget, message: string): Finding {
  const name = sqlName(target.name);
  const help =
    target.kind === 'materialized view'
      ? `A materialized view has no row-level security: replace it with a view WITH (security_invoker = true) over the same query, or with a table that has the tenant column and row-level security; until then do not grant it to the application role: REVOKE SELECT ON ${name} FROM ${appRoleSql(s.input.appRole)};`
      : target.kind === 'view'
        ? `ALTER VIEW ${name} SET (security_invoker = true); and make sure the tables it reads have tenant policies.`
        : `Write the policy on the tenant column: CREATE POLICY ${sqlName(`${target.name}_tenant_isolation`)} ON ${name} USING (${tenantCheck(s, target.name)}) WITH CHECK (${tenantCheck(s, target.name)}); ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`;
  const at =
    (target.kind === 'table' ? s.input.causes?.get(target.name) : undefined) ??
    s.input.locator.find({
      kind: target.kind === 'table' ? 'table' : 'view',
      name: target.name,
      actions: ['create'],
    });
  return finding(ISOLATION.readLeak, { ...(at ?? {}), message, help });
}

/** `tenant_id = current_setting('app.tenant_id')::uuid` with the type of the table's column. */
function tenantCheck(s: State, table?: string): string {
  const scoped =
    s.scoped.find((t) => t.name.slice(t.name.indexOf('.') + 1) === table) ?? s.scoped[0];
  const type = scoped.columns.find((c) => c.name === s.probe.column)?.type ?? 'text';
  return `${sqlName(s.probe.column)} = current_setting('${s.probe.setting}')::${type}`;
}

async function writeCheck(s: State, table: SeedTable): Promise<void> {
  const [a, ...others] = s.tenants;
  const accepted: string[] = [];
  for (const b of others) accepted.push(...(await writeAsTenant(s.probe, s.rows, table, a, b)));
  if (!accepted.length) return;
  const name = table.name.slice(table.name.indexOf('.') + 1);
  const at =
    s.input.causes?.get(name) ?? s.input.locator.find({ kind: 'table', name, actions: ['create'] });
  s.findings.push({
    key: `${ISOLATION.writeLeak.id} ${name}`,
    finding: finding(ISOLATION.writeLeak, {
      ...(at ?? {}),
      message: `acting as ${a.label} (role ${s.probe.role}), Postgres let it ${accepted.join(', ')} in ${name}`,
      help: `Give every policy on ${sqlName(name)} a WITH CHECK on the tenant column and a USING that only matches the current tenant: USING (${tenantCheck(s, name)}) WITH CHECK (${tenantCheck(s, name)}).`,
    }),
  });
}
