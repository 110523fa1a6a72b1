import type { z } from 'zod';

/** One invalid value: the keys that lead to it and "expected X, got Y". */
export interface Problem {
  keys: PropertyKey[];
  text: string;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/**
 * Parse-time fallback for an issue whose schema names no "expected X" (the schema's own messages
 * win over this one).
 */
export const fallbackMessage: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type'
    ? `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}`
    : undefined;

/** `locks.workload.clients`, `tenants[1]`. */
export function dotted(keys: PropertyKey[]): string {
  return (
    keys
      .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i ? '.' : ''}${String(k)}`))
      .join('') || '(top level)'
  );
}

/** The problems of a failed parse of `raw`, each naming the value it got. */
export function problemsOf(error: z.ZodError, raw: unknown): Problem[] {
  return error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? { keys: [...issue.path, issue.keys[0]], text: issue.message }
      : { keys: issue.path, text: `${issue.message}, got ${shown(valueAt(raw, issue.path))}` },
  );
}

function valueAt(raw: unknown, keys: PropertyKey[]): unknown {
  let value = raw;
  for (const key of keys) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}
