/**
 * What every migration format module provides, and the pieces they share to build Migration
 * records, and the duplicate versions discovery itself finds.
 */
import type {
  Discovery,
  Finding,
  Format,
  Migration,
  Script,
  TransactionMode,
} from '../core/model.js';
import type { Statement } from '../core/model.js';
import type { Settings } from '../core/settings.js';
import { duplicateVersionFinding } from '../rules/graph-findings.js';
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
  discover(repoRoot: string, dir: string, settings?: Settings): Promise<Discovery>;
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
    findings.push(duplicateVersionFinding(earlier, m, format));
  }
  return findings;
}
