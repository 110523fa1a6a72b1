import type { CatalogChange, CatalogSnapshot, TableInfo } from './types.js';
import { canonicalJson } from './fingerprint.js';
import { compareText } from './normalise.js';
import { OBJECT_SPECS, type ObjectSpec, type PropertySpec } from './diff-specs.js';

/** A change and the object its object lives on, if any (see ObjectSpec.parent). */
interface Located {
  change: CatalogChange;
  parent?: string;
}

/**
 * What differs between two snapshots: objects added, removed, or changed with each differing
 * property and its before and after value. Objects that live on another one (a table's columns,
 * constraints, indexes, triggers and policies; the grants on a table, sequence, function or
 * schema) are left out when that one is added or removed: "removed table x" already says that
 * they went with it.
 */
export function diffCatalogs(before: CatalogSnapshot, after: CatalogSnapshot): CatalogChange[] {
  const located = [
    ...diffSchemas(before, after),
    ...OBJECT_SPECS.flatMap((spec) => diffObjects(spec, before, after)),
  ];
  addColumnOrder(located, before, after);
  const addedOrRemoved = new Set(
    located
      .filter((l) => l.change.change !== 'changed')
      .map((l) => `${l.change.kind} ${l.change.name}`),
  );
  const kept = located.filter((l) => !l.parent || !addedOrRemoved.has(l.parent));
  return orderChanges(kept.map((l) => l.change));
}

function diffSchemas(before: CatalogSnapshot, after: CatalogSnapshot): Located[] {
  const removed = before.schemas.filter((s) => !after.schemas.includes(s));
  const added = after.schemas.filter((s) => !before.schemas.includes(s));
  return [
    ...removed.map((name): Located => ({ change: { change: 'removed', kind: 'schema', name } })),
    ...added.map((name): Located => ({ change: { change: 'added', kind: 'schema', name } })),
  ];
}

function changedProperties<T>(properties: PropertySpec<T>[], a: T, b: T) {
  const differs = (p: PropertySpec<T>) =>
    canonicalJson((p.compare ?? p.value)(a)) !== canonicalJson((p.compare ?? p.value)(b));
  return properties
    .filter(differs)
    .map((p) => ({ property: p.name(a), before: p.value(a), after: p.value(b) }));
}

function diffObjects<T>(spec: ObjectSpec<T>, before: CatalogSnapshot, after: CatalogSnapshot) {
  const a = new Map(spec.items(before).map((item) => [spec.key(item), item]));
  const b = new Map(spec.items(after).map((item) => [spec.key(item), item]));
  const locate = (change: CatalogChange['change'], item: T): Located => {
    const label = spec.label?.(item);
    const described: CatalogChange = { change, kind: spec.kind, name: spec.name(item) };
    return { change: label ? { ...described, label } : described, parent: spec.parent?.(item) };
  };
  const located: Located[] = [];
  for (const [key, item] of a) if (!b.has(key)) located.push(locate('removed', item));
  for (const [key, item] of b) {
    const old = a.get(key);
    if (!old) {
      located.push(locate('added', item));
      continue;
    }
    const properties = changedProperties(spec.properties, old, item);
    if (properties.length > 0) {
      const changed = locate('changed', item);
      located.push({ ...changed, change: { ...changed.change, properties } });
    }
  }
  return located;
}

/**
 * A column dropped and added again comes back last; the relative order of the columns both
 * sides have is reported on the table (`SELECT *` and positional INSERTs depend on it).
 */
function addColumnOrder(located: Located[], before: CatalogSnapshot, after: CatalogSnapshot) {
  const oldTables = new Map(before.tables.map((t) => [t.name, t]));
  for (const table of after.tables) {
    const old = oldTables.get(table.name);
    const order = old && columnOrderChange(old, table);
    if (!order) continue;
    const existing = located.find((l) => l.change.kind === 'table' && l.change.name === table.name);
    if (existing) existing.change.properties!.push(order);
    else
      located.push({
        change: { change: 'changed', kind: 'table', name: table.name, properties: [order] },
      });
  }
}

function columnOrderChange(a: TableInfo, b: TableInfo) {
  const names = (t: TableInfo) => t.columns.map((c) => c.name);
  const before = names(a).filter((n) => names(b).includes(n));
  const after = names(b).filter((n) => names(a).includes(n));
  if (canonicalJson(before) === canonicalJson(after)) return undefined;
  return { property: 'columnOrder', before, after };
}

const KIND_ORDER: CatalogChange['kind'][] = [
  'schema',
  'extension',
  'type',
  'sequence',
  'table',
  'column',
  'constraint',
  'index',
  'function',
  'trigger',
  'policy',
  'grant',
];
const CHANGE_ORDER: CatalogChange['change'][] = ['removed', 'added', 'changed'];

/** Kind, then name, then removed before added: the same input always reads the same. */
function orderChanges(changes: CatalogChange[]): CatalogChange[] {
  return [...changes].sort(
    (x, y) =>
      KIND_ORDER.indexOf(x.kind) - KIND_ORDER.indexOf(y.kind) ||
      compareText(x.name, y.name) ||
      CHANGE_ORDER.indexOf(x.change) - CHANGE_ORDER.indexOf(y.change),
  );
}
