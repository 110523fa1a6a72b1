/**
 * Splits a SQL file into statements with the real Postgres parser (libpg-query), keeping the
 * exact 1-based lines of each statement in the original file. Bad SQL never throws: a statement
 * that does not parse comes back with kind `Unparsed` and the parser's message.
 *
 * A file up to WHOLE_FILE_PARSE_BYTES is parsed at once. A larger one (a data load) is scanned in
 * slices and parsed statement by statement, and a statement over MAX_PARSED_STATEMENT_BYTES is
 * not parsed at all (kind `NotParsed`): replay runs it and the live database judges it.
 *
 * AST `location` fields are UTF-8 byte offsets into the file (as the parser reports them).
 */
import { loadModule, parseSync, scanSync, type ScanToken } from 'libpg-query';
import { getErrorMessage } from '../core/errors.js';
import type { ParsedNode, Statement } from '../core/model.js';
import { entryOf, unwrap, type NodeOf, type RawStmt } from './ast.js';
import { ignoresAbove } from './ignores.js';
import { StatementGrouper } from './scan-split.js';
import { roughStatements, type RoughStatement } from './slices.js';
import { ByteText, codePointToByteOffset, withoutBom } from './text.js';

/**
 * The largest statement that is parsed. The parser's tree of a multi-row INSERT is 20-30 times
 * its text (JSON in the parser's WASM heap, which never shrinks, then again as JS objects), and
 * the parser aborts near 650 MB ("Terminating process due to FATAL error"). No check needs the
 * tree of a statement this large (schema changes are small; data loads are checked by running
 * them), so a larger one is replayed and judged by the live database alone
 * (`statement-not-parsed`).
 */
export const MAX_PARSED_STATEMENT_BYTES = 1024 * 1024;

/** Files up to this size are parsed in one call; larger ones in batches of statements. */
const WHOLE_FILE_PARSE_BYTES = MAX_PARSED_STATEMENT_BYTES;

/** How much SQL of a large file goes to the parser at once (one larger statement goes alone). */
const PARSE_BATCH_BYTES = 256 * 1024;

/** The kind of a statement too large to parse (see MAX_PARSED_STATEMENT_BYTES). */
export const NOT_PARSED = 'NotParsed';

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
  const spans =
    text.length > WHOLE_FILE_PARSE_BYTES
      ? splitLarge(text)
      : parseRange(text, 0, text.length, true)!;
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

/**
 * The statements of `from..to` in one parse; when the parser refuses it, statement by statement
 * (splitTolerant). Undefined when `final` is false and the range ends inside a statement.
 */
function parseRange(text: ByteText, from: number, to: number, final: boolean): Span[] | undefined {
  const piece = text.slice(from, to);
  let error: unknown;
  if (to - from <= MAX_PARSED_STATEMENT_BYTES) {
    try {
      return spansOf(parseSync(piece).stmts ?? [], text, from, to - from);
    } catch (e) {
      error = e;
    }
  }
  return splitTolerant(text, piece, from, error, final);
}

/**
 * A file too large to parse at once (a data load), parsed in batches of whole statements cut
 * where roughStatements sees a top-level `;`, so that the parser's memory stays that of one
 * batch. A statement over MAX_PARSED_STATEMENT_BYTES is not parsed. A batch that ends inside a
 * statement the cut misjudged (a `BEGIN ATOMIC` body) takes the next statements until it does not.
 */
function splitLarge(text: ByteText): Span[] {
  const spans: Span[] = [];
  let batch: { from: number; to: number; limit: number } | undefined;
  const flush = (final: boolean): void => {
    if (!batch) return;
    const parsed = parseRange(text, batch.from, batch.to, final);
    if (parsed) {
      spans.push(...parsed);
      batch = undefined;
    } else {
      // Try again once it has doubled, not after every statement: the scanner reads it whole.
      batch.limit = 2 * (batch.to - batch.from);
    }
  };
  for (const s of roughStatements(text.bytes)) {
    if (batch && s.cut - batch.from > batch.limit) flush(false);
    if (batch) batch.to = s.cut;
    else if (s.end - s.start > MAX_PARSED_STATEMENT_BYTES) spans.push(notParsed(s));
    else batch = { from: s.start, to: s.cut, limit: PARSE_BATCH_BYTES };
  }
  flush(true);
  return spans;
}

function notParsed(s: RoughStatement): Span {
  return { start: s.start, end: s.end, kind: NOT_PARSED };
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
    if (kind === 'InsertStmt') dropConstantRows(ast as NodeOf<'InsertStmt'>);
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
 * Splits `piece` (the text at `from`) on top-level `;` with the scanner and parses each statement
 * alone. When the scanner itself fails (an unterminated quote, comment or dollar quote),
 * everything from the statement holding the error to the end is one unparsed statement: nothing
 * after it can be located. Undefined when `final` is false and the piece ends inside a statement
 * (or the scanner fails): the caller adds the next statements and tries again.
 */
function splitTolerant(
  text: ByteText,
  piece: string,
  from: number,
  wholeError: unknown,
  final: boolean,
): Span[] | undefined {
  const to = from + Buffer.byteLength(piece);
  let tokens: ScanToken[];
  let tailFrom: number | undefined;
  try {
    tokens = scanSync(piece).tokens;
  } catch {
    if (!final) return undefined;
    tailFrom = errorOffset(wholeError, piece, from) ?? from;
    tokens = scanPrefix(text.slice(from, tailFrom));
  }
  const grouper = new StatementGrouper();
  const groups = grouper.push(tokens, from);
  const open = grouper.finish();
  if (open && !final && tailFrom === undefined) return undefined;
  if (open && tailFrom !== undefined) tailFrom = open.start;
  else if (open) groups.push(open);
  const spans = groups.flatMap((g) => parsePiece(text, g.start, g.end));
  if (tailFrom !== undefined) spans.push(...tailSpan(text, tailFrom, to));
  return spans;
}

function scanPrefix(prefix: string): ScanToken[] {
  try {
    return scanSync(prefix).tokens;
  } catch {
    return [];
  }
}

function tailSpan(text: ByteText, from: number, to: number): Span[] {
  const rest = text.slice(from, to);
  const start = from + Buffer.byteLength(rest.slice(0, rest.length - rest.trimStart().length));
  const end = from + Buffer.byteLength(rest.trimEnd());
  return start < end ? parsePiece(text, start, end) : [];
}

function parsePiece(text: ByteText, start: number, end: number): Span[] {
  // Over the bound, not even the error of a broken statement is worth the parser's memory.
  if (end - start > MAX_PARSED_STATEMENT_BYTES) return [{ start, end, kind: NOT_PARSED }];
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
  const message = isParserAbort(error)
    ? 'the SQL parser ran out of memory on this statement'
    : getErrorMessage(error);
  const firstLine = message.split('\n')[0];
  const shown = firstLine === message ? message : `${firstLine}…"`;
  const offset = errorOffset(error, piece, start);
  return offset === undefined ? shown : `${shown} (line ${text.lineAt(offset)})`;
}

/** Emscripten's exit when the parser hit a FATAL error (out of memory), thrown as a plain object. */
function isParserAbort(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ExitStatus';
}

/**
 * Drops the VALUES rows of an INSERT made of literal constants (A_Const) only: no check reads a
 * literal, and in a data load these rows are nearly all of the tree. A row with anything else (a
 * cast to a type, a function call, a subquery) stays, since it names objects.
 */
function dropConstantRows(insert: NodeOf<'InsertStmt'>): void {
  const select = unwrap(insert.selectStmt, 'SelectStmt');
  if (!select?.valuesLists) return;
  select.valuesLists = select.valuesLists.filter(
    (row) => !(unwrap(row, 'List')?.items ?? []).every((item) => 'A_Const' in item),
  );
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
