import type { Discovery, Finding, Ignore, Migration, Statement } from '../core/model.js';
import type { Options } from '../core/options.js';
import type { Plan } from '../plan/plan.js';
import { REPLAY, finding, type Rule } from '../rules/index.js';

/**
 * Applies `-- schemagate:ignore <rule> <reason>` comments and the config's `rules:` overrides.
 * An ignore without a reason, or one that suppresses nothing, is itself reported (a notice), so
 * stale suppressions do not pile up silently.
 */
export function applySuppressions(
  findings: Finding[],
  discovery: Discovery,
  plan: Plan | undefined,
  options: Options,
): Finding[] {
  const statements = statementsOf(
    plan ? [...plan.added, ...plan.changed.map((c) => c.head)] : discovery.migrations,
  );
  const used = new Set<Ignore>();
  const kept: Finding[] = [];
  for (const f of findings) {
    const ignore = matchingIgnore(f, statements);
    if (ignore && ignore.reason.trim() !== '') {
      used.add(ignore);
      continue;
    }
    kept.push(f);
  }
  kept.push(...ignoreNotices(statements, used));
  return applyRuleOverrides(kept, options.rules);
}

function statementsOf(migrations: Migration[]): Statement[] {
  return migrations.flatMap((m) => [...m.up.statements, ...(m.down?.statements ?? [])]);
}

function matchingIgnore(f: Finding, statements: Statement[]): Ignore | undefined {
  if (!f.file || f.line === undefined) return undefined;
  const stmt = statements.find(
    (s) => s.file === f.file && s.line <= f.line! && f.line! <= s.endLine,
  );
  return stmt?.ignores.find((i) => i.rule === f.rule);
}

function ignoreNotices(statements: Statement[], used: Set<Ignore>): Finding[] {
  const out: Finding[] = [];
  for (const s of statements) {
    for (const i of s.ignores) {
      if (i.reason.trim() === '') {
        out.push(
          notice(
            REPLAY.ignoreWithoutReason,
            s,
            i,
            `schemagate:ignore ${i.rule} has no reason; it suppresses nothing until it says why the statement is safe`,
          ),
        );
      } else if (!used.has(i)) {
        out.push(
          notice(
            REPLAY.unusedIgnore,
            s,
            i,
            `schemagate:ignore ${i.rule} suppresses nothing on the statement at line ${s.line}; remove it`,
          ),
        );
      }
    }
  }
  return out;
}

function notice(rule: Rule, s: Statement, i: Ignore, message: string): Finding {
  return finding(rule, { file: s.file, line: i.line, endLine: i.line, message });
}

function applyRuleOverrides(findings: Finding[], rules: Options['rules']): Finding[] {
  const out: Finding[] = [];
  for (const f of findings) {
    const override = rules[f.rule];
    if (override === 'off') continue;
    out.push(override ? { ...f, severity: override } : f);
  }
  return out;
}
