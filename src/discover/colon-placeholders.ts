/**
 * `:NAME` placeholders in SQL, in the two dialects projects write them:
 *
 * - graphile-migrate's, keys written with their colon (`":DATABASE_VISITOR"` in `.gmrc` or in
 *   `placeholders:`): replaced verbatim wherever they occur, as graphile-migrate does (a key
 *   followed by a word boundary), except right after another colon, which is a `::` cast;
 * - psql's variables, keys written without it (`DATABASE_VISITOR`): `:NAME` as written,
 *   `:'NAME'` as a string literal and `:"NAME"` as a quoted identifier, found with Postgres' own
 *   scanner, so casts (`::text`), PL/pgSQL's `:=`, string literals, quoted identifiers and
 *   dollar-quoted bodies are left alone, as psql leaves them.
 *
 * Values never hold a line break here, so every line stays the line of the file.
 */
import { scanSync, type ScanToken } from 'libpg-query';
import { escapeRegExp } from '../core/regexp.js';

export interface ColonValues {
  /** graphile-migrate's: the key with its colon → the text it is replaced with. */
  verbatim: Map<string, string>;
  /** psql's: the variable's name → its value. */
  variables: Record<string, string | number | boolean>;
}

/** A `:NAME`, `:'NAME'` or `:"NAME"` left without a value, at its line in the file. */
export interface ColonPlaceholder {
  expression: string;
  name: string;
  line: number;
}

/** Whether `sql` may hold a colon placeholder (cheap, before any scanning). */
export function mayHoldColonPlaceholder(sql: string): boolean {
  return /(?<!:):['"]?[A-Za-z_]/.test(sql);
}

/** `sql` with its colon placeholders that have values replaced. */
export function renderColonPlaceholders(sql: string, values: ColonValues): string {
  return renderVariables(renderVerbatim(sql, values.verbatim), values.variables);
}

function renderVerbatim(sql: string, verbatim: Map<string, string>): string {
  if (verbatim.size === 0) return sql;
  const keys = [...verbatim.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  const pattern = new RegExp(`(?<!:)(?:${keys.join('|')})\\b`, 'g');
  return sql.replace(pattern, (key) => verbatim.get(key) ?? key);
}

function renderVariables(sql: string, variables: ColonValues['variables']): string {
  if (Object.keys(variables).length === 0 || !mayHoldColonPlaceholder(sql)) return sql;
  const bytes = Buffer.from(sql, 'utf8');
  const parts: Buffer[] = [];
  let at = 0;
  for (const found of variablesIn(sql)) {
    const value = variables[found.name];
    if (value === undefined) continue;
    parts.push(bytes.subarray(at, found.start), Buffer.from(quoted(String(value), found.quote)));
    at = found.end;
  }
  if (at === 0) return sql;
  parts.push(bytes.subarray(at));
  return Buffer.concat(parts).toString('utf8');
}

/** psql's quoting: `:'x'` a string literal, `:"x"` an identifier, `:x` the value as it is. */
function quoted(value: string, quote: string): string {
  if (quote === "'") return `'${value.replace(/'/g, "''")}'`;
  if (quote === '"') return `"${value.replace(/"/g, '""')}"`;
  return value;
}

interface FoundVariable {
  name: string;
  quote: '' | "'" | '"';
  /** Byte offsets in the statement, from the colon to the end of the name. */
  start: number;
  end: number;
}

/** Every `:NAME`, `:'NAME'` and `:"NAME"` token pair the scanner sees, in order. */
function variablesIn(sql: string): FoundVariable[] {
  let tokens: ScanToken[];
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    return []; // text the scanner refuses (an unterminated quote) is left as written
  }
  const found: FoundVariable[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const [colon, next] = [tokens[i], tokens[i + 1]];
    if (colon.text !== ':' || next.start !== colon.end) continue;
    const named = /^(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1$/.exec(next.text);
    if (!named) continue;
    found.push({
      name: named[2],
      quote: named[1] as FoundVariable['quote'],
      start: colon.start,
      end: next.end,
    });
  }
  return found;
}

/** The colon placeholders `sql` (starting at `firstLine` of its file) still holds. */
export function colonPlaceholdersIn(sql: string, firstLine: number): ColonPlaceholder[] {
  if (!mayHoldColonPlaceholder(sql)) return [];
  const bytes = Buffer.from(sql, 'utf8');
  return variablesIn(sql).map((v) => {
    const before = bytes.subarray(0, v.start).toString('utf8');
    return {
      expression: bytes.subarray(v.start, v.end).toString('utf8'),
      name: v.name,
      line: firstLine + (before.match(/\n/g)?.length ?? 0),
    };
  });
}
