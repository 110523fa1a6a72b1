import type { CatalogSnapshot, PolicyInfo, TableInfo } from '../../catalog/types.js';
import type { ObjectQuery } from './locate.js';
import { bareName } from './names.js';
import { ISOLATION, finding } from '../../rules/index.js';
import type { Keyed, StaticInput } from './static-input.js';
import {
  policiesOf,
  policyChecksTenant,
  policyExpressions,
  policyProblem,
  policyTemplate,
  tenantScope,
  type TenantScope,
} from './tenant-scope.js';

function weakened(input: StaticInput, table: TableInfo, q: ObjectQuery, message: string): Keyed {
  const name = bareName(table.name);
  const at = input.locator.inPr(q) ?? input.locator.find({ kind: 'table', name });
  const help = `Keep the tenant isolation in place: ${policyTemplate(table, input)}`;
  return {
    key: `${ISOLATION.policyWeakened.id} ${name} ${message}`,
    table: name,
    finding: finding(ISOLATION.policyWeakened, { ...(at ?? {}), message, help }),
  };
}

function policyChange(
  input: StaticInput,
  table: TableInfo,
  was: PolicyInfo,
  now: PolicyInfo | undefined,
  scopeNow: TenantScope,
): Keyed | undefined {
  const name = bareName(table.name);
  const q: ObjectQuery = {
    kind: 'policy',
    name: was.name,
    table: name,
    actions: now ? ['alter', 'create'] : ['drop'],
  };
  if (!now)
    return weakened(
      input,
      table,
      q,
      `the PR drops policy ${was.name} on tenant-scoped ${name}, which checked the tenant setting`,
    );
  const problem = policyProblem(now, scopeNow);
  if (!problem) return undefined;
  return weakened(
    input,
    table,
    q,
    `the PR changes policy ${was.name} on tenant-scoped ${name} so that it no longer keeps rows to the current tenant: ${problem} (${policyExpressions(now, scopeNow)})`,
  );
}

/**
 * What the PR took away from tables that were tenant-isolated before it: policies dropped or
 * altered to stop checking the tenant, row-level security disabled or no longer forced.
 */
export function weakenedPolicies(before: CatalogSnapshot, input: StaticInput): Keyed[] {
  const after = input.snapshot;
  const scopeBefore = tenantScope(before, input);
  const scopeAfter = tenantScope(after, input);
  const out: Keyed[] = [];
  for (const was of scopeBefore.tables) {
    const now = after.tables.find((t) => t.name === was.name);
    if (!now) continue;
    const name = bareName(now.name);
    if (was.rlsEnabled && !now.rlsEnabled) {
      out.push(
        weakened(
          input,
          now,
          { kind: 'table', name, actions: ['rls-disable'] },
          `the PR disables row-level security on tenant-scoped ${name}`,
        ),
      );
    } else if (was.rlsForced && !now.rlsForced) {
      out.push(
        weakened(
          input,
          now,
          { kind: 'table', name, actions: ['rls-noforce'] },
          `the PR stops forcing row-level security on tenant-scoped ${name}; its owner now bypasses the policies`,
        ),
      );
    }
    const policiesNow = policiesOf(after, now);
    for (const p of policiesOf(before, was).filter((x) => policyChecksTenant(x, scopeBefore))) {
      const match = policiesNow.find((x) => x.name === p.name);
      const change = policyChange(input, now, p, match, scopeAfter);
      if (change) out.push(change);
    }
  }
  return out;
}
