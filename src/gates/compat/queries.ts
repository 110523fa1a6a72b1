/**
 * The queries the application ships: sqlc query files (`-- name: GetUser :one` blocks) or any
 * SQL file (each statement one query), as they are in the work tree and at the base ref.
 */
import { execFileSync } from 'node:child_process';
import { gitEnv } from '../../core/child-env.js';
import { readFileSync } from 'node:fs';
import { splitStatements } from '../../sql/split.js';
import { toPositional } from './placeholders.js';

export interface AppQuery {
  /** sqlc name, or `file:line` for a plain statement. */
  name: string;
  file: string;
  line: number;
  endLine: number;
  /** The query as written. */
  sql: string;
  /** The query with `$n` parameters, ready for PREPARE. */
  prepared: string;
  /** How the checked form differs from the text (sqlc's expansion of `*`), for messages. */
  note?: string;
}

const HEADER = /^\s*--\s*name:\s*(\S+)\s*:\w+/;

/** The body lines of each `-- name:` block; comment and blank lines around it are dropped. */
function sqlcQueries(file: string, text: string): AppQuery[] {
  const lines = text.split(/\r?\n/);
  const starts = lines.flatMap((l, i) => (HEADER.test(l) ? [i] : []));
  return starts.flatMap((start, k) => {
    const end = k + 1 < starts.length ? starts[k + 1] : lines.length;
    const body = lines.slice(start + 1, end);
    let last = body.length - 1;
    while (last >= 0 && (body[last].trim() === '' || body[last].trim().startsWith('--'))) last--;
    if (last < 0) return [];
    const sql = body
      .slice(0, last + 1)
      .join('\n')
      .trim()
      .replace(/;\s*$/, '');
    const name = HEADER.exec(lines[start])![1];
    return [
      { name, file, line: start + 1, endLine: start + 2 + last, sql, prepared: toPositional(sql) },
    ];
  });
}

function statementQueries(file: string, text: string): AppQuery[] {
  return splitStatements(text, file).map((s) => ({
    name: `${file}:${s.line}`,
    file,
    line: s.line,
    endLine: s.endLine,
    sql: s.sql,
    prepared: toPositional(s.sql),
  }));
}

export function queriesIn(file: string, text: string): AppQuery[] {
  return text.split(/\r?\n/).some((l) => HEADER.test(l))
    ? sqlcQueries(file, text)
    : statementQueries(file, text);
}

export function readWorkTree(repoRoot: string, files: string[]): AppQuery[] {
  return files.flatMap((f) => {
    const text = readText(() => readFileSync(`${repoRoot}/${f}`, 'utf8'));
    return text === undefined ? [] : queriesIn(f, text);
  });
}

/** The query files as they are at `commit`; a file the base does not have contributes nothing. */
export function readAtCommit(repoRoot: string, commit: string, files: string[]): AppQuery[] {
  return files.flatMap((f) => {
    const text = readText(() =>
      execFileSync('git', ['-C', repoRoot, 'show', `${commit}:./${f}`], {
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 64 << 20,
        env: gitEnv(),
      }).toString('utf8'),
    );
    return text === undefined ? [] : queriesIn(f, text);
  });
}

function readText(read: () => string): string | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Same query when the name and the text (whitespace aside) are the same. */
export function sameQuery(a: AppQuery, b: AppQuery): boolean {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  return (
    a.file === b.file &&
    a.name.split(':')[0] === b.name.split(':')[0] &&
    norm(a.sql) === norm(b.sql)
  );
}
