import type { CatalogChange } from '../../catalog/types.js';
import type { Statement } from '../../core/model.js';
import { escapeRegExp } from '../../core/regexp.js';

/**
 * Points a rollback finding at the statement it is about: the down statement that mentions the
 * object (or its table), else the first down statement.
 */

const SCHEMA_PREFIX = /^(\$tenant|public)$/;

/** Identifiers a change is about, the object's own name first, then the names it lives on. */
export function objectNames(change: CatalogChange): string[] {
  const withoutArgs = change.name.replace(/\([^)]*\)/g, '');
  const tokens = withoutArgs.split(/\s+/).filter(Boolean);
  const qualified = tokens.filter((t) => t.includes('.'));
  const picked = qualified.length > 0 ? qualified : tokens.slice(-1);
  const names = picked.flatMap((t) =>
    t
      .split('.')
      .map((part) => part.replace(/^"|"$/g, ''))
      .filter((part) => part && !SCHEMA_PREFIX.test(part))
      .reverse(),
  );
  return [...new Set(names)];
}

/** Whether the statement's text names the identifier (as a whole word, any case, or quoted). */
export function mentions(stmt: Statement, name: string): boolean {
  const escaped = escapeRegExp(name);
  return new RegExp(`(?<![\\w$])${escaped}(?![\\w$])`, 'i').test(stmt.sql);
}

/** Statement kinds that make or undo a change, searched before any other. */
function makers(change: CatalogChange): string[] | undefined {
  if (change.kind !== 'grant') return undefined;
  return / on future /.test(change.name) ? ['AlterDefaultPrivilegesStmt'] : ['GrantStmt'];
}

/** The statement a catalog change is most likely about: of the kinds that make it, else any. */
export function statementForChange(
  statements: Statement[],
  change: CatalogChange,
): Statement | undefined {
  const names = objectNames(change);
  const kinds = makers(change);
  const preferred =
    kinds &&
    statementAbout(
      statements.filter((s) => kinds.includes(s.kind)),
      names,
    );
  return preferred ?? statementAbout(statements, names);
}

/** The first statement that mentions the most specific of the names. */
export function statementAbout(statements: Statement[], names: string[]): Statement | undefined {
  for (const name of names) {
    const found = statements.find((s) => mentions(s, name));
    if (found) return found;
  }
  return undefined;
}

/** Names as a migration author writes them: the tenant's own schema is implicit. */
export function displayName(name: string): string {
  return name.replace(/\$tenant\./g, '');
}
