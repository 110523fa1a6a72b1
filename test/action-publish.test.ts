import { describe, expect, it } from 'vitest';
import type { RunContext } from '../src/action/event.js';
import {
  checkConclusion,
  checkRunRequest,
  failureMessage,
  fileLink,
  outcome,
} from '../src/action/publish.js';
import type { Finding } from '../src/core/model.js';
import { countFindings, setupErrorLine, type Report } from '../src/core/report.js';

const run: RunContext = {
  eventName: 'pull_request',
  owner: 'acme',
  repo: 'shop',
  headSha: 'abc123',
  pullNumber: 42,
  baseSha: 'def456',
  baseSource: 'pull request #42 base',
  serverUrl: 'https://ghe.example',
  apiUrl: 'https://ghe.example/api/v3',
};

const blocker: Finding = {
  gate: 'locks',
  rule: 'table-rewrite',
  severity: 'blocker',
  file: 'db/migrations/000006_add users.up.sql',
  line: 2,
  endLine: 3,
  message: 'ALTER TABLE users rewrites users',
  help: 'Add the column without a default.',
};
const warning: Finding = {
  gate: 'graph',
  rule: 'fk-without-index',
  severity: 'warning',
  file: 'db/migrations/000007.up.sql',
  line: 1,
  message: 'no index',
};
const fileless: Finding = {
  gate: 'replica',
  rule: 'replica-lag',
  severity: 'notice',
  message: 'lag',
};

function report(findings: Finding[], error?: Report['error']): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'schemagate', version: '0.1.0' },
    executionId: 'x',
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 1,
    status: error ? 'error' : findings.some((f) => f.severity === 'blocker') ? 'blocked' : 'passed',
    topology: {
      kind: 'schema',
      tenants: ['tenant_1'],
      replicas: 0,
      provider: 'embedded',
      postgres: '18.4',
    },
    migrations: [],
    steps: [],
    findings,
    notes: [],
    summary: {
      ...countFindings(findings),
      migrationsApplied: 1,
      tenantsValidated: 1,
      gatesPassed: 1,
    },
    ...(error ? { error } : {}),
  };
}

describe('verdicts', () => {
  it('maps findings and fail-on to the check conclusion and the status output', () => {
    const cases = [
      [report([]), 'blocker', 'success', 'passed'],
      [report([warning]), 'blocker', 'neutral', 'passed'],
      [report([warning]), 'warning', 'failure', 'blocked'],
      [report([blocker]), 'blocker', 'failure', 'blocked'],
      [report([blocker]), 'never', 'neutral', 'passed'],
      [report([fileless]), 'warning', 'success', 'passed'],
      [report([], { message: 'no Docker', exitCode: 3 }), 'blocker', 'failure', 'error'],
    ] as const;
    expect(cases.map(([r, failOn]) => [checkConclusion(r, failOn), outcome(r, failOn)])).toEqual(
      cases.map(([, , conclusion, status]) => [conclusion, status]),
    );
  });

  it('fails with a message that names the counts, or the input or infrastructure error', () => {
    expect(failureMessage(report([warning]), 'blocker')).toBeUndefined();
    expect(failureMessage(report([blocker, warning]), 'blocker')).toBe(
      'schemagate: 1 blocker(s) and 1 warning(s) reach fail-on blocker; see the annotations, the pull request comment or the job summary',
    );
    expect(
      failureMessage(report([], { message: 'bad.sql:3: syntax error', exitCode: 2 }), 'never'),
    ).toBe('schemagate input error: bad.sql:3: syntax error');
    expect(
      failureMessage(report([], { message: 'Postgres did not start', exitCode: 3 }), 'blocker'),
    ).toBe('schemagate infrastructure error: Postgres did not start');
  });

  it('says the base could not be built, in the step, the check run and the comment, and annotates nothing', () => {
    const setupError: NonNullable<Report['setupError']> = {
      file: 'db/migrations/000001_init.up.sql',
      line: 1,
      message: 'extension "vector" is not available (SQLSTATE 0A000)',
      cause: 'missing-extension',
      remedy:
        'the embedded Postgres does not ship vector: use --provider docker with `image: pgvector/pgvector:pg17`.',
    };
    const failed = {
      ...report([], { message: setupErrorLine(setupError), exitCode: 3 }),
      setupError,
    };
    expect(failureMessage(failed, 'blocker')).toBe(
      'schemagate could not build the base: db/migrations/000001_init.up.sql:1: extension "vector" is not available (SQLSTATE 0A000) (an extension this Postgres does not have). Fix: the embedded Postgres does not ship vector: use --provider docker with `image: pgvector/pgvector:pg17`.',
    );
    expect(outcome(failed, 'blocker')).toBe('error');
    const request = checkRunRequest(failed, run, 'schemagate', 'blocker');
    expect(request.title).toBe('schemagate could not build the base');
    expect(request.annotations).toEqual([]);
    expect(request.summary).toContain('## ❌ schemagate could not build the base');
    expect(request.summary).toContain(
      '| where | [`db/migrations/000001_init.up.sql:1`](https://ghe.example/acme/shop/blob/abc123/db/migrations/000001_init.up.sql#L1) |',
    );
    expect(request.summary).toContain(
      '| cause | an extension this Postgres does not have (`missing-extension`) |',
    );
    expect(request.summary).not.toMatch(/blocked/i);
  });
});

describe('links and the check run', () => {
  it('links a file line in the head commit on the configured server', () => {
    expect(fileLink(run)('db/migrations/000006_add users.up.sql', 2)).toBe(
      'https://ghe.example/acme/shop/blob/abc123/db/migrations/000006_add%20users.up.sql#L2',
    );
    expect(fileLink(run)('schema.sql')).toBe(
      'https://ghe.example/acme/shop/blob/abc123/schema.sql',
    );
  });

  it('builds the check run from the report: findings without a file stay in the summary', () => {
    const request = checkRunRequest(
      report([blocker, warning, fileless]),
      run,
      'migrations safety',
      'blocker',
    );
    expect({ ...request, summary: undefined }).toEqual({
      name: 'migrations safety',
      headSha: 'abc123',
      conclusion: 'failure',
      title: '1 blocker(s), 1 warning(s), 1 notice(s)',
      summary: undefined,
      annotations: [
        {
          path: 'db/migrations/000006_add users.up.sql',
          start_line: 2,
          end_line: 3,
          annotation_level: 'failure',
          title: 'schemagate locks/table-rewrite',
          message: 'ALTER TABLE users rewrites users\n\nAdd the column without a default.',
        },
        {
          path: 'db/migrations/000007.up.sql',
          start_line: 1,
          end_line: 1,
          annotation_level: 'warning',
          title: 'schemagate graph/fk-without-index',
          message: 'no index',
        },
      ],
    });
    expect(request.summary).toContain('| ℹ️ | `replica-lag` |  |  | lag |');
  });
});
