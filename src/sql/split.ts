/**
 * Splits a SQL file into statements with the real Postgres parser (libpg-query), keeping the
 * exact 1-based lines of each statement in the original file. Bad SQL never throws: a statement
 * that does not parse comes back with kind `Unparsed` and the parser's message.
 *
 * AST `location` fields are UTF-8 byte offsets into the file (as the parser reports them).
 */
import { loadModule, parseSync, scanSync, type ScanToken } from 'libpg-query';
import type { ParsedNode, Statement } from '../core/model.js';
import { entryOf, type RawStmt } from './ast.js';
import { ignoresAbove } from './ignores.js';
import { groupStatements } from './scan-split.js';
import { ByteText, codePointToByteOffset, withoutBom } from './text.js';

/** A statement's byte range in the file and what the parser made of it. */
interface Span {
  start: number;
  end: number;
  kind: string;
  ast?: ParsedNode;
  parseError?: string;
}

let loading: Promise<void> | undefined;
let ready = false;

/** Loads the parser's WASM module once; every later call returns at once. */
export async function initSqlParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    ready = true;
  });
  await loading;
}

export function splitStatements(source: string, file: string): Statement[] {
  if (!ready) throw new Error('the SQL parser is not loaded: await initSqlParser() first');
  const text = new ByteText(withoutBom(source));
  const spans = parseWhole(text);
  let previousEnd = 0;
  return spans.map((span) => {
    const statement = toStatement(text, span, file, previousEnd);
    previousEnd = statement.endLine;
    return statement;
  });
}

function toStatement(text: ByteText, span: Span, file: string, floorLine: number): Statement {
  const line = text.lineAt(span.start);
  return {
    sql: text.slice(span.start, span.end),
    file,
    line,
    endLine: text.lineAt(span.end - 1),
    kind: span.kind,
    ...(span.ast ? { ast: span.ast } : {}),
    ...(span.parseError !== undefined ? { parseError: span.parseError } : {}),
    ignores: ignoresAbove(text, line, floorLine),
  };
}

/** The whole file in one parse; on a syntax error, statement by statement. */
function parseWhole(text: ByteText): Span[] {
  try {
    const result = parseSync(text.source);
    return spansOf(result.stmts ?? [], text, 0, text.length);
  } catch (error) {
    return splitTolerant(text, error);
  }
}

/**
 * Spans of parsed statements, each from its first to its last token (leading comments and
 * whitespace are not part of a statement). `offset` is where the parsed text starts in the file.
 */
function spansOf(stmts: RawStmt[], text: ByteText, offset: number, length: number): Span[] {
  return stmts.flatMap((raw) => {
    if (!raw.stmt) return [];
    const from = offset + (raw.stmt_location ?? 0);
    const to = raw.stmt_len ? from + raw.stmt_len : offset + length;
    const range = tokenRange(text, from, to);
    if (!range) return [];
    const [kind, ast] = entryOf(raw.stmt);
    if (offset) shiftLocations(ast, offset);
    return [{ ...range, kind, ast }];
  });
}

/**
 * The bytes from the first to the last token in `from..to`. Trimming whitespace is enough unless
 * a comment may sit at either end; only then is the range scanned (scanning is the slow part).
 */
function tokenRange(text: ByteText, from: number, to: number) {
  const raw = text.slice(from, to);
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  const lastLine = trimmed.slice(trimmed.lastIndexOf('\n') + 1);
  const plain = !/^(--|\/\*)/.test(trimmed) && !/--|\*\/$|;$/.test(lastLine);
  if (plain) {
    const start = from + Buffer.byteLength(raw.slice(0, raw.length - raw.trimStart().length));
    return { start, end: start + Buffer.byteLength(trimmed) };
  }
  const code = scanSync(raw).tokens.filter(
    (t) => t.tokenName !== 'SQL_COMMENT' && t.tokenName !== 'C_COMMENT',
  );
  while (code.length > 0 && code[code.length - 1].text === ';') code.pop();
  if (code.length === 0) return undefined;
  return { start: from + code[0].start, end: from + code[code.length - 1].end };
}

/**
 * Splits on top-level `;` with the scanner and parses each piece alone. When the scanner itself
 * fails (an unterminated quote, comment or dollar quote), everything from the statement holding
 * the error to the end of the file is one unparsed statement: nothing after it can be located.
 */
function splitTolerant(text: ByteText, wholeError: unknown): Span[] {
  let tokens: ScanToken[];
  let tailFrom: number | undefined;
  try {
    tokens = scanSync(text.source).tokens;
  } catch {
    tailFrom = errorOffset(wholeError, text.source, 0) ?? 0;
    tokens = scanPrefix(text.slice(0, tailFrom));
  }
  const groups = groupStatements(tokens);
  const last = groups[groups.length - 1];
  if (tailFrom !== undefined && last && !last.terminated) {
    tailFrom = last.tokens[0].start;
    groups.pop();
  }
  const spans = groups.flatMap((g) => parsePiece(text, g.tokens[0].start, g.tokens.at(-1)!.end));
  if (tailFrom !== undefined) spans.push(...tailSpan(text, tailFrom));
  return spans;
}

function scanPrefix(prefix: string): ScanToken[] {
  try {
    return scanSync(prefix).tokens;
  } catch {
    return [];
  }
}

function tailSpan(text: ByteText, from: number): Span[] {
  const rest = text.slice(from, text.length);
  const start = from + Buffer.byteLength(rest.slice(0, rest.length - rest.trimStart().length));
  const end = from + Buffer.byteLength(rest.trimEnd());
  return start < end ? parsePiece(text, start, end) : [];
}

function parsePiece(text: ByteText, start: number, end: number): Span[] {
  const piece = text.slice(start, end);
  try {
    const result = parseSync(piece);
    return spansOf(result.stmts ?? [], text, start, end - start);
  } catch (error) {
    return [{ start, end, kind: 'Unparsed', parseError: describeError(error, piece, start, text) }];
  }
}

/** The parser's message on one line, with the file line of the error when the parser gave one. */
function describeError(error: unknown, piece: string, start: number, text: ByteText): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0];
  const shown = firstLine === message ? message : `${firstLine}…"`;
  const offset = errorOffset(error, piece, start);
  return offset === undefined ? shown : `${shown} (line ${text.lineAt(offset)})`;
}

/** File byte offset of a parse error's cursor (a code-point index into the parsed text). */
function errorOffset(error: unknown, parsed: string, start: number): number | undefined {
  const cursor = (error as { sqlDetails?: { cursorPosition?: number } })?.sqlDetails
    ?.cursorPosition;
  if (typeof cursor !== 'number' || cursor < 0) return undefined;
  return start + codePointToByteOffset(parsed, cursor);
}

/** Moves the AST's parse locations from piece-relative to file-relative byte offsets. */
function shiftLocations(node: unknown, shift: number): void {
  if (Array.isArray(node)) {
    for (const item of node) shiftLocations(item, shift);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (key === 'location' && typeof value === 'number' && value >= 0) record[key] = value + shift;
    else shiftLocations(value, shift);
  }
}
