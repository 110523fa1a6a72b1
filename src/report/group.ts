import type { Finding } from '../core/model.js';
import { findingKey, withoutTenant } from '../core/finding-key.js';

export { TENANT_PLACEHOLDER, withoutTenant } from '../core/finding-key.js';

/**
 * Findings that say the same thing about the same statement on several tenants, listed once.
 * The gates' findings already come one per statement and rule (their `tenants` list the
 * tenants); this groups what still differs only by the tenant's name, such as findings a report
 * was built from by hand.
 */
export interface FindingGroup {
  /** The first finding of the group: its gate, rule and severity, file and lines are the group's. */
  first: Finding;
  findings: Finding[];
  /**
   * Each tenant once, in the order the findings came (a finding's `tenants` included); empty for
   * a finding without a tenant.
   */
  tenants: string[];
  /** How many tenants the group holds on (a finding's `tenants` may name only the first few). */
  tenantCount: number;
  /** The message; where the tenants' messages differ by the tenant's name, it reads `{tenant}`. */
  message: string;
  help?: string;
}

/** The group's text: verbatim when every member says the same, else with `{tenant}`. */
function shared(texts: Array<string | undefined>, tenants: Array<string | undefined>) {
  if (texts.every((t) => t === texts[0])) return texts[0];
  return texts[0] === undefined ? undefined : withoutTenant(texts[0], tenants[0]);
}

/**
 * Groups findings with the same gate, rule and severity, file, line and end line whose message and
 * help are the same once the tenant's name is taken out. Groups keep the order of their first
 * finding; a finding without a tenant stays alone.
 */
export function groupFindings(findings: Finding[]): FindingGroup[] {
  const byKey = new Map<string, Finding[]>();
  const order: Finding[][] = [];
  for (const f of findings) {
    // A finding without a tenant already speaks for every tenant it holds on: never merged.
    const key = f.tenant ? findingKey(f) : undefined;
    const members = key === undefined ? undefined : byKey.get(key);
    if (members) members.push(f);
    else {
      const fresh = [f];
      order.push(fresh);
      if (key !== undefined) byKey.set(key, fresh);
    }
  }
  return order.map((members) => {
    const tenants = members.map((f) => f.tenant);
    const help = shared(
      members.map((f) => f.help),
      tenants,
    );
    return {
      first: members[0],
      findings: members,
      tenants: [...new Set(members.flatMap((f) => f.tenants ?? (f.tenant ? [f.tenant] : [])))],
      tenantCount: members.reduce(
        (n, f) => n + (f.tenantCount ?? f.tenants?.length ?? (f.tenant ? 1 : 0)),
        0,
      ),
      message: shared(
        members.map((f) => f.message),
        tenants,
      )!,
      ...(help !== undefined ? { help } : {}),
    };
  });
}

/** Longer lists name this many tenants and count the rest. */
const SHOWN = 5;

/**
 * `tenant_2`, `tenant_1, tenant_2`, `3 tenants: a, b, c`, `7 tenants: a, b, c, d, e and 2 more`,
 * or `all 20 tenants` (`both tenants`) when the group covers every simulated tenant (`all` lists
 * the topology's).
 */
export function tenantList(tenants: string[], all: string[], count = tenants.length): string {
  if (tenants.length === 0) return '';
  const total = Math.max(count, tenants.length);
  if (total === tenants.length && all.length > 1 && all.every((t) => tenants.includes(t)))
    return all.length === 2 ? 'both tenants' : `all ${all.length} tenants`;
  if (total <= 2) return tenants.join(', ');
  const shown = tenants.slice(0, SHOWN);
  const more = total > shown.length ? ` and ${total - shown.length} more` : '';
  return `${total} tenants: ${shown.join(', ')}${more}`;
}

/**
 * Says how the counted findings map to the listed entries when grouping merged some:
 * `12 findings listed as 9 rows, one per statement and rule with its tenants`; else undefined.
 */
export function groupingNote(findings: number, groups: number, noun: string): string | undefined {
  if (groups >= findings) return undefined;
  return `${findings} findings listed as ${groups} ${noun}, one per statement and rule with its tenants`;
}
