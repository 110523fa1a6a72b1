import type { Finding } from '../../../core/model.js';
import { astOf, rangeVar } from '../../../sql/ast.js';
import { plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { LOCKS as R } from '../../../rules/index.js';

const RENAME_HELP =
  'The running application still uses the old name. Add the new object, write to both, switch readers, and drop the old one in a later release (or use a view with the old name meanwhile).';

export function renames(sc: StatementContext): Finding[] {
  const a = astOf(sc.stmt, 'RenameStmt');
  if (!a) return [];
  if (a.renameType === 'OBJECT_SCHEMA') return renameSchema(sc, a.subname ?? '', a.newname ?? '');
  const table = sc.scope.table(rangeVar(a.relation));
  if (!table) return [];
  if (a.renameType === 'OBJECT_TABLE')
    return [
      at(
        sc,
        R.renameExisting,
        `RENAME of table ${plainName(table)} to ${a.newname} breaks every query of the running application that names ${plainName(table)}.`,
        RENAME_HELP,
      ),
    ];
  if (a.renameType === 'OBJECT_COLUMN' && sc.scope.hasColumn(table, a.subname ?? ''))
    return [
      at(
        sc,
        R.renameExisting,
        `RENAME COLUMN ${plainName(table)}.${a.subname} to ${a.newname} breaks every query of the running application that uses ${plainName(table)}.${a.subname}.`,
        RENAME_HELP,
      ),
    ];
  return [];
}

/** ALTER SCHEMA ... RENAME of a schema the PR did not create (the statement ran, so it existed). */
function renameSchema(sc: StatementContext, from: string, to: string): Finding[] {
  if (sc.scope.createdSchema(from) || !sc.trace || sc.trace.error) return [];
  const message = `ALTER SCHEMA ${from} RENAME TO ${to} breaks every query, function body and search_path of the running application that names ${from}.`;
  const help = `Create the new schema and move or recreate objects in it while the application still works with both (views or functions in ${from} can bridge), then drop ${from} in a later release.`;
  return [at(sc, R.renameExisting, message, help)];
}
