import type { ScanToken } from 'libpg-query';

/**
 * One statement found by the scanner: the byte range from its first to its last token (comments
 * left out, the `;` not included) and whether a `;` ended it.
 */
export interface TokenGroup {
  start: number;
  end: number;
  terminated: boolean;
}

const isComment = (t: ScanToken) => t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT';
const isWord = (t: ScanToken) => /^[A-Za-z_]/.test(t.text);

/**
 * Groups scanner tokens into statements on top-level `;`, the way psql does: semicolons inside
 * parentheses, and inside the `BEGIN ATOMIC ... END` body of a CREATE FUNCTION/PROCEDURE, do not
 * end a statement (psql tracks BEGIN/CASE/END depth for exactly this). Tokens may come in
 * several pushes (`offset` is where the scanned text starts in the file), each ending between two
 * tokens; only the current statement's range and first words are kept.
 */
export class StatementGrouper {
  private current = new StatementState();

  /** The statements a `;` in these tokens ended, in file offsets. */
  push(tokens: ScanToken[], offset: number): TokenGroup[] {
    const groups: TokenGroup[] = [];
    for (const token of tokens) {
      if (isComment(token)) continue;
      if (token.text === ';' && this.current.atTopLevel()) {
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
  get pendingStart(): number | undefined {
    return this.current.range()?.start;
  }

  /** The statement left without a `;` at the end of the file, if any. */
  finish(): TokenGroup | undefined {
    const range = this.current.range();
    this.current = new StatementState();
    return range ? { ...range, terminated: false } : undefined;
  }
}

class StatementState {
  private start = -1;
  private end = -1;
  private readonly words: string[] = [];
  private parenDepth = 0;
  private beginDepth = 0;

  atTopLevel(): boolean {
    return this.parenDepth === 0 && this.beginDepth === 0;
  }

  range(): { start: number; end: number } | undefined {
    return this.start < 0 ? undefined : { start: this.start, end: this.end };
  }

  add(token: ScanToken, offset: number): void {
    if (this.start < 0) this.start = offset + token.start;
    this.end = offset + token.end;
    if (token.text === '(') this.parenDepth++;
    else if (token.text === ')') this.parenDepth = Math.max(0, this.parenDepth - 1);
    else if (isWord(token)) this.addWord(token.text.toLowerCase());
  }

  private addWord(word: string): void {
    if (this.words.length < 4) this.words.push(word);
    if (!this.definesRoutine() || this.parenDepth > 0) return;
    if (word === 'begin') this.beginDepth++;
    // CASE also closes with END; it only matters inside a BEGIN ... END body.
    else if (word === 'case' && this.beginDepth > 0) this.beginDepth++;
    else if (word === 'end' && this.beginDepth > 0) this.beginDepth--;
  }

  /** CREATE [OR REPLACE] FUNCTION|PROCEDURE */
  private definesRoutine(): boolean {
    const [a, b, c, d] = this.words;
    const routine = (w?: string) => w === 'function' || w === 'procedure';
    return a === 'create' && (routine(b) || (b === 'or' && c === 'replace' && routine(d)));
  }
}
