import type { CatalogSnapshot } from '../../../catalog/types.js';
import { quoteIdentIfNeeded as sqlName } from '../../../sql/ident.js';
import type { ObjectQuery } from '../locate.js';
import { bareName } from '../names.js';
import { ISOLATION } from '../../../rules/index.js';
import type { TenantScope } from '../tenant-scope.js';
import { keyed, type Keyed, type StaticInput } from '../static-input.js';

export function publicGrants(
  snapshot: CatalogSnapshot,
  scope: TenantScope,
  input: StaticInput,
): Keyed[] {
  const data = [...scope.tables, ...scope.views];
  return data.flatMap((t) => {
    const privileges = snapshot.grants
      .filter((g) => g.object === `table ${t.name}` && g.grantee === 'PUBLIC' && !g.revoked)
      .map((g) => g.privilege);
    if (!privileges.length) return [];
    const name = bareName(t.name);
    const message = `${privileges.join(', ')} on tenant-scoped ${name} is granted to PUBLIC: every role of the cluster gets it, including roles that are not subject to the tenant policies`;
    const q: ObjectQuery = { kind: 'table', name, actions: ['grant'] };
    return [
      keyed(ISOLATION.grantToPublic, name, q, input, {
        message,
        help: `REVOKE ALL ON ${sqlName(name)} FROM PUBLIC; GRANT ${privileges.join(', ')} ON ${sqlName(name)} TO <application role>;`,
      }),
    ];
  });
}
