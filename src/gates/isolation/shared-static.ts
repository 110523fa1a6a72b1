import { policiesOf, tenantScope } from './tenant-scope.js';
import type { Keyed, StaticInput } from './static-input.js';
import { rlsFindings } from './rules/rls-not-enabled.js';
import { policyFindings } from './rules/policy-without-tenant-check.js';
import { policiesWithoutRls } from './rules/policy-without-rls.js';
import { viewFindings } from './rules/view-without-security-invoker.js';
import { functionFindings } from './rules/security-definer-tenant-access.js';
import { publicGrants } from './rules/tenant-table-public-grant.js';
import { configuredTenantTables } from './rules/tenant-column-missing.js';

/** Every static shared-topology finding true of one catalog. */
export function sharedStaticFindings(input: StaticInput): Keyed[] {
  const { snapshot } = input;
  const scope = tenantScope(snapshot, input);
  const out: Keyed[] = [];
  for (const t of scope.tables) {
    const policies = policiesOf(snapshot, t);
    out.push(
      ...rlsFindings(t, policies, scope, input),
      ...policyFindings(t, policies, scope, input),
    );
  }
  out.push(...policiesWithoutRls(snapshot, input));
  out.push(...viewFindings(scope, input), ...functionFindings(snapshot, scope, input));
  out.push(...publicGrants(snapshot, scope, input), ...configuredTenantTables(snapshot, input));
  return out;
}
