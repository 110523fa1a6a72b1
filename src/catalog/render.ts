import type { CatalogChange, CatalogSnapshot } from './types.js';
import { diffCatalogs } from './diff.js';

/** Property names as a sentence says them; the rest read well as they are. */
const PROPERTY_LABEL: Record<string, string> = {
  notNull: 'not null',
  generatedKind: 'generated kind',
  rlsEnabled: 'row level security',
  rlsForced: 'forced row level security',
  viewDefinition: 'definition',
  securityInvoker: 'security_invoker',
  securityDefiner: 'security definer',
  onDelete: 'on delete',
  onUpdate: 'on update',
  ownedBy: 'owned by',
  withCheck: 'with check',
  columnOrder: 'column order',
};

export function propertyLabel(property: string): string {
  return PROPERTY_LABEL[property] ?? property;
}

/** One line, at most `max` characters: view definitions and function bodies can be long. */
export function formatValue(value: unknown, max = 80): string {
  return clip(oneLine(value), max);
}

function oneLine(value: unknown): string {
  return valueText(value).replace(/\s+/g, ' ').trim();
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Characters of shared text kept before the first difference, for context. */
const CONTEXT = 20;

/**
 * `before → after`, each on one line. When long values share a beginning (two index or view
 * definitions), that beginning is elided so that the part that differs is what shows.
 */
export function formatChange(before: unknown, after: unknown, max = 80): string {
  let a = oneLine(before);
  let b = oneLine(after);
  if (a.length > max || b.length > max) {
    let shared = 0;
    while (shared < a.length && shared < b.length && a[shared] === b[shared]) shared++;
    // Start the shown part at a word, a little before the first difference.
    const cut = a.lastIndexOf(' ', shared - CONTEXT) + 1;
    if (cut > 0 && shared > CONTEXT) {
      a = `…${a.slice(cut)}`;
      b = `…${b.slice(cut)}`;
    }
  }
  return `${clip(a, max)} → ${clip(b, max)}`;
}

function valueText(value: unknown): string {
  if (value === undefined || value === null) return 'none';
  if (Array.isArray(value)) return `[${value.map(valueText).join(', ')}]`;
  if (typeof value === 'object') return JSON.stringify(value);
  if (value === '') return "''";
  return String(value);
}

/** `column $tenant.users.email`, `view $tenant.active_users`, `revocation EXECUTE on ...`. */
export function objectTitle(change: CatalogChange): string {
  return `${change.label ?? change.kind} ${change.name}`;
}

/**
 * One readable line per change: "removed sequence $tenant.invoices_id_seq",
 * "changed column $tenant.users.email: type character varying(100) → text".
 */
export function renderChanges(changes: CatalogChange[]): string[] {
  return changes.map((change) => {
    const line = `${change.change} ${objectTitle(change)}`;
    if (change.change !== 'changed' || !change.properties?.length) return line;
    const details = change.properties.map(
      (p) => `${propertyLabel(p.property)} ${formatChange(p.before, p.after)}`,
    );
    return `${line}: ${details.join('; ')}`;
  });
}

/** How many differing objects a drift message names before it says "and N more". */
const DRIFT_LIMIT = 5;

export interface NamedSnapshot {
  name: string;
  snapshot: CatalogSnapshot;
}

function driftItem(change: CatalogChange, a: string, b: string): string {
  if (change.change === 'removed') return `${objectTitle(change)} only in ${a}`;
  if (change.change === 'added') return `${objectTitle(change)} only in ${b}`;
  const details = (change.properties ?? []).map(
    (p) =>
      `${propertyLabel(p.property)}: ${formatValue(p.before, 40)} in ${a}, ` +
      `${formatValue(p.after, 40)} in ${b}`,
  );
  return `${objectTitle(change)} differs (${details.join('; ')})`;
}

/**
 * Names the objects by which tenant `b`'s catalog differs from tenant `a`'s, e.g.
 * "tenant_2 differs from tenant_1: index $tenant.users_email_idx only in tenant_1; and 2 more".
 */
export function describeDrift(a: NamedSnapshot, b: NamedSnapshot): string {
  const changes = diffCatalogs(a.snapshot, b.snapshot);
  if (changes.length === 0) return `${b.name} matches ${a.name}`;
  const items = changes.slice(0, DRIFT_LIMIT).map((c) => driftItem(c, a.name, b.name));
  const more = changes.length - items.length;
  return `${b.name} differs from ${a.name}: ${items.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
