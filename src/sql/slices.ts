/**
 * Where a file too large to parse at once can be cut into batches for the parser: after a `;`
 * outside parentheses, quotes, comments and dollar quotes, so that no statement straddles a cut.
 * This reads only what hides a `;` (Postgres's lexical rules, standard_conforming_strings on, as
 * libpg-query assumes) and is linear and allocation-free, unlike the scanner, which returns every
 * token of a data load as an object. The parser still reads every batch and decides what the
 * statements are; a batch it cannot read whole goes to the scanner (see splitLarge in split.ts).
 */

const SEMICOLON = 0x3b;
const QUOTE = 0x27;
const DOUBLE_QUOTE = 0x22;
const DOLLAR = 0x24;
const DASH = 0x2d;
const SLASH = 0x2f;
const STAR = 0x2a;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** Letters, digits, `_`, `$` and any byte of a multi-byte UTF-8 character: identifier bytes. */
function identByte(b: number | undefined): boolean {
  if (b === undefined) return false;
  return (
    (b >= 0x30 && b <= 0x39) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x61 && b <= 0x7a) ||
    b === 0x5f ||
    b === DOLLAR ||
    b >= 0x80
  );
}

/** A dollar-quote tag may not start with a digit nor hold a `$`. */
function tagStartByte(b: number | undefined): boolean {
  return identByte(b) && b !== DOLLAR && !(b! >= 0x30 && b! <= 0x39);
}

/** One statement as the cut finder sees it: its code (comments and blanks around it left out) and where the next begins. */
export interface RoughStatement {
  start: number;
  end: number;
  /** Just after its `;`, or the end of the file. */
  cut: number;
}

/**
 * The file's statements, cut after every `;` outside parentheses, quotes, comments and dollar
 * quotes. Rough: a `;` inside a `BEGIN ATOMIC ... END` body cuts too (the parser sorts that out).
 * A quote, comment or dollar quote still open at the end makes the rest one statement.
 */
export function* roughStatements(bytes: Buffer): Generator<RoughStatement> {
  const n = bytes.length;
  let i = 0;
  let start = -1;
  let end = -1;
  let depth = 0;
  const code = (from: number, to: number) => {
    if (start < 0) start = from;
    end = to;
  };
  while (i < n) {
    const b = bytes[i];
    let next: number;
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
    } else if (b === 0x20 || b === NEWLINE || b === 0x09 || b === 0x0d || b === 0x0c) {
      i++;
      continue;
    } else if (b === QUOTE) {
      next = quotedEnd(bytes, i + 1, QUOTE, escapeString(bytes, i));
    } else if (b === DOUBLE_QUOTE) {
      next = quotedEnd(bytes, i + 1, DOUBLE_QUOTE, false);
    } else if (b === DOLLAR && !identByte(bytes[i - 1])) {
      next = dollarQuotedEnd(bytes, i);
    } else if (identByte(b)) {
      // A whole word at once: a `$` inside it (`a$b`) opens nothing.
      next = i + 1;
      while (next < n && identByte(bytes[next])) next++;
    } else {
      if (b === 0x28) depth++;
      else if (b === 0x29) depth = Math.max(0, depth - 1);
      next = i + 1;
    }
    code(i, next);
    i = next;
  }
  if (start >= 0) yield { start, end, cut: n };
}

/** `E'...'` (or `e'`): a backslash escapes the next character. */
function escapeString(bytes: Buffer, quote: number): boolean {
  const prefix = bytes[quote - 1];
  return (prefix === 0x45 || prefix === 0x65) && !identByte(bytes[quote - 2]);
}

/** Just past the closing quote (a doubled quote is one character of the text). */
function quotedEnd(bytes: Buffer, i: number, quote: number, escapes: boolean): number {
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

/** Just past the `*\/` that closes a block comment; they nest. */
function blockCommentEnd(bytes: Buffer, i: number): number {
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

/** Past a `$tag$...$tag$` starting at `i`, or just past the `$` when it opens no dollar quote. */
function dollarQuotedEnd(bytes: Buffer, i: number): number {
  let j = i + 1;
  if (tagStartByte(bytes[j])) {
    while (j < bytes.length && identByte(bytes[j]) && bytes[j] !== DOLLAR) j++;
  }
  if (bytes[j] !== DOLLAR) return i + 1;
  const delimiter = bytes.subarray(i, j + 1);
  const close = bytes.indexOf(delimiter, j + 1);
  return close < 0 ? bytes.length : close + delimiter.length;
}
