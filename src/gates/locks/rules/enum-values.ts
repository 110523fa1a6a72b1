import type { Finding } from '../../../core/model.js';
import { astOf, listName } from '../../../sql/ast.js';
import { joinQualified } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

/** ALTER TYPE ... RENAME VALUE and ADD VALUE without a position, on enums that existed before. */
export function enumValues(sc: StatementContext): Finding[] {
  const a = astOf(sc.stmt, 'AlterEnumStmt');
  const type = sc.scope.type(listName(a?.typeName));
  if (!a || type?.kind !== 'enum') return [];
  const name = joinQualified(listName(a.typeName)!);
  if (a.oldVal !== undefined) {
    if (!type.elements.includes(a.oldVal)) return [];
    const message = `ALTER TYPE ${name} RENAME VALUE '${a.oldVal}' TO '${a.newVal}' breaks the running application: from the commit on, every query and insert that still names '${a.oldVal}' fails with "invalid input value for enum ${name}".`;
    const help = `Add the new value next to the old one (\`ALTER TYPE ${name} ADD VALUE '${a.newVal}' AFTER '${a.oldVal}'\`), deploy code that accepts both and writes the new one, backfill the rows in batches, and stop using the old value.`;
    return [at(sc, R.enumValueRenamed, message, help)];
  }
  if (a.newValNeighbor || !a.newVal || type.elements.includes(a.newVal)) return [];
  const last = type.elements[type.elements.length - 1];
  const after = last ? `after '${last}', the last value` : 'at the end';
  const message = `ALTER TYPE ${name} ADD VALUE '${a.newVal}' has no BEFORE or AFTER, so it sorts ${after}: comparisons (<, >, BETWEEN) and ORDER BY on ${name} place it there.`;
  const help = `Say where it belongs: \`ALTER TYPE ${name} ADD VALUE '${a.newVal}' BEFORE '<value>'\` or \`AFTER '<value>'\` (appending is right when the order means nothing).`;
  return [at(sc, R.enumValueAppended, message, help)];
}
