import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { defaultSettings } from '../src/config/settings.js';
import { memoryLogger } from '../src/core/logger.js';
import { discoverMigrations } from '../src/discover/index.js';
import { readGraphileConfig } from '../src/discover/gmrc.js';
import { initSqlParser } from '../src/sql/split.js';
import { brief, fixtureOptions, runFixture } from './helpers/run.js';

/**
 * `:NAME` placeholders: graphile-migrate's (keys with the colon, from `.gmrc` or `placeholders:`)
 * and psql's variables (`:NAME`, `:'NAME'`, `:"NAME"`), rendered from settings before replay.
 */

beforeAll(() => initSqlParser());

const GRAPHILE = resolve('fixtures/formats/graphile-migrate');
const COMMITTED = '@app/db/migrations/committed';
const PSQL = resolve('fixtures/formats/plain-psql-variables');

const unsetVisitor = (line: number) => ({
  rule: 'template-placeholder',
  severity: 'blocker',
  file: `${COMMITTED}/000002.sql`,
  line,
  message:
    ':DATABASE_VISITOR is a graphile-migrate placeholder with no value here: @app/db/.gmrc takes it from the environment variable DATABASE_VISITOR ("!ENV"), which is not set; the statement is not SQL until it is rendered, so it cannot be replayed as written',
  help: 'Set DATABASE_VISITOR in the check\'s environment, or give it the value the deploy uses: placeholders: { ":DATABASE_VISITOR": … } in .schemagate.yml.',
});

const GRAPHILE_NOTE =
  '@app/db/.gmrc: graphile-migrate placeholders :DATABASE_ANALYST, :DATABASE_AUTHENTICATOR, :DATABASE_VISITOR, and its built-ins :DATABASE_OWNER (the migrating role, CURRENT_USER) and :DATABASE_NAME (postgres), replaced as graphile-migrate replaces them; "!ENV" variables not set here: DATABASE_AUTHENTICATOR, DATABASE_VISITOR';

const sqlOf = async (root: string, dir: string, placeholders = {}) => {
  const settings = { ...defaultSettings(), placeholders };
  const d = await discoverMigrations(root, dir, 'auto', settings);
  return { d, sql: d.migrations.map((m) => m.up.statements.map((s) => [s.line, s.sql])) };
};

afterEach(() => {
  delete process.env.DATABASE_VISITOR;
});

describe('graphile-migrate placeholders from .gmrc', () => {
  it('replaces literal values and the built-ins, leaving casts and := alone', async () => {
    const { d, sql } = await sqlOf(GRAPHILE, COMMITTED);
    expect(d.format).toBe('plain');
    expect(d.notes).toContain(GRAPHILE_NOTE);
    expect(sql[0].slice(1)).toEqual([
      [13, 'alter table users owner to CURRENT_USER'],
      // No value: the statement parses as written, so it is sent as written.
      [
        14,
        "comment on table users is 'A user who can log in: see :DATABASE_VISITOR''s grants in 000002.'",
      ],
      [17, expect.stringContaining("  NEW.created_at := (case when TG_OP = 'INSERT'")],
      [25, expect.stringContaining('create trigger _100_timestamps')],
      [28, 'grant select on users to graphile_analyst'],
    ]);
    expect(sql[1][2]).toEqual([
      8,
      'create view active_users as\n  select id, username, created_at::date as joined_on from users where not is_admin',
    ]);
  });

  it('reports an "!ENV" placeholder whose variable is not set, naming the .gmrc, at each line', async () => {
    const { d } = await sqlOf(GRAPHILE, COMMITTED);
    expect(
      d.findings.map((f) => ({
        rule: f.rule,
        severity: f.severity,
        file: f.file,
        line: f.line,
        message: f.message,
        help: f.help,
      })),
    ).toEqual([unsetVisitor(5), unsetVisitor(6), unsetVisitor(10)]);
  });

  it('takes an "!ENV" value from the environment, verbatim wherever it occurs as graphile-migrate does', async () => {
    process.env.DATABASE_VISITOR = 'graphile_visitor';
    const { d, sql } = await sqlOf(GRAPHILE, COMMITTED);
    expect(d.findings).toEqual([]);
    expect(sql[0][2]).toEqual([
      14,
      "comment on table users is 'A user who can log in: see graphile_visitor''s grants in 000002.'",
    ]);
    expect(sql[1].map(([line, text]) => [line, String(text).split('\n')[0]])).toEqual([
      [5, 'grant select on users to graphile_visitor'],
      [6, 'grant update(name) on users to graphile_visitor'],
      [8, 'create view active_users as'],
      [10, 'grant select on active_users to graphile_visitor'],
    ]);
  });

  it('lets placeholders: with the colon override the .gmrc', async () => {
    const { d, sql } = await sqlOf(GRAPHILE, COMMITTED, {
      ':DATABASE_VISITOR': 'web_visitor',
      ':DATABASE_ANALYST': 'bi',
    });
    expect(d.findings).toEqual([]);
    expect(sql[0][5]).toEqual([28, 'grant select on users to bi']);
    expect(sql[1][0]).toEqual([5, 'grant select on users to web_visitor']);
  });
});

describe('.gmrc as graphile-migrate reads it (JSON5)', () => {
  const withGmrc = (text: string, check: (repo: string) => void) => {
    const repo = mkdtempSync(join(tmpdir(), 'schemagate-gmrc-'));
    try {
      mkdirSync(join(repo, 'migrations', 'committed'), { recursive: true });
      writeFileSync(join(repo, '.gmrc'), text);
      check(repo);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  };

  it('reads bare keys, single quotes, trailing commas and comments, keeping // inside strings', () => {
    const text = `// root config
{
  connectionString: 'postgres://localhost/app', /* not a placeholder */
  placeholders: {
    ':APP_SCHEMA': 'app_public', // a literal
    ":SITE_URL": "https://example.com/x", 
    ":NOT_A_STRING": 3,
  },
}`;
    withGmrc(text, (repo) => {
      const config = readGraphileConfig(repo, join(repo, 'migrations', 'committed'));
      expect(config?.file).toBe('.gmrc');
      expect(Object.fromEntries(config!.values)).toEqual({
        ':DATABASE_OWNER': 'CURRENT_USER',
        ':DATABASE_NAME': 'postgres',
        ':APP_SCHEMA': 'app_public',
        ':SITE_URL': 'https://example.com/x',
      });
      expect(config?.unsetEnv.size).toBe(0);
    });
  });

  it('refuses a .gmrc graphile-migrate could not read, naming it', () => {
    withGmrc('{ "placeholders": { ":A": "x" ', (repo) => {
      expect(() => readGraphileConfig(repo, join(repo, 'migrations'))).toThrow(
        /^\.gmrc: not valid JSON5 as graphile-migrate reads it \(/,
      );
    });
  });
});

describe('psql variables', () => {
  it('renders :NAME, :\'NAME\' and :"NAME" as psql does, outside literals, casts and bodies', async () => {
    const { d, sql } = await sqlOf(PSQL, 'migrations', {
      reader_role: 'reporting',
      plan_comment: "the customer's plan",
      default_plan: 'trial',
      app_owner: 'billing',
      tier: 'never used',
    });
    expect(d.findings).toEqual([]);
    // The string literal, the PL/pgSQL body (t:=…) and the cast keep their colons.
    expect(sql[0][1][1]).toContain("  t:=a.meta->>'tier';\n  RETURN coalesce(t, a.plan)::text;");
    expect(sql[0][2]).toEqual([
      16,
      "COMMENT ON TABLE accounts IS 'billing accounts, owned by :app_owner'",
    ]);
    expect(sql[1]).toEqual([
      [1, 'GRANT SELECT ON accounts TO "reporting"'],
      [3, "COMMENT ON COLUMN accounts.plan IS 'the customer''s plan'"],
      [5, "ALTER TABLE accounts ALTER COLUMN plan SET DEFAULT 'trial'"],
      [7, "CREATE INDEX accounts_paid_idx ON accounts (id) WHERE plan <> 'free'::text"],
    ]);
  });

  it('reports a variable with no value where the statement does not parse without one', async () => {
    const { d } = await sqlOf(PSQL, 'migrations', { reader_role: 'reporting' });
    expect(d.findings.map((f) => [f.rule, f.file, f.line, f.message, f.help])).toEqual([
      [
        'template-placeholder',
        'migrations/0002_reporting.sql',
        3,
        ":'plan_comment' is a psql variable with no value: the statement is not SQL until it is rendered, so it cannot be replayed as written",
        'Give it the value the deploy sets (psql -v plan_comment=…): placeholders: { plan_comment: … } in .schemagate.yml.',
      ],
      [
        'template-placeholder',
        'migrations/0002_reporting.sql',
        5,
        ":'default_plan' is a psql variable with no value: the statement is not SQL until it is rendered, so it cannot be replayed as written",
        'Give it the value the deploy sets (psql -v default_plan=…): placeholders: { default_plan: … } in .schemagate.yml.',
      ],
    ]);
  });
});

describe('colon placeholders on a real Postgres', () => {
  const setup = { setup: ['@app/db/setup/roles.sql'] };

  it("reports a PR file's unset graphile-migrate placeholder as template-placeholder, not a syntax error", async () => {
    const report = await runFixture(COMMITTED, {
      repoRoot: GRAPHILE,
      baseCount: 1,
      gates: ['replay'],
      settings: setup,
    });
    expect(report.status).toBe('blocked');
    expect(brief(report.findings)).toEqual(
      [5, 6, 10].map((line) => ({
        gate: 'replay',
        rule: 'template-placeholder',
        severity: 'blocker',
        file: `${COMMITTED}/000002.sql`,
        line,
      })),
    );
    expect(report.notes).toContain(GRAPHILE_NOTE);
  }, 60_000);

  it('ends with a setup error naming the placeholder, the variable and the .gmrc when a merged file lacks it', async () => {
    const report = await runCheck(
      fixtureOptions(COMMITTED, { repoRoot: GRAPHILE, tenants: ['tenant_1'], settings: setup }),
      memoryLogger(),
      { mergedCount: 2 },
    );
    expect(report.status).toBe('error');
    expect(report.error?.exitCode).toBe(3);
    expect(report.setupError).toEqual({
      file: `${COMMITTED}/000002.sql`,
      line: 5,
      message: 'syntax error at or near ":" (SQLSTATE 42601)',
      cause: 'template-placeholder',
      remedy: unsetVisitor(5).help,
    });
    expect(report.findings).toEqual([]);
  }, 60_000);

  it('replays the graphile-migrate project once the variable is set, granting to the role', async () => {
    process.env.DATABASE_VISITOR = 'graphile_visitor';
    const report = await runFixture(COMMITTED, {
      repoRoot: GRAPHILE,
      baseCount: 1,
      gates: ['replay'],
      settings: setup,
    });
    expect(report.status).toBe('passed');
    expect(report.findings).toEqual([]);
    expect(report.summary.migrationsApplied).toBe(1);
  }, 60_000);

  it('replays psql variables given in placeholders:, and blocks on the one left out', async () => {
    const settings = {
      setup: ['setup/roles.sql'],
      placeholders: { reader_role: 'reporting', plan_comment: 'plan', default_plan: 'trial' },
    };
    const ok = await runFixture('migrations', {
      repoRoot: PSQL,
      baseCount: 1,
      gates: ['replay'],
      settings,
    });
    expect(ok.status).toBe('passed');
    expect(ok.findings).toEqual([]);
    const { default_plan: _, ...partial } = settings.placeholders;
    void _;
    const blocked = await runFixture('migrations', {
      repoRoot: PSQL,
      baseCount: 1,
      gates: ['replay'],
      settings: { ...settings, placeholders: partial },
    });
    expect(brief(blocked.findings)).toEqual([
      {
        gate: 'replay',
        rule: 'template-placeholder',
        severity: 'blocker',
        file: 'migrations/0002_reporting.sql',
        line: 5,
      },
    ]);
  }, 60_000);
});
