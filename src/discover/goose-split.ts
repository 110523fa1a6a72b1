/**
 * goose does not parse SQL: outside `-- +goose StatementBegin` / `StatementEnd` it ends a
 * statement at every line whose last word (before a `--` comment) ends with `;`. A function body
 * or DO block written without those annotations is therefore sent in pieces, and Postgres rejects
 * the first piece in production while a parser-based replay would pass. This finds such cuts.
 */
import type { Finding, Statement } from '../core/model.js';
import { REPLAY, finding } from '../rules/index.js';

const ANNOTATION = /^\s*--\s*\+goose\s+(\S+)/i;

function endsWithSemicolon(line: string): boolean {
  let last = '';
  for (const word of line.split(/\s+/).filter(Boolean)) {
    if (word.startsWith('--')) break;
    last = word;
  }
  return last.endsWith(';');
}

/** 1-based lines where goose ends a statement. */
export function gooseCutLines(source: string): Set<number> {
  const cuts = new Set<number>();
  let inBlock = false;
  source.split('\n').forEach((text, i) => {
    const annotation = ANNOTATION.exec(text)?.[1].toLowerCase();
    if (annotation === 'statementbegin') inBlock = true;
    else if (annotation === 'statementend') inBlock = false;
    else if (!annotation && !inBlock && endsWithSemicolon(text)) cuts.add(i + 1);
  });
  return cuts;
}

/** One blocker per statement that goose would cut before its last line. */
export function gooseSplitFindings(source: string, statements: Statement[]): Finding[] {
  const cuts = gooseCutLines(source);
  return statements.flatMap((s) => {
    const cut = [...cuts].find((line) => line >= s.line && line < s.endLine);
    if (cut === undefined) return [];
    return [
      finding(REPLAY.gooseStatementSplit, {
        file: s.file,
        line: s.line,
        endLine: s.endLine,
        message: `goose ends this ${s.kind} at line ${cut}, whose last word ends with ";", and sends the rest as another statement; Postgres rejects the pieces in production`,
        help: 'Wrap the statement in "-- +goose StatementBegin" and "-- +goose StatementEnd" lines.',
      }),
    ];
  });
}
