import { createHash } from 'node:crypto';
import type { CatalogSnapshot } from './types.js';

/**
 * JSON with object keys sorted and undefined fields dropped, so that equal values give equal
 * text whatever order their fields were built in. Array order is kept: it is meaningful
 * (column order, enum labels) or already sorted by the snapshot.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const fields = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`);
  return `{${fields.join(',')}}`;
}

/** Fingerprints already taken: snapshots are not changed once read. */
const taken = new WeakMap<CatalogSnapshot, string>();

/** sha256 (hex) of the snapshot's canonical JSON: equal catalogs, equal fingerprints. */
export function fingerprint(s: CatalogSnapshot): string {
  let print = taken.get(s);
  if (print === undefined) {
    print = createHash('sha256').update(canonicalJson(s)).digest('hex');
    taken.set(s, print);
  }
  return print;
}
