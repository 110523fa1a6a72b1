import { scanSync } from 'libpg-query';
import { escapeRegExp } from '../core/regexp.js';

/**
 * Normalisation that makes snapshots of different tenants comparable: the tenant's schema name
 * becomes `$tenant` in every string, and every list is sorted by code units (locale-independent,
 * so the order is the same on every machine).
 */

export const TENANT_PLACEHOLDER = '$tenant';

/** Code-unit order; `localeCompare` would depend on the machine's ICU data and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => compareText(key(a), key(b)));
}

/** Whether Postgres prints the name without quotes (the rule of quote_ident, keywords aside). */
function isPlainIdentifier(name: string): boolean {
  return /^[a-z_][a-z0-9_$]*$/.test(name);
}

/**
 * Builds a function that replaces the tenant schema's name with `$tenant` wherever it appears as
 * a whole identifier: `tenant_1.users`, `'tenant_1.x_seq'::regclass`, `"tenant_1"`,
 * `search_path=tenant_1, public`, but not `tenant_10` or `tenant_1_archive`.
 */
export function tenantRenamer(tenantSchema: string | undefined): (text: string) => string {
  if (!tenantSchema) return (text) => text;
  const quoted = `"${tenantSchema.replace(/"/g, '""')}"`;
  const patterns = [new RegExp(escapeRegExp(quoted), 'g')];
  if (isPlainIdentifier(tenantSchema)) {
    patterns.push(
      new RegExp(`(?<![A-Za-z0-9_$])${escapeRegExp(tenantSchema)}(?![A-Za-z0-9_$])`, 'g'),
    );
  } else {
    // Unquoted occurrences only happen in raw names (e.g. a role called after the tenant).
    patterns.push(new RegExp(`^${escapeRegExp(tenantSchema)}$`, 'g'));
  }
  return (text) =>
    patterns.reduce((out, pattern) => out.replace(pattern, () => TENANT_PLACEHOLDER), text);
}

/** Applies `rename` to every string inside a JSON-like value, returning a new value. */
export function renameDeep<T>(value: T, rename: (text: string) => string): T {
  if (typeof value === 'string') return rename(value) as T;
  if (Array.isArray(value)) return value.map((item) => renameDeep(item, rename)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = renameDeep(item, rename);
    return out as T;
  }
  return value;
}

/** Drops undefined fields so that an absent optional property and `undefined` compare equal. */
export function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = item;
  return out as T;
}

/**
 * A routine's body as compared between two states: without its comments and with whitespace
 * collapsed, so that a down restoring a function without the comments the up's version had is
 * the same function. Left as it is (whitespace collapsed) when the scanner cannot read it.
 */
export function comparableBody(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  let text = body;
  try {
    const bytes = Buffer.from(body, 'utf8');
    const comments = scanSync(body).tokens.filter(
      (t) => t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT',
    );
    const kept: Buffer[] = [];
    let at = 0;
    for (const c of comments) {
      kept.push(bytes.subarray(at, c.start), Buffer.from(' '));
      at = c.end;
    }
    kept.push(bytes.subarray(at));
    text = Buffer.concat(kept).toString('utf8');
  } catch {
    // An unterminated quote or comment: compare the text itself.
  }
  return text.replace(/\s+/g, ' ').trim();
}
