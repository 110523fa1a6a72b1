import { describe, expect, it } from 'vitest';
import type { Report } from '../src/core/report.js';
import { childEnv, gitEnv, placeholderEnv } from '../src/core/child-env.js';
import { expandEnvsub } from '../src/discover/goose-envsub.js';
import { memoryLogger } from '../src/core/logger.js';
import { redact, redactDeep, redactingLogger, secretValues } from '../src/core/secrets.js';
import { toAnnotations } from '../src/report/annotations.js';
import { renderJson } from '../src/report/json.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderSarif } from '../src/report/sarif.js';
import { renderText } from '../src/report/text.js';

const TOKEN = 'ghs_secretvalue123';
const RUNTIME = 'eyJhbGciOiJSUzI1NiJ9.runtime.token';
const FILE = 'db/migrations/000005_x.up.sql';

/** A runner's environment, with the secrets it holds and ordinary variables beside them. */
const RUNNER_ENV = {
  PATH: '/usr/local/bin:/usr/bin',
  HOME: '/home/runner',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  TMPDIR: '/tmp',
  GITHUB_TOKEN: TOKEN,
  'INPUT_GITHUB-TOKEN': TOKEN,
  ACTIONS_RUNTIME_TOKEN: RUNTIME,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token-1',
  GITHUB_REPOSITORY: 'acme/shop',
  RUNNER_TEMP: '/home/runner/work/_temp',
  INPUT_MIGRATIONS: 'db/migrations',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
  DB_PASSWORD: 'short',
  POSTGRES_PASSWORD: 'postgres',
  SSH_KEY_PATH: '/home/runner/.ssh/id_ed25519',
  PGPASSWORD: 'pg-pass-9876',
  PGDATA: '/var/lib/postgresql/data',
  NODE_OPTIONS: '--require /tmp/hook.js',
};

function reportWith(message: string): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'schemagate', version: '0.1.0' },
    executionId: 'e',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    status: 'blocked',
    topology: {
      kind: 'schema',
      tenants: ['tenant_1'],
      replicas: 0,
      provider: 'embedded',
      postgres: '18.4',
    },
    migrations: [{ id: '000005', file: FILE, state: 'new', statements: 1 }],
    steps: [{ action: 'replay PR', status: 'blocked', durationMs: 1, details: message }],
    findings: [
      {
        gate: 'replay',
        rule: 'migration-failed',
        severity: 'blocker',
        file: FILE,
        line: 1,
        message,
        help: `check ${TOKEN}`,
        docs: 'docs/rules/migration-failed.md',
      },
    ],
    notes: [message],
    summary: {
      blockers: 1,
      warnings: 0,
      notices: 0,
      migrationsApplied: 1,
      tenantsValidated: 1,
      gatesPassed: 0,
    },
  };
}

describe('the secrets a run knows', () => {
  it('are the token input and the values of secret-named variables of 8 characters or more', () => {
    expect(secretValues(RUNNER_ENV, ['ghs_explicit_token'])).toEqual([
      RUNTIME,
      'wJalrXUtnFEMI/K7MDENG',
      'oidc-request-token-1',
      'ghs_explicit_token',
      TOKEN,
      'pg-pass-9876',
    ]);
  });

  it('leave out a plain word and a path, which are not secrets but are everywhere in a report', () => {
    const values = secretValues(RUNNER_ENV);
    expect(values).not.toContain('postgres');
    expect(values).not.toContain('/home/runner/.ssh/id_ed25519');
    expect(values).not.toContain('short');
  });
});

describe('redaction', () => {
  const secrets = secretValues(RUNNER_ENV);

  it('replaces every occurrence, the longer secret first', () => {
    expect(redact(`a ${TOKEN} b ${TOKEN}x ${RUNTIME}`, secrets)).toBe('a *** b ***x ***');
    expect(
      redact(
        `${TOKEN}`,
        ['ghs_secret', TOKEN].sort((a, b) => b.length - a.length),
      ),
    ).toBe('***');
  });

  it('covers every renderer when applied to the Report', () => {
    const leaked = `invalid input syntax for type integer: "GITHUB_TOKEN=${TOKEN} ACTIONS_RUNTIME_TOKEN=${RUNTIME}"`;
    const raw = reportWith(leaked);
    const safe = redactDeep(raw, secrets);
    expect(safe.findings[0].message).toBe(
      'invalid input syntax for type integer: "GITHUB_TOKEN=*** ACTIONS_RUNTIME_TOKEN=***"',
    );
    expect(safe.findings[0].help).toBe('check ***');
    // The shape is unchanged, the input untouched.
    expect({ ...safe, findings: [], steps: [], notes: [] }).toEqual({
      ...raw,
      findings: [],
      steps: [],
      notes: [],
    });
    expect(raw.findings[0].message).toContain(TOKEN);
    const outputs = {
      markdown: renderMarkdown(safe),
      sarif: renderSarif(safe),
      json: renderJson(safe),
      text: renderText(safe),
      annotations: JSON.stringify(toAnnotations(safe)),
    };
    for (const [name, text] of Object.entries(outputs)) {
      expect(text, name).toContain('GITHUB_TOKEN=***');
      expect(text, name).not.toContain(TOKEN);
      expect(text, name).not.toContain(RUNTIME);
    }
    // Unredacted, the renderers would have carried it: the check above can fail.
    expect(renderMarkdown(raw)).toContain(TOKEN);
  });

  it('covers the log: lines, group names and progress', async () => {
    const inner = memoryLogger();
    const logger = redactingLogger(inner, secrets);
    logger.info(`token ${TOKEN}`);
    logger.warn(`runtime ${RUNTIME}`);
    logger.debug(`pg ${'pg-pass-9876'}`);
    await logger.group(`group ${TOKEN}`, async () => {});
    logger.progress({ phase: 'replay PR', done: `failed: ${TOKEN}` });
    expect(inner.lines).toEqual([
      'token ***',
      'warning: runtime ***',
      'debug: pg ***',
      '[group ***]',
      'replay PR: failed: ***',
    ]);
  });
});

describe('the environment of child processes (core/child-env.ts)', () => {
  it('is PATH, HOME, the locale, TZ and TMPDIR, then what the caller adds', () => {
    expect(childEnv({ EXTRA: '1' }, [], RUNNER_ENV)).toEqual({
      PATH: '/usr/local/bin:/usr/bin',
      HOME: '/home/runner',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      TMPDIR: '/tmp',
      EXTRA: '1',
    });
  });

  it('passes on the names passEnv lists, even a runner variable (Alembic passEnv: only)', () => {
    expect(childEnv({}, ['GITHUB_REPOSITORY', 'NOT_SET'], RUNNER_ENV)).toMatchObject({
      GITHUB_REPOSITORY: 'acme/shop',
    });
    expect(childEnv({}, ['NOT_SET'], RUNNER_ENV)).not.toHaveProperty('NOT_SET');
  });

  it("gives a migration's placeholders neither the runner's variables nor secrets", () => {
    const env = placeholderEnv(RUNNER_ENV);
    expect(Object.keys(env).sort()).toEqual(
      [
        'DB_PASSWORD',
        'HOME',
        'LANG',
        'LC_ALL',
        'NODE_OPTIONS',
        'PATH',
        'PGDATA',
        'POSTGRES_PASSWORD',
        'SSH_KEY_PATH',
        'TMPDIR',
        'TZ',
      ].sort(),
    );
    // goose ENVSUB in a PR's migration: the token is not rendered into its SQL.
    const sql = "-- +goose ENVSUB ON\nINSERT INTO leak VALUES ('${GITHUB_TOKEN}', '${PGDATA}');";
    expect(expandEnvsub(sql, 'x.sql', env).source).toBe(
      "-- +goose ENVSUB ON\nINSERT INTO leak VALUES ('', '/var/lib/postgresql/data');",
    );
  });

  it('drops an allowlisted variable whose value holds a secret', () => {
    const env = { ...RUNNER_ENV, LANGUAGE: `en:${TOKEN}` };
    expect(childEnv({}, [], env)).not.toHaveProperty('LANGUAGE');
  });

  it('gives git no prompt and no token', () => {
    const env = gitEnv();
    expect(env.GIT_TERMINAL_PROMPT).toBe('0');
    expect(Object.keys(env).filter((k) => /^(GITHUB_|INPUT_|ACTIONS_|RUNNER_)/.test(k))).toEqual(
      [],
    );
  });
});
