import pg from 'pg';

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
