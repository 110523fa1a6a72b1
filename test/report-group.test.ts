import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/model.js';
import { groupFindings, groupingNote, tenantList, withoutTenant } from '../src/report/group.js';

const FILE = 'db/migrations/000007_orders_status.up.sql';

/** A replay failure as src/gates/replay.ts words it for one tenant. */
function failedOn(tenant: string, line = 3): Finding {
  return {
    gate: 'replay',
    rule: 'migration-failed',
    severity: 'blocker',
    file: FILE,
    line,
    endLine: line,
    tenant,
    message: `${FILE}:${line}: relation "orders_status_idx" already exists (SQLSTATE 42P07) on ${tenant}`,
    help: 'Fix the statement.',
  };
}

/** Tenant drift as src/gates/isolation/drift.ts words it. */
function driftOn(tenant: string, detail = `index orders_status_idx exists only in ${tenant}`) {
  return {
    gate: 'isolation',
    rule: 'tenant-drift',
    severity: 'blocker',
    file: FILE,
    line: 4,
    tenant,
    message: `after the PR, tenant ${tenant}'s catalog differs from tenant_1's: ${detail}`,
  } satisfies Finding;
}

const summary = (f: Finding[]) =>
  groupFindings(f).map((g) => ({ line: g.first.line, tenants: g.tenants, message: g.message }));

describe('groupFindings', () => {
  it('groups findings whose messages differ only by the tenant name, and names it {tenant}', () => {
    const groups = groupFindings([
      failedOn('tenant_2'),
      failedOn('tenant_3'),
      failedOn('tenant_4'),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0].tenants).toEqual(['tenant_2', 'tenant_3', 'tenant_4']);
    expect(groups[0].findings).toHaveLength(3);
    expect(groups[0].first).toBe(groups[0].findings[0]);
    expect(groups[0].message).toBe(
      `${FILE}:3: relation "orders_status_idx" already exists (SQLSTATE 42P07) on {tenant}`,
    );
    expect(groups[0].help).toBe('Fix the statement.');
  });

  it('replaces every mention of the tenant but leaves other tenants named', () => {
    expect(summary([driftOn('tenant_2'), driftOn('tenant_3')])).toEqual([
      {
        line: 4,
        tenants: ['tenant_2', 'tenant_3'],
        message:
          "after the PR, tenant {tenant}'s catalog differs from tenant_1's: index orders_status_idx exists only in {tenant}",
      },
    ]);
  });

  it('keeps the message verbatim when the grouped findings say exactly the same', () => {
    const same = { ...failedOn('tenant_1'), message: 'no index on orders.customer_id' };
    expect(summary([same, { ...same, tenant: 'tenant_2' }])).toEqual([
      { line: 3, tenants: ['tenant_1', 'tenant_2'], message: 'no index on orders.customer_id' },
    ]);
  });

  it('keeps a group of one tenant as the finding says it', () => {
    expect(summary([failedOn('tenant_2')])).toEqual([
      { line: 3, tenants: ['tenant_2'], message: failedOn('tenant_2').message },
    ]);
  });

  it('does not group different lines, end lines, rules, severities or help', () => {
    const a = failedOn('tenant_1');
    const b = failedOn('tenant_2');
    const pairs: Array<[Finding, Finding]> = [
      [a, failedOn('tenant_2', 4)],
      [a, { ...b, endLine: 5 }],
      [a, { ...b, rule: 'statement-timeout' }],
      [a, { ...b, severity: 'warning' }],
      [a, { ...b, help: 'Something else.' }],
      [a, { ...b, file: 'db/migrations/000008_other.up.sql' }],
    ];
    for (const pair of pairs) expect(groupFindings(pair)).toHaveLength(2);
  });

  it('does not group messages that differ beyond the tenant name', () => {
    expect(
      summary([
        driftOn('tenant_2'),
        driftOn('tenant_3', 'column orders.status has type text, not varchar(20)'),
        driftOn('tenant_4'),
      ]),
    ).toEqual([
      {
        line: 4,
        tenants: ['tenant_2', 'tenant_4'],
        message:
          "after the PR, tenant {tenant}'s catalog differs from tenant_1's: index orders_status_idx exists only in {tenant}",
      },
      {
        line: 4,
        tenants: ['tenant_3'],
        message:
          "after the PR, tenant tenant_3's catalog differs from tenant_1's: column orders.status has type text, not varchar(20)",
      },
    ]);
  });

  it('keeps a finding without a tenant as a group of its own, even next to its twin', () => {
    const { tenant: _t, ...shared } = failedOn('tenant_1');
    const groups = groupFindings([shared, shared, failedOn('tenant_1'), failedOn('tenant_2')]);
    expect(groups.map((g) => g.tenants)).toEqual([[], [], ['tenant_1', 'tenant_2']]);
    expect(groups[0].message).toBe(shared.message);
  });

  it('lists a tenant once when it has the same finding twice', () => {
    const groups = groupFindings([
      failedOn('tenant_1'),
      failedOn('tenant_1'),
      failedOn('tenant_2'),
    ]);
    expect(groups.map((g) => [g.tenants, g.findings.length])).toEqual([
      [['tenant_1', 'tenant_2'], 3],
    ]);
  });

  it('keeps the order of each group’s first finding', () => {
    const groups = groupFindings([
      failedOn('tenant_1'),
      driftOn('tenant_2'),
      failedOn('tenant_2'),
      driftOn('tenant_3'),
    ]);
    expect(groups.map((g) => [g.first.rule, g.tenants])).toEqual([
      ['migration-failed', ['tenant_1', 'tenant_2']],
      ['tenant-drift', ['tenant_2', 'tenant_3']],
    ]);
  });
});

describe('withoutTenant', () => {
  it('replaces whole names only, as plain text', () => {
    expect(withoutTenant('tenant_10 and tenant_1.users, not my_tenant_1', 'tenant_1')).toBe(
      'tenant_10 and {tenant}.users, not my_tenant_1',
    );
    expect(withoutTenant('on acme.eu (not acmeXeu)', 'acme.eu')).toBe('on {tenant} (not acmeXeu)');
    expect(withoutTenant('on tenant_1', undefined)).toBe('on tenant_1');
  });
});

describe('tenantList', () => {
  const four = ['tenant_1', 'tenant_2', 'tenant_3', 'tenant_4'];
  it('names one or two tenants, counts three or more and shortens long lists', () => {
    expect(tenantList([], four)).toBe('');
    expect(tenantList(['tenant_2'], four)).toBe('tenant_2');
    expect(tenantList(['tenant_2', 'tenant_3'], four)).toBe('tenant_2, tenant_3');
    expect(tenantList(['tenant_2', 'tenant_3', 'tenant_4'], four)).toBe(
      '3 tenants: tenant_2, tenant_3, tenant_4',
    );
    const seven = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(tenantList(seven, [...seven, 'h'])).toBe('7 tenants: a, b, c, d, e and 2 more');
  });

  it('counts the tenants a finding stands for beyond the names it carries (snapshot variants)', () => {
    const five = ['t01', 't02', 't03', 't04', 't05'];
    expect(tenantList(five, ['a'], 20)).toBe('20 tenants: t01, t02, t03, t04, t05 and 15 more');
    expect(tenantList(['tenant_07'], ['a', 'b', 'c'], 1)).toBe('tenant_07');
    const group = groupFindings([
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        message: 'm',
        tenants: five,
        tenantCount: 18,
      },
    ])[0];
    expect(group.tenantCount).toBe(18);
  });

  it('says "all N tenants" (or "both tenants") when every simulated tenant has it, in any order', () => {
    expect(tenantList(['tenant_3', 'tenant_1', 'tenant_4', 'tenant_2'], four)).toBe(
      'all 4 tenants',
    );
    const twenty = Array.from({ length: 20 }, (_, i) => `t${i + 1}`);
    expect(tenantList(twenty, twenty)).toBe('all 20 tenants');
    expect(tenantList(['tenant_2', 'tenant_1'], ['tenant_1', 'tenant_2'])).toBe('both tenants');
    // With one simulated tenant, naming it says more than "all 1 tenants".
    expect(tenantList(['tenant_1'], ['tenant_1'])).toBe('tenant_1');
  });
});

describe('groupingNote', () => {
  it('explains the counts only when groups merged findings', () => {
    expect(groupingNote(12, 9, 'rows')).toBe(
      '12 findings listed as 9 rows, one per statement and rule with its tenants',
    );
    expect(groupingNote(2, 2, 'rows')).toBeUndefined();
  });
});
