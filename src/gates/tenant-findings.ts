/**
 * One finding per statement and rule. A gate that checks each tenant finds the same thing once
 * per tenant; the report lists it once, with the tenants it holds on, so that 9 statements on 3
 * tenants count as 9 findings, not 27.
 */
import type { Finding } from '../core/model.js';
import { findingKey, tenantName } from '../core/finding-key.js';

/** Longer lists name this many tenants and count the rest. */
const NAMED = 5;

/** `tenant_1 and tenant_2`, `tenant_1, tenant_2 and tenant_3`, `tenant_1, …, tenant_5 and 7 more`. */
function listOf(tenants: string[]): string {
  const named = tenants.slice(0, NAMED);
  const rest = tenants.length - named.length;
  if (rest > 0) return `${named.join(', ')} and ${rest} more`;
  return `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`;
}

const ofAll = (tenants: string[], all: number) =>
  `${tenants.length} of ${Math.max(all, tenants.length)} tenants`;

/** `tenant_1 and tenant_2 (2 of 3 tenants)`, `tenant_1, …, tenant_5 and 7 more (12 of 20 tenants)`. */
export function tenantsPhrase(tenants: string[], all: number): string {
  return `${listOf(tenants)} (${ofAll(tenants, all)})`;
}

/** Where a message names the tenant as a place: `fails on tenant_2`, `exists only in tenant_2`. */
const AS_PLACE = /\b(on|in)\s$/;

/**
 * The text of one tenant's finding, said of all of them. Where each mention names the tenant as
 * a place (`on tenant_2`) or a schema (`tenant_2.users`), the place becomes the list of tenants
 * and the schema `$tenant`; any other wording is kept for the first tenant, and says so.
 */
function saidOfAll(text: string, tenant: string, tenants: string[], all: number): string {
  const mentions = [...text.matchAll(tenantName(tenant))];
  if (mentions.length === 0) return text;
  const schema = (i: number, name: string) => /^\.["\w]/.test(text.slice(i + name.length));
  const asPlace = mentions.every(
    (m) => schema(m.index, m[0]) || AS_PLACE.test(text.slice(0, m.index)),
  );
  if (asPlace)
    return text.replace(tenantName(tenant), (name: string, i: number) =>
      schema(i, name) ? '$tenant' : tenantsPhrase(tenants, all),
    );
  const [body, stop] = /^([\s\S]*?)([.:;]?)$/.exec(text)!.slice(1);
  return `${body} (on ${ofAll(tenants, all)}: ${listOf(tenants)}; shown for ${tenant})${stop}`;
}

function merged(members: Array<Finding & { tenant: string }>, all: number): Finding {
  const { tenant, ...first } = members[0];
  const tenants = [...new Set(members.map((m) => m.tenant))];
  return {
    ...first,
    tenants,
    tenantCount: tenants.length,
    message: saidOfAll(first.message, tenant, tenants, all),
    ...(first.help !== undefined ? { help: saidOfAll(first.help, tenant, tenants, all) } : {}),
  };
}

const hasTenant = (f: Finding): f is Finding & { tenant: string } => !!f.tenant;

/**
 * Findings that say the same about the same statement on several tenants (once each tenant's
 * name is taken out of the message and help), as one finding that lists the tenants in
 * `tenants`, at the place of the first. `all` is how many tenants the run simulates. A finding
 * without a tenant, or on one tenant only, is kept as it is.
 */
export function oneFindingPerTenantSet(findings: Finding[], all: number): Finding[] {
  const groups = new Map<string, Array<Finding & { tenant: string }>>();
  for (const f of findings.filter(hasTenant)) {
    const key = findingKey(f);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const out: Finding[] = [];
  for (const f of findings) {
    if (!hasTenant(f)) {
      out.push(f);
      continue;
    }
    const members = groups.get(findingKey(f))!;
    if (members[0] !== f) continue;
    const once = members.every((m) => m.tenant === f.tenant);
    out.push(once ? f : merged(members, all));
  }
  return out;
}
