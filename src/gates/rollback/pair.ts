import type pg from 'pg';
import { diffCatalogs } from '../../catalog/diff.js';
import { withoutIrreversible } from './irreversible.js';
import type { CatalogChange } from '../../catalog/types.js';
import type { Finding, Migration, Script, Statement } from '../../core/model.js';
import {
  alterCommandsOf,
  astOf,
  relationOf,
  stringList,
  unwrap,
  unwrapAll,
} from '../../sql/ast.js';
import type { StatementTrace } from '../../core/trace.js';
import type { ApplyUp, GateContext, Walker } from '../gate.js';
import { failedTrace, pgErrorText, stateAfterFailure } from './describe.js';
import { changeFindings } from './changes.js';
import {
  compareWithCopies,
  copyTables,
  dropCopies,
  type RowDifference,
  type TableCopy,
  type TableFilter,
} from './rows.js';
import { ROLLBACK, finding } from '../../rules/index.js';
import { UNTRACED, type Sandbox } from '../sandbox.js';
import { displayName, mentions, statementAbout } from './locate.js';

/**
 * Per added migration, on one tenant: apply the earlier added migrations, then snapshot → up →
 * down → snapshot (catalog and rows must match) → up again (must apply).
 */
export async function checkPairs(
  ctx: GateContext,
  sandbox: Sandbox,
  stopAt: number,
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (let i = 0; i < stopAt; i++) {
    const m = ctx.plan.added[i];
    if (!m.down) continue;
    if (!(await sandbox.at(i))) break;
    const result = await pairAt(ctx, sandbox, i);
    out.push(...result.findings);
    if (result.upFailed) break;
  }
  return out;
}

/**
 * The pair check of added migration `index` on a sandbox at `index`, its first up through `up`.
 * When the up or down wrote a table that was not copied, it is checked again from a fresh copy
 * with every table.
 */
async function pairAt(
  ctx: GateContext,
  sandbox: Sandbox,
  index: number,
  up?: ApplyUp,
): Promise<PairResult> {
  const m = ctx.plan.added[index];
  ctx.logger.debug(`rollback: ${m.id} up → down → up on ${sandbox.tenant.name}`);
  const result = await checkPair(sandbox, m, up, likelyWritten(ctx, sandbox.tenant.name, m));
  if (!result.missed) return result;
  ctx.logger.debug(`rollback: ${m.id} also wrote ${result.missed}: checked again`);
  sandbox.spoil();
  if (!(await sandbox.at(index))) return { findings: [], upFailed: true };
  return checkPair(sandbox, m);
}

/** The rollback gate's part in the walk: the pair check of each added migration with a down. */
export class PairCheck implements Walker {
  /** Outermost: the down runs once the other walkers are done with the up. */
  readonly layer = 2;
  readonly findings: Finding[] = [];
  error?: unknown;
  private stopped = false;

  constructor(
    private readonly ctx: GateContext,
    readonly until: number,
  ) {}

  async step(index: number, sandbox: Sandbox, up: ApplyUp): Promise<StatementTrace[]> {
    if (this.stopped || !this.ctx.plan.added[index].down) return up();
    let traces: StatementTrace[] | undefined;
    const result = await pairAt(
      this.ctx,
      sandbox,
      index,
      async (after) => (traces = await up(after)),
    );
    this.findings.push(...result.findings);
    if (result.upFailed) this.stopped = true;
    return traces ?? [];
  }
}

interface PairResult {
  findings: Finding[];
  /** The up itself did not apply here: replay reports it, and later migrations cannot run. */
  upFailed: boolean;
  /** A table the up or down wrote whose rows were not copied before the up. */
  missed?: string;
}

/** Lock modes no statement that changes a table's rows takes. */
const READS = new Set(['AccessShareLock', 'RowShareLock', 'ShareLock', 'ShareUpdateExclusiveLock']);

/**
 * Tables (as traces name them) that the statements locked in a mode that may change rows; all
 * of them (undefined) when one ran outside a transaction, where its locks could not be read. A
 * DROP changes no row of what stays (a dropped table or column is no longer compared): the
 * ACCESS EXCLUSIVE lock `DROP INDEX` takes on the index's table says nothing of its rows. Rows
 * written meanwhile (by an event trigger) still show as ROW EXCLUSIVE.
 */
function written(traces: StatementTrace[]): Set<string> | undefined {
  if (traces.some((t) => !t.inTransaction)) return undefined;
  const writes = (t: StatementTrace) =>
    t.locks.filter((l) =>
      t.kind === 'DropStmt' ? l.mode === 'RowExclusiveLock' : !READS.has(l.mode),
    );
  return new Set(traces.flatMap((t) => writes(t).map((l) => l.relation)));
}

/**
 * The tables an up and its down may change the rows of: what the up wrote in the PR's replay on
 * this tenant, and what the down names. Undefined (every table) without a trace of the up.
 */
function likelyWritten(ctx: GateContext, tenant: string, m: Migration): TableFilter | undefined {
  const replayed = ctx.trace.pr.find((t) => t.tenant === tenant);
  const up = replayed?.statements.filter((s) => s.migrationId === m.id) ?? [];
  if (up.length === 0 || up.some((s) => s.error)) return undefined;
  const names = written(up);
  if (!names) return undefined;
  const downStatements = m.down?.statements ?? [];
  return (name, table) => names.has(name) || downStatements.some((s) => mentions(s, table));
}

async function checkPair(
  sandbox: Sandbox,
  m: Migration,
  up: ApplyUp = (afterStatement) => sandbox.apply(m, 'up', { afterStatement }),
  only?: TableFilter,
): Promise<PairResult> {
  const observer = await sandbox.observer();
  const { copies, tables } = await copyTables(
    observer,
    await sandbox.ownSchemas(),
    sandbox.tenant.schema,
    only,
  );
  try {
    const result = await upDownUp(sandbox, m, up, observer, copies);
    const copied = new Set(copies.map((c) => c.name));
    const wrote = result.written ?? tables;
    const missed = [...wrote].find((name) => tables.has(name) && !copied.has(name));
    return { ...result, ...(missed ? { missed } : {}) };
  } finally {
    await dropCopies(observer, copies).catch(() => undefined);
  }
}

async function upDownUp(
  sandbox: Sandbox,
  m: Migration,
  apply: ApplyUp,
  observer: pg.Client,
  copies: TableCopy[],
): Promise<PairResult & { written: Set<string> | undefined }> {
  const before = await sandbox.snapshot();
  const up = await apply();
  if (failedTrace(up)) {
    sandbox.spoil();
    return { findings: [], upFailed: true, written: new Set() };
  }
  const down = await sandbox.apply(m, 'down');
  const wrote = written([...up, ...down]);
  const downFailure = failedTrace(down);
  if (downFailure) {
    sandbox.spoil();
    return { findings: [downFailed(m, m.down!, downFailure)], upFailed: false, written: wrote };
  }
  const changes = withoutIrreversible(
    diffCatalogs(before, await sandbox.snapshot()),
    sandbox.schemaPerTenant,
  );
  const differences = await compareWithCopies(observer, copies);
  const findings = [
    ...changeFindings(m, changes),
    ...dataLosses(m, differences, sandbox.tenant.schema),
  ];
  if (findings.length > 0) sandbox.spoil();
  const reapply = failedTrace(await sandbox.apply(m, 'up', UNTRACED));
  if (reapply) {
    sandbox.spoil();
    findings.push(reapplyFailed(m, reapply, changes));
  }
  return { findings, upFailed: false, written: wrote };
}

function downFailed(m: Migration, down: Script, t: StatementTrace): Finding {
  return finding(ROLLBACK.downFailed, {
    file: t.file,
    line: t.line,
    endLine: t.endLine,
    message: `The down of ${m.id} fails right after its up: ${pgErrorText(down, t)} ${stateAfterFailure(down, t)}`,
    help: 'Make the down undo exactly what the up did, in reverse order; run the up and then the down on a copy of production to reproduce.',
  });
}

export function reapplyFailed(
  m: Migration,
  t: StatementTrace,
  changes: CatalogChange[] = [],
): Finding {
  const left = changes
    .filter((c) => c.change === 'added')
    .map((c) => `${c.label ?? c.kind} ${displayName(c.name)}`);
  const cause = left.length > 0 ? ` (the down left ${left.join(', ')} behind)` : '';
  return finding(ROLLBACK.reapplyFailed, {
    file: t.file,
    line: t.line,
    endLine: t.endLine,
    message: `${m.id} cannot be applied again after its down${cause}: ${pgErrorText(m.up, t)}`,
    help: 'After a rollback the same migration must apply again: the down has to remove everything the up creates.',
  });
}

/**
 * The tables whose rows changed after up → down. What the up's own DROP COLUMN, TRUNCATE or
 * DELETE destroyed no down brings back, and the up's rules (drop-existing-object) already say
 * it: one warning per such statement, naming its tables; the rest is the down's doing.
 */
function dataLosses(m: Migration, differences: RowDifference[], tenantSchema: string): Finding[] {
  const name = (d: RowDifference) =>
    d.schema === tenantSchema ? d.table : `${d.schema}.${d.table}`;
  const byStatement = new Map<Statement, { how: string; parts: string[] }>();
  const out: Finding[] = [];
  for (const d of differences) {
    const destroyed = upDestroys(m.up, d);
    if (!destroyed) {
      out.push(dataLoss(m, m.down!, d, name(d)));
      continue;
    }
    const entry = byStatement.get(destroyed.statement) ?? { how: destroyed.how, parts: [] };
    entry.parts.push(`table ${name(d)} (which existed before the up) ${destroyed.what}`);
    byStatement.set(destroyed.statement, entry);
  }
  for (const [statement, { how, parts }] of byStatement)
    out.push(
      finding(ROLLBACK.dataLoss, {
        severity: 'warning',
        file: statement.file,
        line: statement.line,
        endLine: statement.endLine,
        message: `After ${m.id} up then down, ${parts.join('; ')}: the up ${how} at line ${statement.line} and no down can bring that data back, so a rollback restores the schema, not the data.`,
        help: 'Drop data only once the code that reads it is gone and no rollback needs it (expand, then contract in a later release), or copy it aside before the drop if a rollback must restore it.',
      }),
    );
  return out;
}

function dataLoss(m: Migration, down: Script, d: RowDifference, table: string): Finding {
  const stmt = statementAbout(down.statements, [d.table]) ?? down.statements[0];
  const what =
    d.rowsBefore !== d.rowsAfter
      ? `has ${d.rowsAfter} rows, it had ${d.rowsBefore}`
      : `has changed values in column(s) ${d.columns.join(', ')}`;
  return finding(ROLLBACK.dataLoss, {
    file: stmt?.file ?? down.file,
    line: stmt?.line ?? 1,
    ...(stmt ? { endLine: stmt.endLine } : {}),
    message: `After ${m.id} up then down, table ${table} (which existed before the up) ${what}: the down destroys data the up did not create.`,
    help: 'A down must only remove what its up added. Do not drop, truncate or rewrite tables and columns that existed before; if the up moves data, make the down move it back.',
  });
}

/** The up's statement that destroys what the comparison found changed: a dropped column, emptied rows. */
function upDestroys(
  up: Script,
  d: RowDifference,
): { statement: Statement; how: string; what: string } | undefined {
  for (const statement of up.statements) {
    const loss = lossBy(statement, d);
    if (loss) return { statement, ...loss };
  }
  return undefined;
}

/** What one statement of the up destroyed of the changed table, if anything. */
function lossBy(s: Statement, d: RowDifference): { how: string; what: string } | undefined {
  const rows = `has ${d.rowsAfter} rows, it had ${d.rowsBefore}`;
  const onTable = relationOf(s)?.relname === d.table;
  const dropped = onTable
    ? alterCommandsOf(astOf(s, 'AlterTableStmt'))
        .filter((c) => c.subtype === 'AT_DropColumn' && c.name && d.columns.includes(c.name))
        .map((c) => c.name!)
    : [];
  if (dropped.length > 0 && d.rowsBefore === d.rowsAfter) {
    const many = dropped.length > 1;
    return {
      how: `drops column ${dropped.join(', ')}`,
      what: `has ${many ? 'columns' : 'column'} ${dropped.join(', ')} back without ${many ? 'their' : 'its'} values`,
    };
  }
  const drop = astOf(s, 'DropStmt');
  if (
    drop?.removeType === 'OBJECT_TABLE' &&
    (drop.objects ?? []).some((o) => stringList(unwrap(o, 'List')?.items).pop() === d.table)
  )
    return {
      how: `drops table ${d.table}`,
      what: `is back with ${d.rowsAfter} rows, it had ${d.rowsBefore}`,
    };
  // TRUNCATE … CASCADE also empties the tables whose foreign keys reference those it names.
  const truncate = astOf(s, 'TruncateStmt');
  const names = unwrapAll(truncate?.relations, 'RangeVar').map((r) => r.relname);
  const cascade = truncate?.behavior === 'DROP_CASCADE';
  if (truncate && (cascade || names.includes(d.table)))
    return { how: `truncates ${names.join(', ')}${cascade ? ' with CASCADE' : ''}`, what: rows };
  if (s.kind === 'DeleteStmt' && onTable && d.rowsAfter < d.rowsBefore)
    return { how: `deletes rows of ${d.table}`, what: rows };
  return undefined;
}
