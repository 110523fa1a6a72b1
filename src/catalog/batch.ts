import type pg from 'pg';
import { inlineParams, type Param } from '../sql/literal.js';

/**
 * Catalog reads sent together: every query the readers start is collected, its parameters are
 * written into the text as literals, and all of them go to the server as one simple-query string,
 * one round trip instead of one per kind of object. Results come back in the text format the
 * extended protocol uses too, so they are parsed exactly as a parameterised query's would be.
 */

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
