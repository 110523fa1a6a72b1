import type { Migration, Statement } from '../../core/model.js';
import { mentions } from './names.js';
import { touchesOf, type Touch, type TouchAction, type TouchKind } from './touches.js';

export interface Where {
  file: string;
  line: number;
  endLine: number;
}

export interface ObjectQuery {
  kind: TouchKind;
  /** Bare object name (for policies the policy's name). */
  name: string;
  /** For policies: the table's bare name. */
  table?: string;
  /** Acceptable actions, most wanted first; all actions when absent. */
  actions?: TouchAction[];
}

function where(s: Statement): Where {
  return { file: s.file, line: s.line, endLine: s.endLine };
}

/**
 * Finds the statements behind catalog objects: the PR's latest statement that touches the
 * object with a wanted action, else the merged migration that created it, else a PR statement
 * that names it (a DO block), else the PR's first migration file.
 */
export class StatementLocator {
  private readonly pr: Array<{ stmt: Statement; touches: Touch[] }>;
  private readonly merged: Array<{ stmt: Statement; touches: Touch[] }>;

  constructor(added: Migration[], merged: Migration[]) {
    const index = (ms: Migration[]) =>
      ms.flatMap((m) => m.up.statements.map((stmt) => ({ stmt, touches: touchesOf(stmt) })));
    this.pr = index(added);
    this.merged = index(merged);
  }

  get prStatements(): Statement[] {
    return this.pr.map((e) => e.stmt);
  }

  private matches(t: Touch, q: ObjectQuery, action?: TouchAction): boolean {
    if (t.kind !== q.kind || t.name !== q.name) return false;
    if (q.table !== undefined && t.table !== undefined && t.table !== q.table) return false;
    return action === undefined || t.action === action;
  }

  /** The PR's latest statement touching the object with one of the actions (in order of preference). */
  inPr(q: ObjectQuery): Where | undefined {
    for (const action of q.actions ?? [undefined]) {
      const hit = [...this.pr]
        .reverse()
        .find((e) => e.touches.some((t) => this.matches(t, q, action)));
      if (hit) return where(hit.stmt);
    }
    return undefined;
  }

  find(q: ObjectQuery): Where | undefined {
    const inPr = this.inPr(q);
    if (inPr) return inPr;
    const created = this.merged.find((e) => e.touches.some((t) => this.matches(t, q, 'create')));
    if (created) return where(created.stmt);
    const named = this.pr.find((e) => e.stmt.kind === 'DoStmt' && mentions(e.stmt.sql, q.name));
    return named ? where(named.stmt) : this.fallback();
  }

  /**
   * The PR's latest statement that drops a policy of the table or turns its row-level security
   * off or stops forcing it.
   */
  weakeningInPr(table: string): Where | undefined {
    const weakens = (t: Touch) =>
      (t.kind === 'policy' && t.table === table && t.action === 'drop') ||
      (t.kind === 'table' &&
        t.name === table &&
        (t.action === 'rls-disable' || t.action === 'rls-noforce'));
    const hit = [...this.pr].reverse().find((e) => e.touches.some(weakens));
    return hit ? where(hit.stmt) : undefined;
  }

  /** The PR's latest CREATE or ALTER POLICY on the table, and the policy's name. */
  policyInPr(table: string): (Where & { policy: string }) | undefined {
    for (const e of [...this.pr].reverse()) {
      const t = e.touches.find(
        (x) =>
          x.kind === 'policy' &&
          x.table === table &&
          (x.action === 'create' || x.action === 'alter'),
      );
      if (t) return { ...where(e.stmt), policy: t.name };
    }
    return undefined;
  }

  /** For differences the PR made: its statement touching or naming the object, else its first. */
  causeInPr(q: ObjectQuery): Where | undefined {
    const named = this.pr.find((e) => e.stmt.kind === 'DoStmt' && mentions(e.stmt.sql, q.name));
    return this.inPr(q) ?? (named ? where(named.stmt) : this.fallback());
  }

  /** The first statement of the PR, for findings about the PR as a whole. */
  fallback(): Where | undefined {
    const first = this.pr[0]?.stmt;
    return first ? where(first) : undefined;
  }
}
