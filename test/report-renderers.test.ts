import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/model.js';
import type { Report } from '../src/core/report.js';
import { sortFindings } from '../src/core/report.js';
import { renderText } from '../src/report/text.js';
import { renderMarkdown, renderMarkdownWithin } from '../src/report/markdown.js';
import { renderSarif } from '../src/report/sarif.js';
import { toAnnotations } from '../src/report/annotations.js';
import { renderJson } from '../src/report/json.js';

const FILE = 'db/migrations/000006_add_users_external_id.up.sql';

function report(overrides: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'schemagate', version: '0.1.0' },
    executionId: '00000000-0000-0000-0000-000000000000',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234,
    status: 'blocked',
    topology: {
      kind: 'schema',
      tenants: ['tenant_1', 'tenant_2'],
      replicas: 1,
      provider: 'embedded',
      postgres: '18.4',
    },
    format: { name: 'golang-migrate', reason: 'found 2 files named {version}_{title}.up.sql' },
    migrations: [{ id: '000006', file: FILE, state: 'new', statements: 2 }],
    steps: [
      {
        action: 'replay PR',
        status: 'ok',
        durationMs: 12,
        details: '1 migration(s) on 2 tenant(s)',
      },
    ],
    findings: [
      {
        gate: 'locks',
        rule: 'table-rewrite',
        severity: 'blocker',
        file: FILE,
        line: 2,
        endLine: 3,
        message: 'rewrites users | and its indexes',
        help: 'Add the column without a default.',
        docs: 'docs/rules/table-rewrite.md',
      },
      {
        gate: 'graph',
        rule: 'fk-without-index',
        severity: 'warning',
        file: FILE,
        line: 5,
        tenant: 'tenant_2',
        message: 'no index on user_id',
      },
    ],
    trace: [
      {
        migrationId: '000006',
        file: FILE,
        line: 2,
        endLine: 3,
        kind: 'AlterTableStmt',
        tenant: 'tenant_1',
        index: 0,
        durationMs: 4.5,
        rowCount: null,
        inTransaction: true,
        maxWorkloadWaitMs: 18,
        locks: [
          { relation: 'users', mode: 'AccessExclusiveLock', preexisting: true },
          { relation: 'new_table', mode: 'AccessExclusiveLock', preexisting: false },
        ],
        rewritten: ['users'],
      },
    ],
    notes: ['seeded 2000 rows'],
    summary: {
      blockers: 1,
      warnings: 1,
      notices: 0,
      migrationsApplied: 1,
      tenantsValidated: 2,
      gatesPassed: 5,
    },
    ...overrides,
  };
}

const FILE7 = 'db/migrations/000007_orders_status.up.sql';
const TENANTS = ['tenant_1', 'tenant_2', 'tenant_3', 'tenant_4'];

function at(line: number, f: Omit<Finding, 'file' | 'line'>): Finding {
  return { file: FILE7, line, ...f };
}

/**
 * A migration of 9 statements on 4 tenants with 15 findings: six statements without a tenant,
 * one failing on 2 tenants, one drifting on 3, one referencing another schema on all 4. The
 * messages mention the tenant the way the gates word them.
 */
function nineStatements(): Report {
  const failed = (tenant: string) =>
    at(3, {
      gate: 'replay',
      rule: 'migration-failed',
      severity: 'blocker',
      tenant,
      message: `${FILE7}:3: relation "orders_status_idx" already exists (SQLSTATE 42P07) on ${tenant}`,
      help: 'Fix the statement so that it applies on a database that has every merged migration.',
    });
  const drift = (tenant: string) =>
    at(4, {
      gate: 'isolation',
      rule: 'tenant-drift',
      severity: 'blocker',
      tenant,
      message: `after the PR, tenant ${tenant}'s catalog differs from tenant_1's: index orders_status_idx exists only in tenant_1`,
    });
  const reference = (tenant: string) =>
    at(6, {
      gate: 'isolation',
      rule: 'cross-tenant-reference',
      severity: 'blocker',
      tenant,
      message: `function audit_row in tenant ${tenant} references schema archive, which belongs to another tenant: ${tenant} reads or depends on that tenant's data`,
      help: "Use unqualified names so that each tenant's objects resolve in its own schema.",
    });
  const lock = (line: number, rule: string, message: string, severity: Finding['severity']) =>
    at(line, { gate: 'locks', rule, severity, message });
  const findings = [
    lock(1, 'missing-lock-timeout', 'no lock_timeout before ALTER TABLE orders', 'warning'),
    lock(2, 'non-concurrent-index', 'CREATE INDEX without CONCURRENTLY blocks writes', 'warning'),
    ...['tenant_2', 'tenant_3'].map(failed),
    ...['tenant_2', 'tenant_3', 'tenant_4'].map(drift),
    lock(5, 'table-rewrite', 'rewrites orders', 'blocker'),
    ...TENANTS.map(reference),
    lock(7, 'constraint-without-not-valid', 'ADD CONSTRAINT scans orders', 'warning'),
    lock(8, 'set-not-null-scan', 'SET NOT NULL scans orders', 'warning'),
    lock(9, 'json-column', 'column orders.meta is json, not jsonb', 'notice'),
  ];
  return report({
    topology: { ...report().topology, tenants: TENANTS },
    migrations: [{ id: '000007', file: FILE7, state: 'new', statements: 9 }],
    steps: [],
    findings: sortFindings(findings),
    trace: [],
    notes: [],
    summary: {
      blockers: 10,
      warnings: 4,
      notices: 1,
      migrationsApplied: 1,
      tenantsValidated: 4,
      gatesPassed: 4,
    },
  });
}

describe('report renderers', () => {
  it('renders the terminal report grouped by file, with locks, steps and the verdict', () => {
    expect(renderText(report())).toBe(
      [
        'schemagate 0.1.0 · embedded Postgres 18.4 · schema topology, 2 tenant(s), 1 replica(s)',
        'format: golang-migrate (found 2 files named {version}_{title}.up.sql)',
        '',
        FILE,
        '     2  BLOCKER  locks/table-rewrite',
        '        rewrites users | and its indexes',
        '        → Add the column without a default.',
        '     5  warning  graph/fk-without-index [tenant_2]',
        '        no index on user_id',
        '',
        'Locks and rewrites on pre-existing tables',
        `  ${FILE}:2 AlterTableStmt 4.5 ms: locks AccessExclusiveLock on users; rewrote users; workload waited 18 ms`,
        '',
        'note: seeded 2000 rows',
        'Steps',
        '  ok      replay PR            12 ms  1 migration(s) on 2 tenant(s)',
        '',
        'BLOCKED: 1 blocker(s), 1 warning(s), 0 notice(s); 1 migration(s) applied on 2 tenant(s)',
        '',
      ].join('\n'),
    );
  });

  it('renders only the error when the run stopped before Postgres started', () => {
    const failed = report({
      status: 'error',
      findings: [],
      error: { message: 'migration directory x does not exist', exitCode: 2 },
      topology: { ...report().topology, postgres: '' },
    });
    expect(renderText(failed)).toBe(
      'schemagate 0.1.0\nerror: migration directory x does not exist\n',
    );
  });

  it('renders Markdown with a table per gate, escaped cells, links and the marker', () => {
    const md = renderMarkdown(report(), {
      marker: '<!-- m -->',
      link: (f, l) => `https://x/${f}#L${l}`,
    });
    expect(md.startsWith('<!-- m -->\n## ⛔ schemagate: blocked\n')).toBe(true);
    expect(md).toContain('### graph\n\n| | rule | where | tenant | finding |');
    expect(md).toContain(
      `| ⛔ | \`table-rewrite\` | [\`${FILE}:2\`](https://x/${FILE}#L2) |  | rewrites users \\| and its indexes<br>**Fix:** Add the column without a default. |`,
    );
    expect(md.indexOf('### graph')).toBeLessThan(md.indexOf('### locks'));
  });

  it('shortens Markdown to the limit, counting the findings it leaves out', () => {
    const many = report({
      findings: Array.from({ length: 400 }, (_, i) => ({ ...report().findings[0], line: i + 1 })),
    });
    const md = renderMarkdownWithin(many, 20_000);
    expect(md.length).toBeLessThanOrEqual(20_000);
    expect(md).toMatch(
      /_\d+ more finding\(s\) not shown here; see the job summary, the check run or the JSON report\._/,
    );
  });

  it('renders SARIF 2.1.0 results with rule, level and region', () => {
    const sarif = JSON.parse(renderSarif(report()));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([
      'fk-without-index',
      'table-rewrite',
    ]);
    expect(sarif.runs[0].results[0]).toMatchObject({
      ruleId: 'table-rewrite',
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: FILE },
            region: { startLine: 2, endLine: 3 },
          },
        },
      ],
    });
    expect(sarif.runs[0].results[1]).toMatchObject({
      ruleId: 'fk-without-index',
      level: 'warning',
      properties: { tenant: 'tenant_2' },
    });
  });

  it('turns findings into annotations with file, lines and title', () => {
    expect(toAnnotations(report())).toEqual([
      {
        level: 'error',
        file: FILE,
        startLine: 2,
        endLine: 3,
        title: 'schemagate locks/table-rewrite',
        message: 'rewrites users | and its indexes\n\nAdd the column without a default.',
      },
      {
        level: 'warning',
        file: FILE,
        startLine: 5,
        endLine: 5,
        title: 'schemagate graph/fk-without-index (tenant_2)',
        message: 'no index on user_id',
      },
    ]);
  });

  it('lists a statement once per rule in the terminal, with its tenants, and explains the counts', () => {
    const text = renderText(nineStatements());
    const findings = text.slice(text.indexOf(FILE7), text.indexOf('Steps'));
    expect(findings).toBe(
      [
        FILE7,
        '     1  warning  locks/missing-lock-timeout',
        '        no lock_timeout before ALTER TABLE orders',
        '     2  warning  locks/non-concurrent-index',
        '        CREATE INDEX without CONCURRENTLY blocks writes',
        '     3  BLOCKER  replay/migration-failed [tenant_2, tenant_3]',
        `        ${FILE7}:3: relation "orders_status_idx" already exists (SQLSTATE 42P07) on {tenant}`,
        '        → Fix the statement so that it applies on a database that has every merged migration.',
        '     4  BLOCKER  isolation/tenant-drift [3 tenants: tenant_2, tenant_3, tenant_4]',
        "        after the PR, tenant {tenant}'s catalog differs from tenant_1's: index orders_status_idx exists only in tenant_1",
        '     5  BLOCKER  locks/table-rewrite',
        '        rewrites orders',
        '     6  BLOCKER  isolation/cross-tenant-reference [all 4 tenants]',
        "        function audit_row in tenant {tenant} references schema archive, which belongs to another tenant: {tenant} reads or depends on that tenant's data",
        "        → Use unqualified names so that each tenant's objects resolve in its own schema.",
        '     7  warning  locks/constraint-without-not-valid',
        '        ADD CONSTRAINT scans orders',
        '     8  warning  locks/set-not-null-scan',
        '        SET NOT NULL scans orders',
        '     9  notice   locks/json-column',
        '        column orders.meta is json, not jsonb',
        '',
        '',
      ].join('\n'),
    );
    expect(
      text.endsWith(
        '\nBLOCKED: 10 blocker(s), 4 warning(s), 1 notice(s) (15 findings listed as 9 entries, one per statement and rule with its tenants); 1 migration(s) applied on 4 tenant(s)\n',
      ),
    ).toBe(true);
  });

  it('lists a statement once per rule in the comment, with its tenants, and explains the counts', () => {
    const md = renderMarkdown(nineStatements());
    const rows = md.split('\n').filter((l) => /^\| (⛔|⚠️|ℹ️) \|/.test(l));
    const where = (line: number) => `\`${FILE7}:${line}\``;
    expect(rows).toEqual([
      `| ⛔ | \`migration-failed\` | ${where(3)} | tenant_2, tenant_3 | ${FILE7}:3: relation "orders_status_idx" already exists (SQLSTATE 42P07) on {tenant}<br>**Fix:** Fix the statement so that it applies on a database that has every merged migration. |`,
      `| ⛔ | \`table-rewrite\` | ${where(5)} |  | rewrites orders |`,
      `| ⚠️ | \`missing-lock-timeout\` | ${where(1)} |  | no lock_timeout before ALTER TABLE orders |`,
      `| ⚠️ | \`non-concurrent-index\` | ${where(2)} |  | CREATE INDEX without CONCURRENTLY blocks writes |`,
      `| ⚠️ | \`constraint-without-not-valid\` | ${where(7)} |  | ADD CONSTRAINT scans orders |`,
      `| ⚠️ | \`set-not-null-scan\` | ${where(8)} |  | SET NOT NULL scans orders |`,
      `| ℹ️ | \`json-column\` | ${where(9)} |  | column orders.meta is json, not jsonb |`,
      `| ⛔ | \`tenant-drift\` | ${where(4)} | 3 tenants: tenant_2, tenant_3, tenant_4 | after the PR, tenant {tenant}'s catalog differs from tenant_1's: index orders_status_idx exists only in tenant_1 |`,
      `| ⛔ | \`cross-tenant-reference\` | ${where(6)} | all 4 tenants | function audit_row in tenant {tenant} references schema archive, which belongs to another tenant: {tenant} reads or depends on that tenant's data<br>**Fix:** Use unqualified names so that each tenant's objects resolve in its own schema. |`,
    ]);
    expect(md).toContain(
      '\n**10** blocker(s), **4** warning(s), **1** notice(s) (15 findings listed as 9 rows, one per statement and rule with its tenants) · 1 migration(s) on 4 tenant(s) ·',
    );
  });

  it('annotates a statement once per rule, with its tenants in the title', () => {
    const annotations = toAnnotations(nineStatements());
    expect(annotations).toHaveLength(9);
    expect(annotations.map((a) => [a.level, a.startLine, a.title])).toEqual([
      ['error', 3, 'schemagate replay/migration-failed (tenant_2, tenant_3)'],
      ['error', 4, 'schemagate isolation/tenant-drift (3 tenants: tenant_2, tenant_3, tenant_4)'],
      ['error', 5, 'schemagate locks/table-rewrite'],
      ['error', 6, 'schemagate isolation/cross-tenant-reference (all 4 tenants)'],
      ['warning', 1, 'schemagate locks/missing-lock-timeout'],
      ['warning', 2, 'schemagate locks/non-concurrent-index'],
      ['warning', 7, 'schemagate locks/constraint-without-not-valid'],
      ['warning', 8, 'schemagate locks/set-not-null-scan'],
      ['notice', 9, 'schemagate locks/json-column'],
    ]);
    expect(annotations[0].message).toBe(
      `${FILE7}:3: relation "orders_status_idx" already exists (SQLSTATE 42P07) on {tenant}\n\nFix the statement so that it applies on a database that has every merged migration.`,
    );
  });

  it('keeps every finding in the JSON and SARIF, one per tenant', () => {
    const nine = nineStatements();
    expect(JSON.parse(renderJson(nine)).findings).toHaveLength(15);
    expect(JSON.parse(renderSarif(nine)).runs[0].results).toHaveLength(15);
  });

  it('shortens grouped Markdown by whole rows, counting the findings they hold', () => {
    const pair = (line: number): Finding[] =>
      ['tenant_1', 'tenant_2'].map((tenant) => ({
        ...report().findings[1],
        line,
        tenant,
        message: `no index on user_id for ${tenant}`,
      }));
    const many = report({ findings: Array.from({ length: 400 }, (_, i) => pair(i + 1)).flat() });
    const md = renderMarkdownWithin(many, 20_000);
    expect(md.length).toBeLessThanOrEqual(20_000);
    const rows = md.split('\n').filter((l) => l.startsWith('| ⚠️ |'));
    expect(
      rows.every((r) => r.includes('| both tenants | no index on user_id for {tenant} |')),
    ).toBe(true);
    const hidden = Number(/_(\d+) more finding\(s\) not shown here/.exec(md)?.[1]);
    expect(rows.length * 2 + hidden).toBe(800);
    expect(md).toContain(
      '(800 findings listed as 400 rows, one per statement and rule with its tenants)',
    );
  });

  it('says in the terminal and the comment where a base that is no history came from', () => {
    const r = report();
    r.topology.base = { kind: 'snapshot', path: 'db/snapshot', variants: 3, tenants: 2000 };
    const line = 'base: the snapshot db/snapshot, 3 variant(s) for 2000 tenant(s)';
    expect(renderText(r).split('\n')).toContain(line);
    expect(renderMarkdown(r)).toContain(`\n\n${line}\n\n**`);
    r.topology.base = { kind: 'history' };
    expect(renderText(r)).not.toContain('base:');
    expect(renderMarkdown(r)).not.toContain('base:');
  });

  it('writes the JSON contract as it is', () => {
    expect(JSON.parse(renderJson(report()))).toEqual(report());
  });
});
