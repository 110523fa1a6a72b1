/**
 * Turns the SQL Alembic generated for a revision into Statements located in the revision's
 * Python file: every statement carries the lines of the `op.*` call that produced it (the SQL
 * text is Alembic's, the position is the developer's). Python comments
 * `# schemagate:ignore <rule-id> <reason>` directly above the call suppress like SQL ones do
 * (comments inside the generated SQL have no place in the Python file and are not read).
 */
import type { Ignore, Statement } from '../../core/model.js';
import { splitStatements } from '../../sql/split.js';
import type { SqlChunk } from './python.js';

const IGNORE = /^#\s*schemagate:ignore\b\s*(\S*)\s*(.*)$/;

/** The `# schemagate:ignore` lines in the comment block directly above `line`. */
function pythonIgnoresAbove(lines: string[], line: number): Ignore[] {
  const found: Ignore[] = [];
  for (let l = line - 1; l >= 1; l--) {
    const text = lines[l - 1].trim();
    if (!text.startsWith('#')) break;
    const m = IGNORE.exec(text);
    if (m) found.unshift({ rule: m[1], reason: m[2].trim(), line: l });
  }
  return found;
}

/** Alembic's own bookkeeping, in case an env.py emits it from inside a revision's call. */
function isVersionTableStatement(statement: Statement): boolean {
  return /^\s*(create\s+table|insert\s+into|update|delete\s+from|drop\s+table)\s+("?[\w.]*"?\.)?"?alembic_version"?\b/i.test(
    statement.sql,
  );
}

export function statementsFromChunks(
  chunks: SqlChunk[],
  file: string,
  source: string,
  fallbackLine: number,
): Statement[] {
  const lines = source.split(/\r?\n/);
  const ignoresByLine = new Map<number, Ignore[]>();
  const out: Statement[] = [];
  for (const chunk of chunks) {
    const line = chunk.line > 0 ? chunk.line : fallbackLine;
    const endLine = chunk.endLine >= line ? chunk.endLine : line;
    // One op call may emit several statements; they share its ignore directives.
    if (!ignoresByLine.has(line)) ignoresByLine.set(line, pythonIgnoresAbove(lines, line));
    for (const s of splitStatements(chunk.sql, file)) {
      if (isVersionTableStatement(s)) continue;
      out.push({ ...s, line, endLine, ignores: ignoresByLine.get(line)! });
    }
  }
  return out;
}
