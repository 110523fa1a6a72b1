import { escapeRegExp } from '../../core/regexp.js';
import { splitQualified } from '../../sql/names.js';
/** Names as the catalog snapshot prints them: `$tenant.invoices`, `public."Order"`. */

export { quoteIdentIfNeeded as quoteIdent } from '../../sql/ident.js';
export { bareName, splitQualified } from '../../sql/names.js';

/** Whether `text` mentions the identifier as a whole word (optionally schema-qualified). */
export function mentions(text: string, identifier: string): boolean {
  const escaped = escapeRegExp(identifier);
  const plain = new RegExp(`(?<![A-Za-z0-9_$"])${escaped}(?![A-Za-z0-9_$"])`, 'i');
  return plain.test(text) || text.includes(`"${identifier.replace(/"/g, '""')}"`);
}

/** A table name as settings may write it, matched against a snapshot name. */
export function matchesConfigured(
  configured: string,
  snapshotName: string,
  tenantSchema: string,
): boolean {
  const c = splitQualified(configured);
  const s = splitQualified(snapshotName);
  if (c.name !== s.name) return false;
  if (!c.schema) return true;
  const schema = s.schema === '$tenant' ? tenantSchema : s.schema;
  return c.schema === schema;
}
