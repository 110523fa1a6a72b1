// measure-tmp.ts
import { readFileSync } from "node:fs";

// src/sql/split.ts
import { loadModule, parseSync, scanSync } from "libpg-query";

// src/core/errors.ts
function getErrorMessage(error) {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "string") return error;
  if (error === null || error === void 0) return String(error);
  if (typeof error !== "object") return String(error);
  const message = error.message;
  if (typeof message === "string" && message !== "") return message;
  return toJson(error);
}
function toJson(value) {
  try {
    const json = JSON.stringify(
      value,
      (_key, v) => typeof v === "bigint" ? v.toString() : v
    );
    if (json !== void 0 && json !== "{}") return json;
  } catch {
  }
  const text = safeString(value);
  if (text !== void 0 && text !== "[object Object]") return text;
  const name = value.constructor?.name;
  return name && name !== "Object" ? `a ${name} with no message` : "an object with no message";
}
function safeString(value) {
  try {
    return String(value);
  } catch {
    return void 0;
  }
}

// src/sql/ast.ts
function entryOf(node) {
  return Object.entries(node)[0];
}
function unwrap(node, tag) {
  if (!node || !(tag in node)) return void 0;
  return node[tag];
}

// src/sql/ignores.ts
var DIRECTIVE = /^--\s*schemagate:ignore\b\s*(\S*)\s*(.*)$/;
function parseIgnoreLine(text, line) {
  const m = DIRECTIVE.exec(text.trim());
  if (!m) return void 0;
  return { rule: m[1], reason: m[2].trim(), line };
}
function ignoresAbove(text, line, floorLine) {
  const found = [];
  for (let l = line - 1; l > floorLine; l--) {
    const content = text.lineText(l).trim();
    if (!content.startsWith("--")) break;
    const ignore = parseIgnoreLine(content, l);
    if (ignore) found.unshift(ignore);
  }
  return found;
}

// src/sql/scan-split.ts
var isComment = (t) => t.tokenName === "SQL_COMMENT" || t.tokenName === "C_COMMENT";
var isWord = (t) => /^[A-Za-z_]/.test(t.text);
var StatementGrouper = class {
  current = new StatementState();
  /** The statements a `;` in these tokens ended, in file offsets. */
  push(tokens, offset) {
    const groups = [];
    for (const token of tokens) {
      if (isComment(token)) continue;
      if (token.text === ";" && this.current.atTopLevel()) {
        const range = this.current.range();
        if (range) groups.push({ ...range, terminated: true });
        this.current = new StatementState();
        continue;
      }
      this.current.add(token, offset);
    }
    return groups;
  }
  /** Where the statement no `;` has ended yet starts, if there is one. */
  get pendingStart() {
    return this.current.range()?.start;
  }
  /** The statement left without a `;` at the end of the file, if any. */
  finish() {
    const range = this.current.range();
    this.current = new StatementState();
    return range ? { ...range, terminated: false } : void 0;
  }
};
var StatementState = class {
  start = -1;
  end = -1;
  words = [];
  parenDepth = 0;
  beginDepth = 0;
  atTopLevel() {
    return this.parenDepth === 0 && this.beginDepth === 0;
  }
  range() {
    return this.start < 0 ? void 0 : { start: this.start, end: this.end };
  }
  add(token, offset) {
    if (this.start < 0) this.start = offset + token.start;
    this.end = offset + token.end;
    if (token.text === "(") this.parenDepth++;
    else if (token.text === ")") this.parenDepth = Math.max(0, this.parenDepth - 1);
    else if (isWord(token)) this.addWord(token.text.toLowerCase());
  }
  addWord(word) {
    if (this.words.length < 4) this.words.push(word);
    if (!this.definesRoutine() || this.parenDepth > 0) return;
    if (word === "begin") this.beginDepth++;
    else if (word === "case" && this.beginDepth > 0) this.beginDepth++;
    else if (word === "end" && this.beginDepth > 0) this.beginDepth--;
  }
  /** CREATE [OR REPLACE] FUNCTION|PROCEDURE */
  definesRoutine() {
    const [a, b, c, d] = this.words;
    const routine = (w) => w === "function" || w === "procedure";
    return a === "create" && (routine(b) || b === "or" && c === "replace" && routine(d));
  }
};

// src/sql/slices.ts
var SEMICOLON = 59;
var QUOTE = 39;
var DOUBLE_QUOTE = 34;
var DOLLAR = 36;
var DASH = 45;
var SLASH = 47;
var STAR = 42;
var BACKSLASH = 92;
var NEWLINE = 10;
function identByte(b) {
  if (b === void 0) return false;
  return b >= 48 && b <= 57 || b >= 65 && b <= 90 || b >= 97 && b <= 122 || b === 95 || b === DOLLAR || b >= 128;
}
function tagStartByte(b) {
  return identByte(b) && b !== DOLLAR && !(b >= 48 && b <= 57);
}
function* roughStatements(bytes) {
  const n = bytes.length;
  let i = 0;
  let start = -1;
  let end = -1;
  let depth = 0;
  const code = (from, to) => {
    if (start < 0) start = from;
    end = to;
  };
  while (i < n) {
    const b = bytes[i];
    let next;
    if (b === SEMICOLON && depth === 0) {
      if (start >= 0) yield { start, end, cut: i + 1 };
      start = -1;
      i++;
      continue;
    } else if (b === DASH && bytes[i + 1] === DASH) {
      const nl = bytes.indexOf(NEWLINE, i + 2);
      i = nl < 0 ? n : nl + 1;
      continue;
    } else if (b === SLASH && bytes[i + 1] === STAR) {
      i = blockCommentEnd(bytes, i + 2);
      continue;
    } else if (b === 32 || b === NEWLINE || b === 9 || b === 13 || b === 12) {
      i++;
      continue;
    } else if (b === QUOTE) {
      next = quotedEnd(bytes, i + 1, QUOTE, escapeString(bytes, i));
    } else if (b === DOUBLE_QUOTE) {
      next = quotedEnd(bytes, i + 1, DOUBLE_QUOTE, false);
    } else if (b === DOLLAR && !identByte(bytes[i - 1])) {
      next = dollarQuotedEnd(bytes, i);
    } else if (identByte(b)) {
      next = i + 1;
      while (next < n && identByte(bytes[next])) next++;
    } else {
      if (b === 40) depth++;
      else if (b === 41) depth = Math.max(0, depth - 1);
      next = i + 1;
    }
    code(i, next);
    i = next;
  }
  if (start >= 0) yield { start, end, cut: n };
}
function escapeString(bytes, quote) {
  const prefix = bytes[quote - 1];
  return (prefix === 69 || prefix === 101) && !identByte(bytes[quote - 2]);
}
function quotedEnd(bytes, i, quote, escapes) {
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (escapes && b === BACKSLASH) i += 2;
    else if (b !== quote) i++;
    else if (bytes[i + 1] === quote) i += 2;
    else return i + 1;
  }
  return n;
}
function blockCommentEnd(bytes, i) {
  const n = bytes.length;
  let depth = 1;
  while (i < n) {
    if (bytes[i] === SLASH && bytes[i + 1] === STAR) {
      depth++;
      i += 2;
    } else if (bytes[i] === STAR && bytes[i + 1] === SLASH) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return n;
}
function dollarQuotedEnd(bytes, i) {
  let j = i + 1;
  if (tagStartByte(bytes[j])) {
    while (j < bytes.length && identByte(bytes[j]) && bytes[j] !== DOLLAR) j++;
  }
  if (bytes[j] !== DOLLAR) return i + 1;
  const delimiter = bytes.subarray(i, j + 1);
  const close = bytes.indexOf(delimiter, j + 1);
  return close < 0 ? bytes.length : close + delimiter.length;
}

// src/sql/text.ts
var ByteText = class {
  constructor(source) {
    this.source = source;
    this.bytes = Buffer.from(source, "utf8");
    this.lineStarts = [0];
    for (let i = 0; i < this.bytes.length; i++) {
      if (this.bytes[i] === 10) this.lineStarts.push(i + 1);
    }
  }
  source;
  bytes;
  /** Byte offset where each line starts; index 0 is line 1. */
  lineStarts;
  get length() {
    return this.bytes.length;
  }
  get lineCount() {
    return this.lineStarts.length;
  }
  /** 1-based line holding the byte at `offset`. */
  lineAt(offset) {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = lo + hi + 1 >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
  /** The text of 1-based line `line`, without its line break. */
  lineText(line) {
    const start = this.lineStarts[line - 1];
    const next = this.lineStarts[line];
    const end = next === void 0 ? this.bytes.length : next - 1;
    return this.slice(start, end).replace(/\r$/, "");
  }
  slice(start, end) {
    return this.bytes.subarray(start, end).toString("utf8");
  }
};
function codePointToByteOffset(text, codePoints) {
  let bytes = 0;
  let seen = 0;
  for (const ch of text) {
    if (seen >= codePoints) break;
    bytes += Buffer.byteLength(ch, "utf8");
    seen++;
  }
  return bytes;
}
function withoutBom(source) {
  return source.startsWith("\uFEFF") ? `   ${source.slice(1)}` : source;
}

// src/sql/split.ts
var MAX_PARSED_STATEMENT_BYTES = 1024 * 1024;
var WHOLE_FILE_PARSE_BYTES = MAX_PARSED_STATEMENT_BYTES;
var PARSE_BATCH_BYTES = 256 * 1024;
var NOT_PARSED = "NotParsed";
var loading;
var ready = false;
async function initSqlParser() {
  loading ??= loadModule().then(() => {
    ready = true;
  });
  await loading;
}
function splitStatements(source, file) {
  if (!ready) throw new Error("the SQL parser is not loaded: await initSqlParser() first");
  const text = new ByteText(withoutBom(source));
  const spans = text.length > WHOLE_FILE_PARSE_BYTES ? splitLarge(text) : parseRange(text, 0, text.length, true);
  let previousEnd = 0;
  return spans.map((span) => {
    const statement = toStatement(text, span, file, previousEnd);
    previousEnd = statement.endLine;
    return statement;
  });
}
function toStatement(text, span, file, floorLine) {
  const line = text.lineAt(span.start);
  return {
    sql: text.slice(span.start, span.end),
    file,
    line,
    endLine: text.lineAt(span.end - 1),
    kind: span.kind,
    ...span.ast ? { ast: span.ast } : {},
    ...span.parseError !== void 0 ? { parseError: span.parseError } : {},
    ignores: ignoresAbove(text, line, floorLine)
  };
}
function parseRange(text, from, to, final) {
  const piece = text.slice(from, to);
  let error;
  if (to - from <= MAX_PARSED_STATEMENT_BYTES) {
    try {
      return spansOf(parseSync(piece).stmts ?? [], text, from, to - from);
    } catch (e) {
      error = e;
    }
  }
  return splitTolerant(text, piece, from, error, final);
}
function splitLarge(text) {
  const spans = [];
  let batch;
  const flush = (final) => {
    if (!batch) return true;
    const parsed = parseRange(text, batch.from, batch.to, final);
    if (!parsed) return false;
    spans.push(...parsed);
    batch = void 0;
    return true;
  };
  for (const s of roughStatements(text.bytes)) {
    if (batch && s.cut - batch.from > PARSE_BATCH_BYTES && !flush(false)) {
      batch.to = s.cut;
      continue;
    }
    if (batch) batch.to = s.cut;
    else if (s.end - s.start > MAX_PARSED_STATEMENT_BYTES) spans.push(notParsed(s));
    else batch = { from: s.start, to: s.cut };
  }
  flush(true);
  return spans;
}
function notParsed(s) {
  return { start: s.start, end: s.end, kind: NOT_PARSED };
}
function spansOf(stmts, text, offset, length) {
  return stmts.flatMap((raw) => {
    if (!raw.stmt) return [];
    const from = offset + (raw.stmt_location ?? 0);
    const to = raw.stmt_len ? from + raw.stmt_len : offset + length;
    const range = tokenRange(text, from, to);
    if (!range) return [];
    const [kind, ast] = entryOf(raw.stmt);
    if (kind === "InsertStmt") dropConstantRows(ast);
    if (offset) shiftLocations(ast, offset);
    return [{ ...range, kind, ast }];
  });
}
function tokenRange(text, from, to) {
  const raw = text.slice(from, to);
  const trimmed = raw.trim();
  if (trimmed === "") return void 0;
  const lastLine = trimmed.slice(trimmed.lastIndexOf("\n") + 1);
  const plain = !/^(--|\/\*)/.test(trimmed) && !/--|\*\/$|;$/.test(lastLine);
  if (plain) {
    const start = from + Buffer.byteLength(raw.slice(0, raw.length - raw.trimStart().length));
    return { start, end: start + Buffer.byteLength(trimmed) };
  }
  const code = scanSync(raw).tokens.filter(
    (t) => t.tokenName !== "SQL_COMMENT" && t.tokenName !== "C_COMMENT"
  );
  while (code.length > 0 && code[code.length - 1].text === ";") code.pop();
  if (code.length === 0) return void 0;
  return { start: from + code[0].start, end: from + code[code.length - 1].end };
}
function splitTolerant(text, piece, from, wholeError, final) {
  const to = from + Buffer.byteLength(piece);
  let tokens;
  let tailFrom;
  try {
    tokens = scanSync(piece).tokens;
  } catch {
    if (!final) return void 0;
    tailFrom = errorOffset(wholeError, piece, from) ?? from;
    tokens = scanPrefix(text.slice(from, tailFrom));
  }
  const grouper = new StatementGrouper();
  const groups = grouper.push(tokens, from);
  const open = grouper.finish();
  if (open && !final && tailFrom === void 0) return void 0;
  if (open && tailFrom !== void 0) tailFrom = open.start;
  else if (open) groups.push(open);
  const spans = groups.flatMap((g) => parsePiece(text, g.start, g.end));
  if (tailFrom !== void 0) spans.push(...tailSpan(text, tailFrom, to));
  return spans;
}
function scanPrefix(prefix) {
  try {
    return scanSync(prefix).tokens;
  } catch {
    return [];
  }
}
function tailSpan(text, from, to) {
  const rest = text.slice(from, to);
  const start = from + Buffer.byteLength(rest.slice(0, rest.length - rest.trimStart().length));
  const end = from + Buffer.byteLength(rest.trimEnd());
  return start < end ? parsePiece(text, start, end) : [];
}
function parsePiece(text, start, end) {
  if (end - start > MAX_PARSED_STATEMENT_BYTES) return [{ start, end, kind: NOT_PARSED }];
  const piece = text.slice(start, end);
  try {
    const result = parseSync(piece);
    return spansOf(result.stmts ?? [], text, start, end - start);
  } catch (error) {
    return [{ start, end, kind: "Unparsed", parseError: describeError(error, piece, start, text) }];
  }
}
function describeError(error, piece, start, text) {
  const message = isParserAbort(error) ? "the SQL parser ran out of memory on this statement" : getErrorMessage(error);
  const firstLine = message.split("\n")[0];
  const shown = firstLine === message ? message : `${firstLine}\u2026"`;
  const offset = errorOffset(error, piece, start);
  return offset === void 0 ? shown : `${shown} (line ${text.lineAt(offset)})`;
}
function isParserAbort(error) {
  return error?.name === "ExitStatus";
}
function dropConstantRows(insert) {
  const select = unwrap(insert.selectStmt, "SelectStmt");
  if (!select?.valuesLists) return;
  select.valuesLists = select.valuesLists.filter(
    (row) => !(unwrap(row, "List")?.items ?? []).every((item) => "A_Const" in item)
  );
}
function errorOffset(error, parsed, start) {
  const cursor = error?.sqlDetails?.cursorPosition;
  if (typeof cursor !== "number" || cursor < 0) return void 0;
  return start + codePointToByteOffset(parsed, cursor);
}
function shiftLocations(node, shift) {
  if (Array.isArray(node)) {
    for (const item of node) shiftLocations(item, shift);
    return;
  }
  if (!node || typeof node !== "object") return;
  const record = node;
  for (const [key, value] of Object.entries(record)) {
    if (key === "location" && typeof value === "number" && value >= 0) record[key] = value + shift;
    else shiftLocations(value, shift);
  }
}

// measure-tmp.ts
await initSqlParser();
for (const f of process.argv.slice(2)) {
  const src = readFileSync(f, "utf8");
  const t0 = Date.now();
  const st = splitStatements(src, "x.sql");
  const kinds = {};
  for (const s of st) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
  console.log(f, Date.now() - t0, "ms", JSON.stringify(kinds), "rss", process.memoryUsage().rss >> 20, "heap", process.memoryUsage().heapUsed >> 20, JSON.stringify(st.filter((s) => s.kind === "NotParsed").slice(0, 2).map((s) => [s.line, s.endLine, s.sql.length, s.sql.slice(0, 30), s.sql.slice(-10)])));
}
