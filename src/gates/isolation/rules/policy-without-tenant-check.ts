import type { PolicyInfo, TableInfo } from '../../../catalog/types.js';
import type { ObjectQuery } from '../locate.js';
import { bareName } from '../names.js';
import { ISOLATION } from '../../../rules/index.js';
import {
  policyExpressions,
  policyProblem,
  policyTemplate,
  type TenantScope,
} from '../tenant-scope.js';
import { keyed, type Keyed, type StaticInput } from '../static-input.js';

export function policyFindings(
  t: TableInfo,
  policies: PolicyInfo[],
  scope: TenantScope,
  input: StaticInput,
): Keyed[] {
  const name = bareName(t.name);
  return policies.flatMap((p) => {
    const problem = p.permissive ? policyProblem(p, scope) : undefined;
    if (!problem) return [];
    const message = `policy ${p.name} on ${name} (${p.command}) does not keep rows to the current tenant: ${problem} (${policyExpressions(p, scope)}); permissive policies are ORed, so it opens the table to every tenant`;
    const help = `Compare the tenant column with ${scope.comparison.identity ? 'the tenant identity' : 'the tenant setting'} in every expression (extra conditions may be ANDed, not ORed), or make the policy RESTRICTIVE. ${policyTemplate(t, input)}`;
    const at: ObjectQuery = {
      kind: 'policy',
      name: p.name,
      table: name,
      actions: ['alter', 'create'],
    };
    return [
      keyed(
        ISOLATION.policyWithoutTenantCheck,
        `${name}.${p.name}`,
        at,
        input,
        { message, help },
        name,
      ),
    ];
  });
}
