import type pg from 'pg';
import type { Finding } from '../../core/model.js';
import { appRoleSql, type Keyed } from './static-input.js';
import type { Logger } from '../../core/logger.js';
import { loadSeedTables, loadSeedTypes, type SeedTable } from '../../replay/seed-catalog.js';
import { seedingOrder } from '../../replay/seed.js';
import type { StatementLocator, Where } from './locate.js';
import { insertTenantParents } from './leak-parents.js';
import { DEFAULT_APP_ROLE, prepareAppRole, type AdmittedRole, type AppRole } from './leak-role.js';
import { isSettingContext, tenantRoleName, type ResolvedContext } from './context.js';
import {
  claimUserOf,
  insertMembers,
  loadMembership,
  membershipTargets,
  tenantSession,
  type TenantSession,
} from './leak-session.js';
import { anonChecks } from './leak-anon.js';
import { tenantCheckSql } from './tenant-scope.js';
import { insertRow, type RowContext } from './leak-rows.js';
import {
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
  /** How a session becomes a tenant; absent: `tenantSetting` as the application role. */
  context?: ResolvedContext;
  tenantSetting?: string;
  /** Bare names of the tenant-scoped tables. */
  tenantTables: string[];
  /** The configured application role, for help texts. */
  appRole?: string;
  /**
   * Lets the test's session act as a role (admitAppRole); undefined for a superuser's session,
   * where the test creates the role in its transaction.
   */
  admit?: (role: string) => Promise<AdmittedRole | undefined>;
  /** Key paths of the JWT claims the policies read (the `jwt` kind). */
  claimPaths?: string[][];
  tenantCount: number;
  locator: StatementLocator;
  /** Where a table's leak comes from, by bare table name, when a statement of the PR causes it. */
  causes?: Map<string, LeakCause>;
  logger: Logger;
  /** Called with the role once it is ready (tests check its attributes). */
  onRole?: (role: AppRole) => Promise<void>;
}

/** The statement behind a leak, and the policy it made or changed when it is one. */
export type LeakCause = Where & { policy?: string };

interface State {
  input: LeakTestInput & { context: ResolvedContext };
  probe: ProbeSetup;
  session: TenantSession;
  rows: RowContext;
  scoped: SeedTable[];
  tenants: SyntheticTenant[];
  findings: Keyed[];
  /** Why a foreign key on the tenant column has no parent row for the synthetic tenants. */
  parentProblems: Map<string, string>;
  /** The membership table, whose rows the test made itself: read, never filled or written. */
  membershipOid?: number;
}

/**
 * The live leak test of the shared topology: as a plain application role, each synthetic tenant
 * writes rows into every tenant-scoped table, then reads every such table and every view over
 * them, and tries to write into another tenant. Whatever crosses a tenant boundary is a finding.
 * Everything happens in one transaction that is rolled back, role included.
 */
export async function runLeakTest(input: LeakTestInput): Promise<Keyed[]> {
  const { client } = input;
  const role = input.appRole ?? DEFAULT_APP_ROLE;
  const context: ResolvedContext = input.context ?? {
    kind: 'setting',
    role,
    roleKnown: input.appRole !== undefined,
    setting: input.tenantSetting ?? 'app.tenant_id',
    pattern: 'tenant_{id}',
  };
  await client.query('begin');
  try {
    return await leakTest({ ...input, context });
  } finally {
    await client.query('rollback');
  }
}

/** Prepares each role tenant sessions run as; a finding when one of them bypasses RLS. */
async function prepareRoles(
  input: LeakTestInput,
  names: string[],
  scoped: SeedTable[],
): Promise<Keyed | undefined> {
  for (const name of names) {
    const admitted = await input.admit?.(name);
    const role = await prepareAppRole(
      input.client,
      name,
      scoped.map((t) => t.sql),
      input.schemas,
      admitted,
    );
    await input.onRole?.(role);
    if (role.superuser || role.bypassRls)
      return {
        key: `${ISOLATION.appRoleBypassesRls.id} ${role.name}`,
        finding: roleFinding(role, input),
      };
  }
  return undefined;
}

async function leakTest(input: LeakTestInput & { context: ResolvedContext }): Promise<Keyed[]> {
  const { client, context } = input;
  const all = await loadSeedTables(client, input.schemas);
  const scoped = all.filter(
    (t) =>
      input.tenantTables.includes(t.name.slice(t.name.indexOf('.') + 1)) &&
      t.columns.some((c) => c.name === input.tenantColumn),
  );
  if (!scoped.length) return [];
  if (context.kind !== 'role') {
    const bypass = await prepareRoles(input, [context.role], scoped);
    if (bypass) return [bypass];
  }
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
  const empty = emptyTenant(tenants.length);
  const idOf = (t: SyntheticTenant) => tenantId(idType, t)!;
  if (context.kind === 'role') {
    const names = [...tenants, empty].map((t) => tenantRoleName(context.pattern, idOf(t)));
    const bypass = await prepareRoles(input, names, scoped);
    if (bypass) return [bypass];
  }
  const rows: RowContext = {
    client,
    types,
    tables: new Map(all.map((t) => [t.oid, t])),
    tenantColumn: input.tenantColumn,
    tenants,
    scoped: new Set(scoped.map((t) => t.oid)),
  };
  // Members first: a tenant row that names a user then names the tenant's own.
  const membership = await loadMembership(rows, context);
  const memberProblem =
    typeof membership === 'string'
      ? membership
      : membership && (await insertMembers(rows, membership, tenants, empty, idOf));
  if (memberProblem) return [keyedIncomplete(input, scoped[0], memberProblem)];
  const parentProblems = await insertTenantParents(rows, scoped, idOf);
  const session = tenantSession(
    context,
    idOf,
    [...tenants, empty],
    input.claimPaths ?? [],
    claimUserOf(typeof membership === 'object' ? membership : undefined),
  );
  const s: State = {
    input,
    scoped,
    tenants,
    findings: [],
    parentProblems,
    session,
    ...(typeof membership === 'object' ? { membershipOid: membership.table.oid } : {}),
    probe: { client, enter: (t) => session.enter(client, t), column: input.tenantColumn, idOf },
    rows,
  };
  const filled = await insertTenantRows(s, all);
  const targets = await readTargets(client, input.schemas, input.tenantColumn, scoped);
  if (typeof membership === 'object') {
    const ids = tenants.map(idOf);
    targets.push(...(await membershipTargets(rows, membership, ids, scoped)));
  }
  await readChecks(s, targets);
  for (const t of scoped.filter((x) => filled.has(x.oid))) await writeCheck(s, t);
  s.findings.push(...(await anonChecks(s.probe, session, targets, scoped, tenants, input)));
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

function unreadable(input: LeakTestInput, target: ReadTarget, error: string): Keyed {
  const name = target.name.slice(target.name.indexOf('.') + 1);
  return {
    key: `${ISOLATION.leakTestIncomplete.id} ${name}`,
    finding: finding(ISOLATION.leakTestIncomplete, {
      ...(input.locator.find({
        kind: target.kind === 'table' ? 'table' : 'view',
        name,
        actions: ['create'],
      }) ?? {}),
      message: `the live leak test could not read ${target.kind} ${name} as a tenant: ${error}; only the static rules cover it`,
      help: 'Every tenant query on it fails: fix what its policies or its view call (a function or table the migrations do not create), and the leak test reads it.',
    }),
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
    if (!s.scoped.includes(table) || table.oid === s.membershipOid) continue;
    let reason = '';
    for (const tenant of s.tenants) {
      const run = async (asTenant: boolean) => {
        const problem = await insertRow(
          s.rows,
          table,
          tenant,
          2_000_000 + tenant.index * 10,
          async (row) => {
            if (asTenant) await s.probe.enter(tenant);
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
      const errors: string[] = [];
      for (const t of s.tenants) {
        const leak = await readAsTenant(s.probe, target, t, labels);
        if (leak && 'error' in leak) errors.push(leak.error);
        else if (leak) leaks.push(leak);
      }
      // No tenant could read it: nothing was tested, which is not a pass.
      if (errors.length === s.tenants.length) {
        s.findings.push(unreadable(s.input, target, errors[0]));
        continue;
      }
      if (leaks.length)
        message = `acting as a tenant (${s.session.reader}), ${command(s)}${target.kind} ${target.name} returns other tenants' rows: ${describeLeaks(leaks)}${causeText(s, target)}`;
    } else if (target.onlyTenantData) {
      const n = await readAsEmptyTenant(s.probe, target, empty);
      if (n)
        message = `acting as ${empty.label}, which owns no rows (${s.session.writer(empty)}), ${command(s)}${target.kind} ${target.name} returns ${n} row(s) of tenants ${s.tenants.map((t) => t.label).join(', ')}${causeText(s, target)}`;
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
      ? `A materialized view has no row-level security: replace it with a view WITH (security_invoker = true) over the same query, or with a table that has the tenant column and row-level security; until then do not grant it to the application role: REVOKE SELECT ON ${name} FROM ${appRoleSql(appRoleOf(s))};`
      : target.kind === 'view'
        ? `ALTER VIEW ${name} SET (security_invoker = true); and make sure the tables it reads have tenant policies.`
        : `Write the policy on the tenant column: CREATE POLICY ${sqlName(`${target.name}_tenant_isolation`)} ON ${name} USING (${tenantCheck(s, target.name)}) WITH CHECK (${tenantCheck(s, target.name)}); ALTER TABLE ${name} ${isSettingContext(s.input.context) ? 'ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY' : 'ENABLE ROW LEVEL SECURITY'};`;
  const at =
    (target.kind === 'table' ? causeOf(s, target.name) : undefined) ??
    s.input.locator.find({
      kind: target.kind === 'table' ? 'table' : 'view',
      name: target.name,
      actions: ['create'],
    });
  return finding(ISOLATION.readLeak, { ...whereOf(at), message, help });
}

/** `tenant_id = current_setting('app.tenant_id')::uuid` with the type of the table's column. */
function tenantCheck(s: State, table?: string): string {
  const scoped =
    s.scoped.find((t) => t.name.slice(t.name.indexOf('.') + 1) === table) ?? s.scoped[0];
  const type = scoped.columns.find((c) => c.name === s.probe.column)?.type ?? 'text';
  const { context } = s.input;
  return tenantCheckSql(
    { tenantColumn: s.probe.column, tenantSetting: context.setting, context },
    type,
  );
}

/** The command a read leak is about, named where the message is not the setting kind's. */
function command(s: State): string {
  return isSettingContext(s.input.context) ? '' : 'SELECT on ';
}

/** The policy behind a leak, named for identity contexts: `; policy p (file:line) lets them through`. */
function causeText(s: State, target: { kind: string; name: string }): string {
  if (isSettingContext(s.input.context) || target.kind !== 'table') return '';
  const cause = causeOf(s, target.name);
  return cause?.policy
    ? `; policy ${cause.policy} (${cause.file}:${cause.line}) lets them through`
    : '';
}

/**
 * Where a table's leak comes from: the cause found statically, else (identity contexts) the PR's
 * latest policy on the table.
 */
function causeOf(s: State, table: string): LeakCause | undefined {
  const known = s.input.causes?.get(table);
  if (known || isSettingContext(s.input.context)) return known;
  return s.input.locator.policyInPr(table);
}

/** The location of a cause, without the policy's name. */
function whereOf(at: LeakCause | undefined): Partial<Where> {
  return at ? { file: at.file, line: at.line, endLine: at.endLine } : {};
}

function appRoleOf(s: State): string | undefined {
  return s.input.context.roleKnown ? s.input.context.role : s.input.appRole;
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
      ...whereOf(at),
      message: `acting as ${a.label} (${s.session.writer(a)}), Postgres let it ${accepted.join(', ')} in ${name}${causeText(s, { kind: 'table', name })}`,
      help: `Give every policy on ${sqlName(name)} a WITH CHECK on the tenant column and a USING that only matches the current tenant: USING (${tenantCheck(s, name)}) WITH CHECK (${tenantCheck(s, name)}).`,
    }),
  });
}
