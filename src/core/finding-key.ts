/**
 * What makes two tenants' findings "the same finding": everything but the tenant's name. The
 * gates merge such findings into one with its tenants (src/gates/tenant-findings.ts), and the
 * renderers group what still differs only by the name (src/report/group.ts), on this one key.
 */
import type { Finding } from './model.js';
import { escapeRegExp } from './regexp.js';

/** Stands for the tenant's name in a merged text. Plain text, so Markdown shows it as is. */
export const TENANT_PLACEHOLDER = '{tenant}';

const SEP = '\u0000';

/** The tenant's name where it stands as a whole name (not inside `tenant_10` or `my_tenant_1`). */
export function tenantName(tenant: string): RegExp {
  return new RegExp(`(?<![\\w$])${escapeRegExp(tenant)}(?![\\w$])`, 'g');
}

/** `text` with the tenant's name replaced by the placeholder: `fails on tenant_2:` → `fails on {tenant}:`. */
export function withoutTenant(text: string, tenant: string | undefined): string {
  return tenant ? text.replace(tenantName(tenant), TENANT_PLACEHOLDER) : text;
}

/** Gate, rule, severity, place, set and texts of a finding, its tenant's name taken out. */
export function findingKey(f: Finding): string {
  return [
    f.gate,
    f.rule,
    f.severity,
    f.file ?? '',
    f.line ?? '',
    f.endLine ?? '',
    f.docs ?? '',
    f.set ?? '',
    withoutTenant(f.message, f.tenant),
    withoutTenant(f.help ?? '', f.tenant),
  ].join(SEP);
}
