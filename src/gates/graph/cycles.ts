/**
 * fk-cycle: foreign keys that form a cycle between tables after the PR, reported once per cycle
 * at the PR statement that closed it. Cycles production already has are not the PR's doing.
 */
import type { CatalogSnapshot, ConstraintInfo } from '../../catalog/types.js';
import type { Finding } from '../../core/model.js';
import type { GateContext } from '../gate.js';
import { cycleKey, cyclePath, findCycles, type Cycle, type Edge } from './algorithms.js';
import { bareName } from '../../sql/names.js';
import { foreignKeysAdded } from './ast.js';
import { displayTable, prStatements, snapshots, type PlacedStatement } from './context.js';
import { GRAPH, finding } from '../../rules/index.js';

type FkCycle = Cycle<ConstraintInfo>;

function foreignKeyEdges(snapshot: CatalogSnapshot): Array<Edge<ConstraintInfo>> {
  return snapshot.constraints
    .filter((c) => c.type === 'f' && c.references)
    .map((c) => ({ from: c.table, to: (c.references as { table: string }).table, data: c }));
}

export function fkCycleFindings(ctx: GateContext): Finding[] {
  const snap = snapshots(ctx);
  if (!snap) return [];
  const beforeEdges = foreignKeyEdges(snap.before);
  const existing = new Set(findCycles(beforeEdges).map((c) => cycleKey(c.nodes)));
  const statements = prStatements(ctx);
  return findCycles(foreignKeyEdges(snap.after))
    .filter((c) => !existing.has(cycleKey(c.nodes)))
    .map((c) => cycleFinding(ctx, snap.after, c, closingStatement(c, beforeEdges, statements)));
}

const hopKey = (from: string, to: string) => `${bareName(from)}→${bareName(to)}`;

/** The first PR statement after which every hop of the cycle exists. */
function closingStatement(
  cycle: FkCycle,
  beforeEdges: Array<Edge<ConstraintInfo>>,
  statements: PlacedStatement[],
): PlacedStatement | undefined {
  const hops = cycle.nodes.map((n, i) => hopKey(n, cycle.nodes[(i + 1) % cycle.nodes.length]));
  const present = new Set(beforeEdges.map((e) => hopKey(e.from, e.to)));
  for (const placed of statements) {
    for (const fk of foreignKeysAdded(placed.statement))
      present.add(hopKey(fk.table, fk.references));
    if (hops.every((h) => present.has(h))) return placed;
  }
  return undefined;
}

/** Reads the path from the table whose new foreign key closed the cycle, as its author thinks of it. */
function startAtClosingTable(nodes: string[], closer: PlacedStatement | undefined): string[] {
  const added = new Set(
    closer ? foreignKeysAdded(closer.statement).map((fk) => hopKey(fk.table, fk.references)) : [],
  );
  const start = nodes.findIndex((n, i) => added.has(hopKey(n, nodes[(i + 1) % nodes.length])));
  return start <= 0 ? nodes : [...nodes.slice(start), ...nodes.slice(0, start)];
}

/**
 * A foreign key that lets the cycle be written and emptied: its columns may be NULL (the row is
 * written first without it) and deleting the row it references clears or removes its own.
 */
function yields(snapshot: CatalogSnapshot, fk: ConstraintInfo): boolean {
  const columns = snapshot.tables.find((t) => t.name === fk.table)?.columns ?? [];
  const nullable = fk.columns.every((name) => columns.some((c) => c.name === name && !c.notNull));
  return nullable && (fk.onDelete === 'SET NULL' || fk.onDelete === 'CASCADE');
}

function cycleFinding(
  ctx: GateContext,
  after: CatalogSnapshot,
  cycle: FkCycle,
  closer: PlacedStatement | undefined,
): Finding {
  const constraints = cycle.hops.flat().map((e) => e.data);
  const strict = constraints.filter((c) => !c.deferrable);
  const path = cyclePath(startAtClosingTable(cycle.nodes, closer), displayTable);
  const where = closer
    ? {
        file: closer.statement.file,
        line: closer.statement.line,
        endLine: closer.statement.endLine,
      }
    : { file: ctx.plan.added[0]?.file, line: ctx.plan.added[0] ? 1 : undefined };
  const names = (cs: ConstraintInfo[]) =>
    cs.map((c) => `${displayTable(c.table)}.${c.name}`).join(', ');
  if (strict.length === 0) {
    return finding(GRAPH.fkCycle, {
      ...where,
      severity: 'warning',
      message: `foreign keys form a cycle ${path}; every foreign key in it is DEFERRABLE (${names(constraints)}), so rows that reference each other can be written in one transaction`,
      help: 'Write the rows of the cycle in one transaction (SET CONSTRAINTS ALL DEFERRED when they are INITIALLY IMMEDIATE), or break the cycle.',
    });
  }
  const yielding = strict.filter((c) => yields(after, c));
  if (yielding.length > 0) {
    return finding(GRAPH.fkCycle, {
      ...where,
      severity: 'warning',
      message: `foreign keys form a cycle ${path}; ${names(yielding)} may be NULL and has ON DELETE ${yielding[0].onDelete}, so rows are written with it NULL first and deletes go through, but data-only restores (pg_dump --data-only) need --disable-triggers`,
      help: 'Keep the nullable foreign key of the cycle nullable with its ON DELETE action, and write its rows before setting it; or break the cycle with a link table.',
    });
  }
  return finding(GRAPH.fkCycle, {
    ...where,
    message: `foreign keys form a cycle ${path}; not DEFERRABLE: ${names(strict)}, so neither side can be written first without a NULL placeholder patched later, and data-only restores (pg_dump --data-only) and bulk deletes fail on it`,
    help: 'Break the cycle (drop one foreign key, or move it into a link table), or declare every foreign key of the cycle DEFERRABLE INITIALLY DEFERRED.',
  });
}
