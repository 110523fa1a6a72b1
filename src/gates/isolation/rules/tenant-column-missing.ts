import type { CatalogSnapshot } from '../../../catalog/types.js';
import { quoteIdentIfNeeded as sqlName } from '../../../sql/ident.js';
import type { ObjectQuery } from '../locate.js';
import { bareName, matchesConfigured } from '../names.js';
import { ISOLATION } from '../../../rules/index.js';
import { isTable, tenantColumnOf } from '../tenant-scope.js';
import { keyed, type Keyed, type StaticInput } from '../static-input.js';

export function configuredTenantTables(snapshot: CatalogSnapshot, input: StaticInput): Keyed[] {
  return input.settings.tenantTables.flatMap((configured) => {
    const table = snapshot.tables.find(
      (t) => isTable(t) && matchesConfigured(configured, t.name, input.schema),
    );
    if (table && tenantColumnOf(table, input.tenantColumn)) return [];
    const name = bareName(configured);
    const message = table
      ? `table ${name} is configured as tenant-scoped (settings.isolation.tenantTables) but has no ${input.tenantColumn} column`
      : `table ${name} is configured as tenant-scoped (settings.isolation.tenantTables) but does not exist`;
    const q: ObjectQuery = { kind: 'table', name, actions: ['create', 'alter'] };
    return [
      keyed(
        ISOLATION.tenantColumnMissing,
        `${name} ${table ? 'without column' : 'absent'}`,
        q,
        input,
        {
          message,
          help: `ALTER TABLE ${sqlName(name)} ADD COLUMN ${sqlName(input.tenantColumn)} <type> NOT NULL; then enable, force and add tenant policies.`,
        },
        name,
      ),
    ];
  });
}
