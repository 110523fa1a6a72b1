/** Quoting identifiers for SQL text the tool writes itself. */

/** `"name"`, with embedded quotes doubled: always safe, whatever the name. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `name` when Postgres would read it back unchanged, else `"Name"`: for messages and catalog text. */
export function quoteIdentIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name);
}

/** `schema.name` (or `name`) with each part quoted. */
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}

/** The value of a search_path setting naming these schemas. */
export function searchPathValue(schemas: string[]): string {
  return schemas.map(quoteIdent).join(', ');
}

/**
 * Sets the session's search_path to the catalog's alone, itself qualified: after it, no function
 * or operator a PR put in another schema can stand in for one a query names unqualified.
 */
export const CATALOG_SEARCH_PATH = `select pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', false)`;
