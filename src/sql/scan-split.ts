import type { ScanToken } from 'libpg-query';

/** The tokens of one statement (comments left out) and whether a `;` ended it. */
export interface TokenGroup {
  tokens: ScanToken[];
  terminated: boolean;
}

const isComment = (t: ScanToken) => t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT';
const isWord = (t: ScanToken) => /^[A-Za-z_]/.test(t.text);

/**
 * Splits scanner tokens into statements on top-level `;`, the way psql does: semicolons inside
 * parentheses, and inside the `BEGIN ATOMIC ... END` body of a CREATE FUNCTION/PROCEDURE, do not
 * end a statement (psql tracks BEGIN/CASE/END depth for exactly this).
 */
export function groupStatements(tokens: ScanToken[]): TokenGroup[] {
  const groups: TokenGroup[] = [];
  let current = new StatementState();
  for (const token of tokens) {
    if (isComment(token)) continue;
    if (token.text === ';' && current.atTopLevel()) {
      if (current.tokens.length > 0) groups.push({ tokens: current.tokens, terminated: true });
      current = new StatementState();
      continue;
    }
    current.add(token);
  }
  if (current.tokens.length > 0) groups.push({ tokens: current.tokens, terminated: false });
  return groups;
}

class StatementState {
  readonly tokens: ScanToken[] = [];
  private readonly words: string[] = [];
  private parenDepth = 0;
  private beginDepth = 0;

  atTopLevel(): boolean {
    return this.parenDepth === 0 && this.beginDepth === 0;
  }

  add(token: ScanToken): void {
    this.tokens.push(token);
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
