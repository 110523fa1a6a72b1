import type pg from 'pg';

/** A row as a catalog query returns it. */
export type CatalogRow = Record<string, any>;

/**
 * How one kind of object is read: queries that take the list of schemas as `$1`, and how their
 * rows become objects. Every row names, in `in_schema`, the schema whose membership in `$1`
 * selected it (NULL when it is selected whatever the list, like database-wide default
 * privileges), so the rows of a read of several lists can be told apart afterwards.
 */
export interface CatalogKind<T> {
  queries: string[];
  build: (rowSets: CatalogRow[][]) => T[];
}

/** Reads the objects of one kind in `schemas`. */
export async function readKind<T>(
  client: pg.Client,
  schemas: string[],
  kind: CatalogKind<T>,
): Promise<T[]> {
  const results = await Promise.all(kind.queries.map((sql) => client.query(sql, [schemas])));
  return kind.build(results.map((result) => result.rows));
}

/**
 * The rows of a read of many schemas, indexed so that the rows a read of fewer schemas would have
 * returned come out in the order they had in the larger read.
 */
export class RowsBySchema {
  private readonly positions = new Map<string | null, number[]>();

  constructor(private readonly rows: CatalogRow[]) {
    rows.forEach((row, i) => {
      const key = (row.in_schema as string | null) ?? null;
      const list = this.positions.get(key) ?? [];
      list.push(i);
      this.positions.set(key, list);
    });
  }

  /** The rows a query filtered on `schemas` selects. */
  of(schemas: Iterable<string>): CatalogRow[] {
    const groups = [null, ...new Set(schemas)].map((s) => this.positions.get(s) ?? []);
    return groups
      .flat()
      .sort((a, b) => a - b)
      .map((i) => this.rows[i]);
  }
}
