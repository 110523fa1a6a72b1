import type { CatalogChange } from '../../catalog/types.js';
import type { Finding, Migration, Statement } from '../../core/model.js';
import { formatChange, propertyLabel } from '../../catalog/render.js';
import { displayName, statementForChange } from './locate.js';
import { ROLLBACK, finding } from '../../rules/index.js';

/**
 * Catalog differences left by up → down, as findings at the down statement each is about (one
 * finding per statement), naming every leftover, missing or changed object.
 */
export function changeFindings(m: Migration, changes: CatalogChange[]): Finding[] {
  const down = m.down!;
  const groups = new Map<Statement | undefined, CatalogChange[]>();
  for (const change of changes) {
    const stmt = statementForChange(down.statements, change) ?? down.statements[0];
    groups.set(stmt, [...(groups.get(stmt) ?? []), change]);
  }
  return [...groups].map(([stmt, group]) =>
    finding(ROLLBACK.incomplete, {
      file: stmt?.file ?? down.file,
      line: stmt?.line ?? 1,
      ...(stmt ? { endLine: stmt.endLine } : {}),
      message: `After ${m.id} up then down, the catalog differs from before the up: ${group
        .map((c) => describeChange(m, c))
        .join('; ')}.`,
      help: helpFor(group),
    }),
  );
}

function objectLabel(change: CatalogChange): string {
  return `${change.label ?? change.kind} ${displayName(change.name)}`;
}

export function describeChange(m: Migration, change: CatalogChange): string {
  const label = objectLabel(change);
  if (change.change === 'added') {
    const created = statementForChange(m.up.statements, change);
    return `${label} is left over${created ? ` (created at ${created.file}:${created.line})` : ''}`;
  }
  if (change.change === 'removed') return `${label} is missing (it existed before the up)`;
  const props = (change.properties ?? []).map(
    (p) => `${propertyLabel(p.property)} ${displayName(formatChange(p.before, p.after))}`,
  );
  return `${label} changed: ${props.join('; ')} (before the up → after the down)`;
}

const DROP_KEYWORD: Partial<Record<CatalogChange['kind'], string>> = {
  sequence: 'DROP SEQUENCE IF EXISTS',
  type: 'DROP TYPE IF EXISTS',
  index: 'DROP INDEX IF EXISTS',
  function: 'DROP FUNCTION IF EXISTS',
  table: 'DROP TABLE IF EXISTS',
  schema: 'DROP SCHEMA IF EXISTS',
  extension: 'DROP EXTENSION IF EXISTS',
};

function helpFor(group: CatalogChange[]): string {
  const leftover = group.find((c) => c.change === 'added' && DROP_KEYWORD[c.kind]);
  const example = leftover
    ? ` e.g. \`${DROP_KEYWORD[leftover.kind]} ${displayName(leftover.name)};\``
    : '';
  return `Make the down undo everything its up did, in reverse order: drop what the up created (sequences, types, indexes, functions, triggers, policies), restore what it dropped or changed (defaults, grants).${example}`;
}
