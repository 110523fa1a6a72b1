import type { CatalogSnapshot } from '../../../catalog/types.js';
import { quoteIdentIfNeeded as sqlName } from '../../../sql/ident.js';
import { bareName } from '../names.js';
import { ISOLATION } from '../../../rules/index.js';
import { isTable, policiesOf } from '../tenant-scope.js';
import { keyed, tableQuery, type Keyed, type StaticInput } from '../static-input.js';
import type { ObjectQuery } from '../locate.js';

/**
 * The PR's statement that left the policies without effect: its DISABLE ROW LEVEL SECURITY, else
 * its CREATE or ALTER POLICY, else its CREATE or ALTER TABLE (the merged table is not the cause).
 */
function placedAt(table: string, policies: string[], input: StaticInput): ObjectQuery | undefined {
  const candidates: ObjectQuery[] = [
    { kind: 'table', name: table, actions: ['rls-disable'] },
    ...policies.map((name): ObjectQuery => ({
      kind: 'policy',
      name,
      table,
      actions: ['create', 'alter'],
    })),
    { kind: 'table', name: table, actions: ['create', 'alter'] },
  ];
  return candidates.find((q) => input.locator.inPr(q));
}

export function policiesWithoutRls(snapshot: CatalogSnapshot, input: StaticInput): Keyed[] {
  return snapshot.tables
    .filter((t) => isTable(t) && !t.rlsEnabled && policiesOf(snapshot, t).length > 0)
    .map((t) => {
      const name = bareName(t.name);
      const names = policiesOf(snapshot, t).map((p) => p.name);
      const message = `table ${name} has policies (${names.join(', ')}) but row-level security is disabled, so none of them applies`;
      const q = placedAt(name, names, input) ?? tableQuery(t, ['rls-disable', 'create', 'alter']);
      return keyed(
        ISOLATION.policyWithoutRls,
        name,
        q,
        input,
        {
          message,
          help: `ALTER TABLE ${sqlName(name)} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`,
        },
        name,
      );
    });
}
