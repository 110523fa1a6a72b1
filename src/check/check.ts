import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Cluster } from '../provision/provider.js';
import { startCluster } from '../provision/start.js';
import type { CatalogSnapshot } from '../catalog/types.js';
import { snapshotTenants } from '../catalog/tenant-snapshots.js';
import type { GateContext, TenantHandle } from '../gates/gate.js';
import { runGates, walksThePr, type GateRun } from '../gates/index.js';
import { duplicatesOnThePr } from '../gates/graph/duplicates.js';
import { discoverMigrations, migrationFolderBelow } from '../discover/index.js';
import { InputError, InfrastructureError, SetupFailure, getErrorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Discovery, Finding, Migration } from '../core/model.js';
import { topologyOf, type Topology } from '../core/topology.js';
import type { Options } from '../core/options.js';
import { planMigrations, type Plan } from '../plan/index.js';
import {
  TOOL_VERSION,
  countFindings,
  gateStatus,
  reachesFailOn,
  sortFindings,
  type Report,
  type SetupError,
  type Step,
} from '../core/report.js';
import { applySuppressions } from './suppress.js';
import { diagnoseSetupFailure } from './setup-error.js';
import { combineReports, optionsForSet, setLabel } from './sets.js';
import { settingsFromBase } from './base-settings.js';
import { databaseTopologyReason } from './topology-choice.js';
import { resolveBase } from '../plan/plan.js';
import {
  createTenantSchemas,
  preexistingRelations,
  replayTenant,
  seedTenant,
  type ReplayProgress,
} from '../replay/stages.js';
import type { ReplayTrace, StatementTrace, TenantTrace } from '../core/trace.js';
import { inPool } from '../core/pool.js';
import { Workspace } from '../replay/workspace.js';
import { createToolTable } from '../replay/tool-tables.js';
import { migrationRoleNotes } from '../replay/migration-role.js';
import { runBaseSetup } from '../replay/base-setup.js';
import {
  baselineSummary,
  dumpTenantChoice,
  readBaseline,
  type Baseline,
} from '../replay/baseline.js';
import { loadBaselineBase, type BaselineBase } from '../replay/baseline-base.js';
import { findingsForVariants } from '../replay/baseline-findings.js';

/** A set whose merged migrations are part of this set's base. */
interface Prelude {
  dir: string;
  format: Discovery['format'];
  plan: Plan;
}

/** Options only library callers and tests set: treat the first N migrations as merged. */
export interface CheckExtras {
  mergedCount?: number;
}

/**
 * One run: discover → plan → provision → replay → gates → report. Returns a report in every
 * case; input and infrastructure failures become `status: error` with their exit code.
 */
export async function runCheck(
  options: Options,
  logger: Logger,
  extras: CheckExtras = {},
): Promise<Report> {
  const sets = options.sets ?? [];
  if (sets.length < 2) return runOneSet(options, logger, extras);
  const runs = [];
  for (const [i, set] of sets.entries()) {
    const report = await logger.group(`migrations ${setLabel(set)}`, () =>
      runOneSet(optionsForSet(options, i), logger, extras),
    );
    runs.push({ set, report });
  }
  return combineReports(runs);
}

/** One migration set: its own cluster, base and PR. */
async function runOneSet(options: Options, logger: Logger, extras: CheckExtras): Promise<Report> {
  const run = new Run(options, logger);
  try {
    await run.execute(extras);
  } catch (error) {
    run.fail(error);
  }
  return run.report();
}

class Run {
  readonly startedAt = new Date();
  readonly steps: Step[] = [];
  readonly notes: string[] = [];
  findings: Finding[] = [];
  discovery?: Discovery;
  plan?: Plan;
  cluster?: Cluster;
  tenantsValidated = 0;
  applied = 0;
  trace: ReplayTrace = { merged: [], pr: [] };
  /** The gates' runs, in order: their steps are written when the report is (after suppression). */
  gateRuns: GateRun[] = [];
  /** Sets before this one in the same database (`migrations:` with `database:`). */
  prelude: Prelude[] = [];
  error?: { message: string; exitCode: number };
  /** Why the base could not be built: the run ends with it, and no finding is reported. */
  setupError?: SetupError;

  topology: Topology;
  /** `baseline:`: the dump or snapshot the base is loaded from instead of the merged history. */
  baseline?: Baseline;
  /**
   * Schema tenants built without the seed's rows (all but the first of one history): they hold
   * what the merged migrations insert. See replayAdded for when they are seeded after all.
   */
  unseeded = new Set<string>();

  constructor(
    public options: Options,
    readonly logger: Logger,
  ) {
    this.topology = topologyOf(options.topology, options.tenants, options.settings.sharedSchema);
  }

  async step<T>(
    action: string,
    fn: () => Promise<{ value: T; status?: Step['status']; details: string }>,
  ): Promise<T> {
    const started = Date.now();
    return this.logger.group(action, async () => {
      try {
        const r = await fn();
        this.steps.push({
          action,
          status: r.status ?? 'ok',
          durationMs: Date.now() - started,
          details: r.details,
        });
        this.logger.progress({ phase: action, done: r.details });
        return r.value;
      } catch (error) {
        this.steps.push({
          action,
          status: 'error',
          durationMs: Date.now() - started,
          details: getErrorMessage(error),
        });
        throw error;
      }
    });
  }

  async execute(extras: CheckExtras): Promise<void> {
    // What PR code may reach is the base branch's to decide (src/check/base-settings.ts).
    const baseCommit =
      this.options.base && extras.mergedCount === undefined
        ? resolveBase(this.options.repoRoot, this.options.base)
        : undefined;
    if (baseCommit) {
      const guarded = settingsFromBase(this.options, baseCommit);
      this.options = guarded.options;
      this.notes.push(...guarded.notes);
    }
    this.baseline = readBaseline(this.options, baseCommit, this.notes);
    // The baseline may decide the simulated tenants: a dump's tenant schemas, a snapshot's variants.
    if (this.baseline?.tenantNames)
      this.topology = topologyOf(
        this.options.topology,
        this.baseline.tenantNames,
        this.options.settings.sharedSchema,
      );
    const discovery = await this.step('discover', async () => {
      const below =
        this.options.format === 'auto'
          ? await migrationFolderBelow(this.options.repoRoot, this.options.dir)
          : undefined;
      if (below) {
        this.notes.push(below.note);
        this.options = { ...this.options, dir: below.dir };
      }
      const d = await discoverMigrations(
        this.options.repoRoot,
        this.options.dir,
        this.options.format,
        this.options.settings,
      );
      return {
        value: d,
        details: `${d.migrations.length} ${d.format} migrations in ${this.options.dir} (${d.reason})`,
      };
    });
    this.discovery = discovery;
    this.notes.push(...discovery.notes);
    this.chooseTopology(discovery);
    this.plan = await this.step('plan', async () => {
      const plan = await planMigrations(discovery, this.options, extras.mergedCount);
      // Edited Flyway repeatables are re-run with the PR's migrations; they count as changed.
      const rerun = plan.added.filter((m) => m.state === 'changed').length;
      const details = `${plan.merged.length} merged, ${plan.added.length - rerun} new, ${plan.changed.length + rerun} changed, ${plan.removed.length} removed${plan.baseRef ? ` against ${plan.baseRef}` : ''}`;
      return { value: plan, details };
    });
    this.findings.push(...findingsOnThePr(discovery, this.plan));
    this.prelude = await this.preludeSets(extras);
    this.notes.push(...declarativeNotes(this.plan));
    this.cluster = await this.step('provision', async () => {
      const { cluster, reason } = await startCluster(this.options, this.logger);
      if (this.options.pgVersionSource) this.notes.push(this.options.pgVersionSource);
      this.notes.push(...(this.options.inputNotes ?? []));
      this.notes.push(...cluster.notes);
      const details = `${cluster.provider} Postgres ${cluster.postgresVersion}, ${cluster.replicas.length} replica(s), started in ${cluster.startMs} ms${reason ? ` (${reason})` : ''}`;
      return { value: cluster, details };
    });
    const ws = new Workspace(this.cluster, this.options, this.topology);
    this.notes.push(...migrationRoleNotes(this.options, this.cluster.provider));
    try {
      await this.replayAndGate(ws, this.plan);
    } finally {
      this.logger.progress({ phase: 'cleanup' });
      await ws.dropAll().catch(() => {});
      await this.cluster
        .stop()
        .catch((e) => this.logger.warn(`stopping Postgres: ${getErrorMessage(e)}`));
    }
  }

  async replayAndGate(ws: Workspace, plan: Plan): Promise<void> {
    const baseTenants = await this.step('replay merged', () => this.replayMerged(ws, plan));
    const before = await this.snapshots(ws, baseTenants);
    const tenants = await this.step('replay PR', () => this.replayAdded(ws, plan));
    const after = await this.snapshots(ws, tenants);
    const ctx = this.context(ws, plan, tenants, before, after);
    this.gateRuns = await runGates(ctx, this.options.gates);
    const found = this.gateRuns.flatMap((r) => r.findings);
    this.findings.push(...findingsForVariants(found, this.baseline, this.trace.pr));
  }

  /** Merged migrations once into the template database (per tenant schema), then the seed. */
  async replayMerged(ws: Workspace, plan: Plan) {
    const tenants = this.baseTenants(ws);
    // Schema tenants alike from one history: the template holds the first, which every gate that
    // needs the pre-PR state copies; the others are built in the PR's database, a copy of it.
    const lean = this.topology.schemaPerTenant && tenants.length > 1 && !this.baseline;
    const first = lean ? tenants.slice(0, 1) : tenants;
    const databases = [...new Set(first.map((t) => t.database))];
    for (const database of databases) {
      await ws.createDatabase(database);
      // What the server has before the first migration (preset, compose init scripts, setup:).
      const notes = await runBaseSetup(ws, database);
      if (database === ws.baseDatabase) this.notes.push(...notes);
    }
    const format = this.discovery!.format;
    const fromDump =
      this.baseline &&
      (await loadBaselineBase(ws, this.baseline, plan.merged, format, tenants).catch((error) => {
        throw error instanceof InputError ? error : baselineFailure(error);
      }));
    if (fromDump) this.notes.push(...fromDump.notes);
    const seedNotes = await this.buildTenants(ws, plan, first, fromDump, tenants.length);
    let built = first;
    if (lean) {
      ws.baseHolds(first.map((t) => t.name));
      const pr = `${ws.prefix}pr`;
      await ws.createDatabase(pr, ws.baseDatabase);
      // The base is final: the gates' copy of it is made while the other tenants are built.
      if (this.gatesCopyBase(plan)) ws.prepareClone();
      // The seed's rows stay in the first tenant, where the gates measure with them; the others
      // prove the PR replays on each tenant's schema after the tenants before it.
      const rest = ws.tenantsIn(pr).slice(1);
      await this.buildTenants(ws, plan, rest, fromDump, tenants.length, first, false);
      if (plan.merged.length > 0) for (const t of rest) this.unseeded.add(t.name);
      built = ws.tenantsIn(pr);
    }
    this.notes.push(...seedNotes);
    const rows = this.options.settings.seedRows;
    const seeded =
      plan.merged.length === 0 && !fromDump
        ? 'nothing to seed'
        : `seeded ${rows} rows per table${this.unseeded.size > 0 ? ` of ${first[0].name} (the other tenants hold the rows their migrations insert)` : ''}${seedNotes.length ? ` (${seedNotes.length} table(s) not seeded, see the notes)` : ''}`;
    const replayed = fromDump
      ? `the baseline ${this.baseline!.path} and ${Math.max(0, ...[...fromDump.pending.values()].map((p) => p.length))} of ${plan.merged.length} merged migration(s) on top`
      : `${plan.merged.length} migration(s)`;
    const details = `${replayed} on ${built.length} tenant(s) of ${built[0].database}, ${seeded}`;
    return { value: built, details };
  }

  /**
   * The merged state of `tenants` (of `total`, after those `done` before): their schemas, the
   * prelude sets, the migration tool's table, the merged migrations (a failure is a setup error)
   * and, with `seed`, the seed. Returns the seed's notes.
   */
  async buildTenants(
    ws: Workspace,
    plan: Plan,
    tenants: TenantHandle[],
    fromDump: BaselineBase | undefined,
    total: number,
    done: TenantHandle[] = [],
    seed = true,
  ): Promise<string[]> {
    if (tenants.length === 0) return [];
    const offset = done.length;
    const format = this.discovery!.format;
    // The migration role makes the tenant schemas, so owns them as it owns the database.
    for (const database of new Set(tenants.map((t) => t.database))) {
      const admin = await ws.connectTo(database);
      try {
        await createTenantSchemas(
          admin,
          tenants.filter((t) => t.database === database),
        );
      } finally {
        await admin.end();
      }
    }
    await this.replayPrelude(ws, tenants);
    const traces = await this.eachTenant(
      tenants,
      (t, i) => {
        const at = this.tenantProgress('replay merged', offset + i, total);
        const merged = fromDump?.pending.get(t.name) ?? plan.merged;
        // The tool creates its table as the role migrations run as, which then owns it.
        const versionTable = async (client: pg.Client) => {
          const held = fromDump?.held.get(t.name) ?? plan.merged;
          const table = await createToolTable(client, format, held);
          if (table) this.logger.debug(`${t.name}: ${table} holds the merged versions`);
        };
        return replayTenant(ws, t, merged, undefined, false, at, versionTable);
      },
      (trace) => trace.failedMigration !== undefined,
    );
    // Kept for the first tenant and a failure only: the merged history's statements are the
    // same on every tenant, and nothing reads them but a setup error's diagnosis.
    this.trace.merged.push(
      ...traces.filter((t, i) => (offset === 0 && i === 0) || t.failedMigration),
    );
    // Production ran these: a failure is this machine's setup, never the PR's finding.
    const failed = traces.findIndex((trace) => trace.failedMigration);
    if (failed !== -1)
      throw await this.setupFailure(traces[failed].statements, plan, {
        ws,
        tenants: [...done, ...tenants],
        index: offset + failed,
      });
    if (!seed || (plan.merged.length === 0 && !fromDump)) return [];
    return this.seed(ws, tenants, (i) =>
      this.tenantProgress('replay merged', offset + i, total)({ activity: 'seeding' }),
    );
  }

  /** The seed's rows in `tenants`; returns its notes. */
  async seed(
    ws: Workspace,
    tenants: TenantHandle[],
    progress: (index: number) => void = () => {},
  ): Promise<string[]> {
    const rows = this.options.settings.seedRows;
    const format = this.discovery!.format;
    const notes = await this.eachTenant(tenants, (t, i) => {
      progress(i);
      this.unseeded.delete(t.name);
      return seedTenant(ws, t, rows, this.logger, format).catch((error) => {
        throw seedFailure(error);
      });
    });
    return notes.flat();
  }

  /**
   * The tenants the merged state is built for: the template's, or with a snapshot of the database
   * topology one database per variant, named for its representative.
   */
  baseTenants(ws: Workspace): TenantHandle[] {
    const variants = this.baseline?.variants ?? [];
    if (!this.topology.databasePerTenant || variants.length < 2)
      return ws.tenantsIn(ws.baseDatabase);
    return variants.map((v, i) => {
      const name = v.representative!;
      return this.topology.tenantAlone(name, ws.variantBase(name, i));
    });
  }

  /** The database topology for migrations that cannot run per tenant schema, when nothing chose one. */
  chooseTopology(discovery: Discovery): void {
    if (!this.options.topologyDefault || this.options.topology !== 'schema') return;
    if (this.baseline?.kind === 'snapshot') return;
    const fromMigrations = databaseTopologyReason(discovery.migrations);
    // Else a dump for the base decides: its schemas as the tenants when alike, or one database.
    const choice =
      fromMigrations || !this.baseline ? undefined : dumpTenantChoice(this.baseline, this.options);
    if (choice && 'tenantNames' in choice) {
      this.baseline = { ...this.baseline!, tenantNames: choice.tenantNames };
      this.topology = topologyOf('schema', choice.tenantNames, this.options.settings.sharedSchema);
      return;
    }
    const why = fromMigrations ?? choice?.databaseReason;
    if (!why) return;
    this.options = { ...this.options, topology: 'database' };
    this.topology = topologyOf(
      'database',
      this.options.tenants,
      this.options.settings.sharedSchema,
    );
    this.notes.push(why);
  }

  /** The merged migrations of the sets listed before this one that share its database. */
  async preludeSets(extras: CheckExtras): Promise<Prelude[]> {
    const out: Prelude[] = [];
    for (const set of this.options.prelude ?? []) {
      const options = { ...this.options, dir: set.dir, format: set.format };
      const d = await discoverMigrations(options.repoRoot, set.dir, set.format, options.settings);
      const plan = await planMigrations(d, options, extras.mergedCount);
      out.push({ dir: set.dir, format: d.format, plan });
      this.notes.push(
        `${set.dir}: its ${plan.merged.length} merged ${d.format} migration(s) replay before this set's, in the same database`,
      );
    }
    return out;
  }

  /** Replays the prelude sets' merged migrations on every tenant; a failure is a setup error. */
  async replayPrelude(ws: Workspace, tenants: TenantHandle[]): Promise<void> {
    for (const p of this.prelude) {
      for (const [i, t] of tenants.entries()) {
        const at = this.tenantProgress(`replay merged ${p.dir}`, i, tenants.length);
        const trace = await replayTenant(ws, t, p.plan.merged, new Set(), false, at);
        if (trace.failedMigration)
          throw await this.setupFailure(trace.statements, p.plan, { ws, tenants, index: i });
      }
    }
  }

  /** The diagnosis of the merged statement that failed, as the error that ends the run. */
  async setupFailure(
    statements: StatementTrace[],
    plan: Plan,
    at: { ws: Workspace; tenants: TenantHandle[]; index: number },
  ): Promise<SetupFailure> {
    const trace = statements.find((s) => s.error)!;
    const migration = plan.merged.find((m) => m.id === trace.migrationId);
    const statement = migration?.up.statements.find(
      (s) => s.file === trace.file && s.line === trace.line,
    );
    const tenant = at.tenants[at.index];
    return new SetupFailure(
      diagnoseSetupFailure({
        trace,
        statement,
        findings: this.discovery?.findings ?? [],
        format: this.discovery!.format,
        options: this.options,
        provider: this.cluster?.provider ?? this.options.provider,
        postgresVersion: this.cluster?.postgresVersion ?? '',
        // In the schema topology the tenants before this one replayed the same history.
        ...(at.index > 0 && this.topology.schemaPerTenant
          ? {
              tenant: {
                name: tenant.name,
                passedOn: at.tenants[0].name,
                schemas: at.tenants.map((t) => t.schema),
              },
            }
          : {}),
        elsewhere: await relationElsewhere(at.ws, tenant, trace).catch(() => []),
        ...(migration && plan.merged[0] === migration
          ? { historyStart: { snapshots: this.discovery?.snapshots ?? [] } }
          : {}),
      }),
    );
  }

  /** The PR's migrations on every tenant, in a copy of the template (or the tenants' databases). */
  async replayAdded(ws: Workspace, plan: Plan) {
    const tenants = await this.prTenants(ws);
    if (this.gatesCopyBase(plan)) ws.prepareClone();
    const oneTransaction = this.discovery?.oneTransaction ?? false;
    // A statement that ran into the timeout would on every tenant: one wait is enough.
    const timedOut = (trace: TenantTrace) =>
      trace.statements.some((s) => s.error?.sqlstate === '57014');
    const traces = await this.eachTenant(
      tenants,
      async (t, i) => {
        const at = this.tenantProgress('replay PR', i, tenants.length);
        at({});
        // The gates read locks and rewrites off the first tenant's replay; the others' failures
        // are all they use, so those replay a file in one round trip when nothing fails.
        const preexisting = i === 0 ? await preexistingRelations(ws, t) : undefined;
        const trace = await replayTenant(ws, t, plan.added, preexisting, oneTransaction, at);
        return i > 0 && trace.failedMigration && this.unseeded.has(t.name)
          ? this.replayedWithRows(ws, t, plan, trace, oneTransaction)
          : trace;
      },
      timedOut,
      // Where the first tenant failed, the others get its rows: a failure the rows cause is then
      // reported for every tenant it happens on, as production would see it.
      async (first) => {
        if (first.failedMigration)
          this.notes.push(
            ...(await this.seed(
              ws,
              tenants.filter((t) => this.unseeded.has(t.name)),
            )),
          );
      },
    );
    this.trace.pr.push(...traces);
    const last = traces[traces.length - 1];
    if (last && timedOut(last)) {
      this.notes.push(
        `replay PR: stopped after ${last.tenant}, where a statement ran into the statement timeout; the other tenants were not replayed`,
      );
    }
    const failedOn = new Set(this.trace.pr.map((t) => t.failedMigration).filter(Boolean));
    const firstFailed = plan.added.findIndex((m) => failedOn.has(m.id));
    this.applied = firstFailed === -1 ? plan.added.length : firstFailed;
    // The gates read the first tenant's replay: what follows its failure, none of them saw.
    const stopped = plan.added.findIndex((m) => m.id === this.trace.pr[0]?.failedMigration);
    const unchecked = stopped === -1 ? [] : plan.added.slice(stopped + 1);
    if (unchecked.length > 0)
      this.notes.push(
        `replay PR: ${plan.added[stopped].file} failed, so the ${unchecked.length} migration(s) after it were not replayed, and only the checks that read their SQL saw them: ${unchecked.map((m) => m.file).join(', ')}; fix the failure to check them on Postgres`,
      );
    this.tenantsValidated = tenants.length;
    const failed = this.trace.pr.filter((t) => t.failedMigration).length;
    const details = `${plan.added.length} migration(s) on ${tenants.length} tenant(s)${failed ? `; failed on ${failed}` : ''}`;
    return { value: tenants, status: failed ? ('blocked' as const) : ('ok' as const), details };
  }

  /**
   * A tenant without the seed's rows failed where the first tenant, with them, had not: the rows
   * are added and the PR replayed again from the migration that failed, so that only a failure
   * that happens with the rows too stands. A failed migration that left part of its work behind
   * (outside a transaction) is not replayed again, and its failure stands.
   */
  async replayedWithRows(
    ws: Workspace,
    tenant: TenantHandle,
    plan: Plan,
    trace: TenantTrace,
    oneTransaction: boolean,
  ): Promise<TenantTrace> {
    const failed = trace.statements.filter((s) => s.migrationId === trace.failedMigration);
    const from = oneTransaction ? 0 : plan.added.findIndex((m) => m.id === trace.failedMigration);
    if (from === -1 || failed.some((s) => !s.inTransaction)) return trace;
    this.logger.debug(`${tenant.name}: ${trace.failedMigration} failed without the seed's rows`);
    this.notes.push(...(await this.seed(ws, [tenant])));
    const again = await replayTenant(ws, tenant, plan.added.slice(from), undefined, oneTransaction);
    const before = new Set(plan.added.slice(0, from).map((m) => m.id));
    const kept = trace.statements.filter((s) => before.has(s.migrationId));
    return { ...again, statements: [...kept, ...again.statements] };
  }

  /** Whether a gate will walk the PR on a copy of the base (see src/gates/walk.ts). */
  gatesCopyBase(plan: Plan): boolean {
    return plan.added.length > 0 && walksThePr(this.options.gates);
  }

  async prTenants(ws: Workspace): Promise<TenantHandle[]> {
    if (!this.topology.databasePerTenant) {
      const pr = `${ws.prefix}pr`;
      // Built with the merged state when the template holds the first tenant only.
      if (!ws.madeHere(pr)) await ws.createDatabase(pr, ws.baseDatabase);
      return ws.tenantsIn(pr);
    }
    return inPool(this.topology.tenantNames, this.options.settings.parallel, async (name) => {
      const database = `${ws.prefix}${name}`;
      await ws.createDatabase(database, ws.baseOf(name));
      return this.topology.tenantAlone(name, database);
    });
  }

  async snapshots(ws: Workspace, tenants: TenantHandle[]): Promise<Map<string, CatalogSnapshot>> {
    const snapshots = await snapshotTenants(tenants, {
      connect: (t) => ws.connect(t),
      parallel: this.options.settings.parallel,
      onTenant: (i) => this.tenantProgress('catalog snapshot', i, tenants.length)({}),
    });
    const out = new Map(tenants.map((t, i) => [t.name, snapshots[i]]));
    // The database topology's tenants all start from one template: its snapshot stands for each.
    if (this.topology.databasePerTenant && tenants.length === 1) {
      for (const name of this.topology.tenantNames) out.set(name, out.get(tenants[0].name)!);
    }
    return out;
  }

  /**
   * `fn` for every tenant: the first alone (the shared objects it creates, the others find made),
   * then the others `parallel` at a time. The results keep the tenants' order; once `stop` holds
   * for one, no further tenant starts, and the results end there, as a loop that stops would.
   */
  async eachTenant<R>(
    tenants: TenantHandle[],
    fn: (tenant: TenantHandle, index: number) => Promise<R>,
    stop: (result: R) => boolean = () => false,
    /** Runs once the first tenant is done, before the others start. */
    afterFirst?: (first: R) => Promise<void>,
  ): Promise<R[]> {
    if (tenants.length === 0) return [];
    const first = await fn(tenants[0], 0);
    if (stop(first)) return [first];
    await afterFirst?.(first);
    let stopped = false;
    const rest = await inPool(tenants.slice(1), this.options.settings.parallel, async (t, i) => {
      if (stopped) return undefined;
      const result = await fn(t, i + 1);
      if (stop(result)) stopped = true;
      return { result };
    });
    const out = [first];
    for (const r of rest) {
      if (!r) break;
      out.push(r.result);
      if (stop(r.result)) break;
    }
    return out;
  }

  /** Reports the position of tenant `i` (0-based) of `n` in `phase`, and where its replay is. */
  tenantProgress(phase: string, i: number, n: number): ReplayProgress {
    return (at) => this.logger.progress({ phase, tenant: [i + 1, n], ...at });
  }

  context(
    ws: Workspace,
    plan: Plan,
    tenants: TenantHandle[],
    before: Map<string, CatalogSnapshot>,
    after: Map<string, CatalogSnapshot>,
  ): GateContext {
    return {
      options: this.options,
      logger: this.logger,
      cluster: this.cluster!,
      topology: this.topology,
      discovery: this.discovery!,
      plan,
      tenants,
      trace: this.trace,
      before,
      after,
      databases: ws,
      findings: [...this.findings],
    };
  }

  /** Input errors exit 2; infrastructure errors and anything unexpected exit 3. */
  fail(error: unknown): void {
    if (error instanceof SetupFailure) this.setupError = error.setupError;
    if (error instanceof InputError || error instanceof InfrastructureError) {
      this.error = { message: error.message, exitCode: error.exitCode };
      return;
    }
    this.logger.debug(String((error as Error)?.stack));
    const hint = 'a bug in schemagate: run again with -v for the stack trace, and report it';
    this.error = { message: `internal error: ${getErrorMessage(error)} (${hint})`, exitCode: 3 };
  }

  report(): Report {
    // The PR was not judged on a base that could not be built: no finding stands.
    const all = this.setupError
      ? []
      : this.discovery
        ? applySuppressions(this.findings, this.discovery, this.plan, this.options)
        : this.findings;
    const findings = sortFindings(all);
    const counts = countFindings(findings);
    const steps = [...this.steps, ...this.gateRuns.map((run) => gateStep(run, findings))];
    const gatesPassed = steps.filter((s) => s.action.startsWith('gate ') && s.status === 'ok');
    const status = this.error ? 'error' : reachesFailOn(findings, 'blocker') ? 'blocked' : 'passed';
    const c = this.cluster;
    const replicaNodes = this.gateRuns.flatMap((run) => run.replicaNodes ?? []);
    return {
      schemaVersion: 1,
      tool: { name: 'schemagate', version: TOOL_VERSION },
      executionId: randomUUID(),
      startedAt: this.startedAt.toISOString(),
      durationMs: Date.now() - this.startedAt.getTime(),
      status,
      topology: {
        kind: this.options.topology,
        tenants: [...this.topology.tenantNames],
        base: baselineSummary(this.baseline),
        replicas: c?.replicas.length ?? 0,
        provider: c?.provider ?? this.options.provider,
        postgres: c?.postgresVersion ?? '',
        ...(replicaNodes.length ? { replicaNodes } : {}),
      },
      ...(this.discovery
        ? { format: { name: this.discovery.format, reason: this.discovery.reason } }
        : {}),
      migrations: this.migrationList(),
      steps,
      findings,
      trace: this.trace.pr[0]?.statements,
      notes: this.notes,
      summary: {
        ...counts,
        migrationsApplied: this.applied,
        tenantsValidated: this.tenantsValidated,
        gatesPassed: gatesPassed.length,
      },
      ...(this.error ? { error: this.error } : {}),
      ...(this.setupError ? { setupError: this.setupError } : {}),
    };
  }

  /** The head's migrations in order, each with its state, then the ones the PR removed. */
  migrationList(): Report['migrations'] {
    const p = this.plan;
    const state = new Map(
      [...(p?.changed.map((c) => c.head) ?? []), ...(p?.added ?? [])].map((m) => [m.file, m.state]),
    );
    const row = (m: Migration, s: Report['migrations'][number]['state']) => ({
      id: m.id,
      file: m.file,
      ...(m.downFile ? { down: m.downFile } : {}),
      state: s,
      statements: m.up.statements.length,
    });
    const rows = (this.discovery?.migrations ?? []).map((m) =>
      row(m, p ? (state.get(m.file) ?? 'merged') : 'new'),
    );
    for (const m of p?.removed ?? []) rows.push(row(m, 'removed'));
    return rows;
  }
}

/**
 * What discovery found, except on merged migrations the PR leaves as they are: production ran
 * those already (an unresolved placeholder or an unset ENVSUB variable there is this machine's
 * configuration, not the PR's doing), and every PR would repeat the finding. Nor on any other file
 * the base has unchanged (a stray file the drizzle journal never listed): the PR did not touch it.
 */
function findingsOnThePr(discovery: Discovery, plan: Plan): Finding[] {
  // Two branches that added one version: said on the PR's file, whichever file sorts later.
  const findings = duplicatesOnThePr(discovery.findings, discovery.format, plan);
  const files = (ms: Migration[]) => ms.flatMap((m) => [m.file, m.downFile, m.down?.file]);
  const touched = new Set(files([...plan.added, ...plan.changed.map((c) => c.head)]));
  const merged = new Set(files(plan.merged).filter((f) => f && !touched.has(f)));
  for (const f of plan.unchangedAtBase ?? []) if (!touched.has(f)) merged.add(f);
  return findings.filter((f) => !f.file || !merged.has(f.file));
}

/**
 * Schemas off the session's search_path that have a table named as the unqualified relation the
 * statement found missing (a database- or runner-level search_path production has).
 */
async function relationElsewhere(
  ws: Workspace,
  tenant: TenantHandle,
  trace: StatementTrace,
): Promise<string[]> {
  const e = trace.error;
  const name =
    e?.sqlstate === '42P01' ? /^relation "([^".]+)" does not exist/.exec(e.message) : null;
  if (!name) return [];
  const client = await ws.connectAsSuperuser(tenant.database, { catalogOnly: true });
  try {
    // A catalog read: no user object is involved.
    const r = await client.query<{ nspname: string }>(
      `select distinct n.nspname from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f')
         and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname <> all($2)
         and n.nspname not like 'pg\\_%'
       order by 1`,
      [name[1], [...ws.searchPath(tenant), ...ws.topology.tenantNames]],
    );
    return r.rows.map((row) => row.nspname);
  } finally {
    await client.end();
  }
}

/** The seed runs before the PR's first migration: its failure is a setup error too. */
function seedFailure(error: unknown): SetupFailure {
  return new SetupFailure({
    message: `seeding the merged tables failed: ${getErrorMessage(error)}`,
    cause: 'statement-failed',
    remedy:
      '`seed: { rows: 0 }` in .schemagate.yml runs the check on empty tables; please report the message, the seed should skip a table it cannot fill.',
  });
}

/** The baseline's load failing on something other than a statement: the base cannot be built. */
function baselineFailure(error: unknown): SetupFailure {
  if (error instanceof SetupFailure) return error;
  return new SetupFailure({
    message: `loading the baseline failed: ${getErrorMessage(error)}`,
    cause: 'statement-failed',
    remedy:
      'the baseline must be a plain-text schema dump (pg_dump --schema-only) of this Postgres major or older',
  });
}

/** What was done with schema files kept in place that the PR edits. */
function declarativeNotes(plan: Plan): string[] {
  return plan.added
    .filter((m) => m.declarative && m.state === 'changed')
    .map((m) =>
      plan.merged.some((b) => b.file === m.file)
        ? `${m.file} is a schema file kept in place: the statements the PR appends to it are checked as a migration on top of its merged version`
        : `${m.file} is a schema file kept in place and the PR rewrites it: it is replayed whole on an empty schema, so the new schema and the application's queries are checked, but not how production gets from the old schema to the new one`,
    );
}

/**
 * A gate's step as the report's findings have it: after suppressions and overrides, and with the
 * findings discovery made for that gate (journal, revision graph, placeholders).
 */
function gateStep(run: GateRun, findings: Finding[]): Step {
  const mine = findings.filter((f) => f.gate === run.gate);
  return {
    action: `gate ${run.gate}`,
    status: gateStatus(run.gate, mine),
    durationMs: run.ms,
    details: [`${mine.length} finding(s)`, ...run.details].join('; '),
  };
}
