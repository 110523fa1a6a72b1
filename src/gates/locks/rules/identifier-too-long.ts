import { scanSync } from 'libpg-query';
import type { Finding } from '../../../core/model.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

/** NAMEDATALEN - 1: Postgres truncates longer identifiers with only a NOTICE. */
const MAX_BYTES = 63;

/** The identifiers written in a statement (quoted or not) that Postgres truncates. */
function longIdentifiers(sql: string): string[] {
  let tokens: Array<{ text: string; tokenName: string }>;
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    return [];
  }
  const names = tokens
    .filter((t) => t.tokenName === 'IDENT')
    .map((t) => (t.text.startsWith('"') ? t.text.slice(1, -1).replace(/""/g, '"') : t.text))
    .filter((name) => Buffer.byteLength(name, 'utf8') > MAX_BYTES);
  return [...new Set(names)];
}

/** The name Postgres keeps: the first 63 bytes, never cutting a character in half. */
function truncated(name: string): string {
  let out = '';
  for (const ch of name) {
    if (Buffer.byteLength(out + ch, 'utf8') > MAX_BYTES) break;
    out += ch;
  }
  return out;
}

export function identifierTooLong(sc: StatementContext): Finding[] {
  const names = longIdentifiers(sc.stmt.sql);
  if (names.length === 0) return [];
  const list = names
    .map((n) => `"${n}" (${Buffer.byteLength(n, 'utf8')} bytes) becomes "${truncated(n)}"`)
    .join('; ');
  const message = `Postgres silently truncates identifiers to ${MAX_BYTES} bytes: ${list}. The object gets a name that neither the migration nor the application uses, and two long names that share their first ${MAX_BYTES} bytes collide.`;
  return [at(sc, R.identifierTooLong, message, `Shorten the name to at most ${MAX_BYTES} bytes.`)];
}
