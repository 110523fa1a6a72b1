/**
 * What every migration format module provides, and the pieces they share to build Migration
 * records and the findings discovery itself can make (orphan downs, duplicate versions).
 */
import type {
  Discovery,
  Finding,
  Format,
  Migration,
  Script,
  Severity,
  TransactionMode,
} from '../core/model.js';
import type { Statement } from '../core/model.js';
import type { GateSettings } from '../core/options.js';
import { splitStatements } from '../sql/split.js';

export interface FormatModule {
  format: Format;
  /** Auto-detection tries formats in ascending priority; the first that recognises the dir wins. */
  priority: number;
  /** The naming the format expects, for "no migrations found" messages. */
  expects: string;
  /** A reason (`found 12 files named ...`) when the absolute directory looks like this format. */
  detect(dir: string): Promise<string | undefined>;
  /** `settings` carries per-format settings (e.g. `alembic.python`) from `.schemagate.yml`. */
  discover(repoRoot: string, dir: string, settings?: GateSettings): Promise<Discovery>;
}

export function scriptOf(file: string, source: string, transaction: TransactionMode): Script {
  return { file, transaction, statements: splitStatements(source, file) };
}

export function scriptFromStatements(
  file: string,
  statements: Statement[],
  transaction: TransactionMode,
): Script {
  return { file, transaction, statements };
}

/** A down only counts when it does something: an empty down is a missing down. */
export function downOrNothing(script: Script | undefined): Script | undefined {
  return script && script.statements.length > 0 ? script : undefined;
}

/** Ascending by sort key, ties by file name, as every file-based tool orders. */
export function byVersion(
  compare: (a: Migration['sortKey'], b: Migration['sortKey']) => number,
): (a: Migration, b: Migration) => number {
  return (a, b) =>
    compare(a.sortKey, b.sortKey) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
}

/** A finding discovery makes, at `at` (to `at.endLine`, else the same line), with its rule's page. */
export function discoveryFinding(
  gate: 'graph' | 'replay',
  rule: string,
  severity: Severity,
  at: { file: string; line: number; endLine?: number },
  message: string,
  help: string,
): Finding {
  return {
    gate,
    rule,
    severity,
    file: at.file,
    line: at.line,
    endLine: at.endLine ?? at.line,
    message,
    help,
    docs: `docs/rules/${rule}.md`,
  };
}

export function orphanDownFinding(file: string, version: string, format: string): Finding {
  return discoveryFinding(
    'graph',
    'orphan-down',
    'blocker',
    { file, line: 1 },
    `${file} has no up migration with version ${version}; ${format} pairs up and down by version, so this down never runs`,
    'Add the up migration of this version, renumber the down to its up’s version, or delete it.',
  );
}

/** One finding per migration that reuses the version of an earlier one (the first is kept). */
export function duplicateVersionFindings(
  migrations: Migration[],
  versionKey: (m: Migration) => string,
  format: string,
): Finding[] {
  const first = new Map<string, Migration>();
  const findings: Finding[] = [];
  for (const m of migrations.filter((x) => !x.repeatable)) {
    const key = versionKey(m);
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, m);
      continue;
    }
    findings.push(
      discoveryFinding(
        'graph',
        'duplicate-version',
        'blocker',
        { file: m.file, line: 1 },
        `version ${m.id} is used twice: ${earlier.file} and ${m.file}; ${format} records a version once, so it either refuses the directory or runs only one of them`,
        'Give the newer migration a version of its own, higher than every merged one.',
      ),
    );
  }
  return findings;
}
