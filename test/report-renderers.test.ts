import { describe, expect, it } from 'vitest';
import type { Report } from '../src/core/report.js';
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

  it('writes the JSON contract as it is', () => {
    expect(JSON.parse(renderJson(report()))).toEqual(report());
  });
});
