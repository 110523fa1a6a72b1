import { escapeRegExp } from '../../core/regexp.js';
/** Names as the catalog snapshot prints them: `$tenant.invoices`, `public."Order"`. */

export { quoteIdentIfNeeded as quoteIdent } from '../../sql/ident.js';

/** Splits `schema.name` (each part possibly quoted) into its unquoted parts. */
export function splitQualified(name: string): { schema?: string; name: string } {
  const parts: string[] = [];
  let i = 0;
  while (i < name.length) {
    if (name[i] === '"') {
      let j = i + 1;
      let part = '';
      while (j < name.length) {
        if (name[j] === '"' && name[j + 1] === '"') {
          part += '"';
          j += 2;
        } else if (name[j] === '"') break;
        else part += name[j++];
      }
      parts.push(part);
      i = j + 2;
    } else {
      const dot = name.indexOf('.', i);
      const end = dot < 0 ? name.length : dot;
      parts.push(name.slice(i, end));
      i = end + 1;
    }
  }
  const bare = parts.pop() ?? name;
  return parts.length ? { schema: parts.join('.'), name: bare } : { name: bare };
}

export function bareName(name: string): string {
  return splitQualified(name).name;
}

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
