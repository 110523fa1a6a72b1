/**
 * Source text addressed by UTF-8 byte offset, the unit libpg-query reports statement and token
 * locations in, with conversions to 1-based lines and back to strings.
 */
export class ByteText {
  readonly bytes: Buffer;
  /** Byte offset where each line starts; index 0 is line 1. */
  private readonly lineStarts: number[];

  constructor(readonly source: string) {
    this.bytes = Buffer.from(source, 'utf8');
    this.lineStarts = [0];
    for (let i = 0; i < this.bytes.length; i++) {
      if (this.bytes[i] === 0x0a) this.lineStarts.push(i + 1);
    }
  }

  get length(): number {
    return this.bytes.length;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 1-based line holding the byte at `offset`. */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The text of 1-based line `line`, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    const next = this.lineStarts[line];
    const end = next === undefined ? this.bytes.length : next - 1;
    return this.slice(start, end).replace(/\r$/, '');
  }

  slice(start: number, end: number): string {
    return this.bytes.subarray(start, end).toString('utf8');
  }
}

/**
 * Byte offset of the code point at index `codePoints` of `text`. Postgres reports error cursors
 * in characters (code points), not bytes or UTF-16 units.
 */
export function codePointToByteOffset(text: string, codePoints: number): number {
  let bytes = 0;
  let seen = 0;
  for (const ch of text) {
    if (seen >= codePoints) break;
    bytes += Buffer.byteLength(ch, 'utf8');
    seen++;
  }
  return bytes;
}

/** Replaces a byte-order mark with spaces of the same byte length so offsets stay put. */
export function withoutBom(source: string): string {
  return source.startsWith('\uFEFF') ? `   ${source.slice(1)}` : source;
}
