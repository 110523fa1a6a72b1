import pg from 'pg';

/**
 * Catalog reads sent together: every query the readers start is collected, its parameters are
 * written into the text as literals, and all of them go to the server as one simple-query string,
 * one round trip instead of one per kind of object. Results come back in the text format the
 * extended protocol uses too, so they are parsed exactly as a parameterised query's would be.
 */

/** A value a query's text may hold as a literal: a text, a number, null, or an array of texts. */
export type Param = string | number | null | string[];

/** A parameter as a literal. */
export function literal(value: Param): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value))
    return `array[${value.map((v) => pg.escapeLiteral(v)).join(', ')}]::text[]`;
  return pg.escapeLiteral(value);
}

/** `$n` placeholders replaced by their values' literals. */
export function inlineParams(sql: string, params: Param[]): string {
  return sql.replace(/\$(\d+)(?!\d)/g, (_, n: string) => literal(params[Number(n) - 1]));
}

interface Pending {
  sql: string;
  params: Param[];
  resolve: (r: pg.QueryResult) => void;
  reject: (e: unknown) => void;
}

export class QueryBatch {
  private pending: Pending[] = [];

  /** Collects a query; it is sent with the others at the next flush. */
  query(sql: string, params: Param[] = []): Promise<pg.QueryResult> {
    return new Promise((resolve, reject) => this.pending.push({ sql, params, resolve, reject }));
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * Sends the collected queries in one string between `prologue` and `epilogue` statements
   * (whose results are dropped); they run as one implicit transaction.
   */
  async flush(client: pg.Client, prologue: string[] = [], epilogue: string[] = []): Promise<void> {
    const items = this.pending.splice(0);
    if (items.length === 0) return;
    const text = [...prologue, ...items.map((i) => inlineParams(i.sql, i.params)), ...epilogue];
    try {
      const out = (await client.query(text.join(';\n'))) as unknown as
        pg.QueryResult | pg.QueryResult[];
      const results = Array.isArray(out) ? out : [out];
      items.forEach((item, i) => item.resolve(results[prologue.length + i]));
    } catch (error) {
      for (const item of items) item.reject(error);
    }
  }
}
