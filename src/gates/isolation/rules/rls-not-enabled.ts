import type { PolicyInfo, TableInfo } from '../../../catalog/types.js';
import { quoteIdentIfNeeded as sqlName } from '../../../sql/ident.js';
import { bareName } from '../names.js';
import { ISOLATION } from '../../../rules/index.js';
import { policyTemplate, uncoveredCommands, type TenantScope } from '../tenant-scope.js';
import { isSettingContext } from '../context.js';
import { keyed, tableQuery, type Keyed, type StaticInput } from '../static-input.js';

export function rlsFindings(
  t: TableInfo,
  policies: PolicyInfo[],
  scope: TenantScope,
  input: StaticInput,
): Keyed[] {
  const name = bareName(t.name);
  const template = policyTemplate(t, input);
  if (!t.rlsEnabled) {
    if (policies.length) return []; // policy-without-rls says it
    const q = tableQuery(t, ['create', 'alter', 'rls-disable']);
    const message = `table ${name} has the tenant column ${input.tenantColumn} but row-level security is not enabled: every tenant reads every tenant's rows`;
    return [keyed(ISOLATION.rlsNotEnabled, name, q, input, { message, help: template }, name)];
  }
  const out: Keyed[] = [];
  // FORCE matters only to a role that owns the table: the tenant's role, when it is known.
  if (!t.rlsForced && (input.forceNeeded?.(t.owner) ?? true)) {
    const q = tableQuery(t, ['rls-enable', 'create', 'alter']);
    const message = `table ${name} has row-level security enabled but not forced: its owner (${t.owner}) and any role connecting as the owner bypass the tenant policies`;
    out.push(
      keyed(
        ISOLATION.rlsNotForced,
        name,
        q,
        input,
        { message, help: `ALTER TABLE ${sqlName(name)} FORCE ROW LEVEL SECURITY;` },
        name,
      ),
    );
  }
  // Under an identity context a command without a policy is denied, which isolates.
  const missing = isSettingContext(input.context) ? uncoveredCommands(policies, scope) : [];
  if (missing.length) {
    const q = tableQuery(t, ['rls-enable', 'create', 'alter']);
    const message = `table ${name} has no policy comparing ${input.tenantColumn} with current_setting('${input.tenantSetting}') for ${missing.join(', ')}`;
    out.push(keyed(ISOLATION.policyMissing, name, q, input, { message, help: template }, name));
  }
  return out;
}
