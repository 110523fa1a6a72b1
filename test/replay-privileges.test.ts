import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFixture } from './helpers/run.js';
import { localProvider } from '../src/provision/local.js';
import { silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import type { Finding } from '../src/core/model.js';
import { dataDirectory, query } from './providers-support.js';
import { dockerTool, localPostgresTool, runsWith } from './helpers/tools.js';

/**
 * PR migrations are untrusted code: they run as a managed platform's admin role, so Postgres
 * itself refuses what reaches the host (host-access), and what only needs a superuser is reported
 * (requires-superuser) while the replay goes on.
 */

const dir = (name: string) => `fixtures/privileges/${name}`;

function exact(findings: Finding[]) {
  return findings
    .filter((f) => f.gate === 'replay')
    .map(({ rule, severity, file, line, message }) => ({ rule, severity, file, line, message }));
}

const HOST =
  "the statement reaches the database server's host: Postgres refused it to the migration role:";
const STOPS =
  'the migration stops here, as it would on a managed platform, and nothing ran outside the throwaway server';
const SUPERUSER =
  "the statement needs a superuser: it fails on RDS, Cloud SQL, Supabase and Neon, where migrations run as the platform's admin role. Postgres refused it to the migration role:";
const COPY_PROGRAM = 'permission denied to COPY to or from an external program (SQLSTATE 42501)';
const COPY_PROGRAM_FAILED = `${COPY_PROGRAM} on every tenant (tenant_1, tenant_2). Detail: Only roles with privileges of the "pg_execute_server_program" role may COPY to or from an external program.. Hint: Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.`;

/** The host-access blocker and the replay failure at the same line. */
function refusedAtHost(file: string, line: number, refusal: string, failure = refusal) {
  return [
    {
      rule: 'host-access',
      severity: 'blocker',
      file,
      line,
      message: `${file}:${line}: ${HOST} ${refusal}; ${STOPS}`,
    },
    {
      rule: 'migration-failed',
      severity: 'blocker',
      file,
      line,
      message: `${file}:${line}: ${failure}`,
    },
  ];
}

async function replayOf(name: string, extra: Parameters<typeof runFixture>[1] = {}) {
  return runFixture(dir(name), { baseCount: 1, gates: ['replay'], ...extra });
}

describe('PR SQL that reaches the host, on embedded Postgres', () => {
  it('refuses COPY TO PROGRAM: a blocker at its line, and the program never ran', async () => {
    const touched = '/tmp/schemagate-host-access-copy';
    rmSync(touched, { force: true });
    const report = await replayOf('copy-program');
    const file = `${dir('copy-program')}/000002_export_accounts.up.sql`;
    expect(exact(report.findings)).toEqual(
      refusedAtHost(file, 2, COPY_PROGRAM, COPY_PROGRAM_FAILED),
    );
    expect(report.status).toBe('blocked');
    expect(existsSync(touched)).toBe(false);
  });

  it('refuses the same COPY hidden in a DO block with EXECUTE', async () => {
    const touched = '/tmp/schemagate-host-access-do';
    rmSync(touched, { force: true });
    const report = await replayOf('do-execute');
    const file = `${dir('do-execute')}/000002_export_accounts.up.sql`;
    expect(exact(report.findings)).toEqual(
      refusedAtHost(file, 3, COPY_PROGRAM, COPY_PROGRAM_FAILED),
    );
    expect(existsSync(touched)).toBe(false);
  });

  it('refuses it in a function one statement creates and a later one calls, at the call', async () => {
    const touched = '/tmp/schemagate-host-access-function';
    rmSync(touched, { force: true });
    const report = await replayOf('function-call');
    const file = `${dir('function-call')}/000002_export_accounts.up.sql`;
    expect(exact(report.findings)).toEqual(
      refusedAtHost(file, 7, COPY_PROGRAM, COPY_PROGRAM_FAILED),
    );
    expect(existsSync(touched)).toBe(false);
  });

  it('refuses reading a server file with pg_read_file', async () => {
    const report = await replayOf('read-file');
    const file = `${dir('read-file')}/000002_read_passwd.up.sql`;
    const refusal = 'permission denied for function pg_read_file (SQLSTATE 42501)';
    expect(exact(report.findings)).toEqual(
      refusedAtHost(file, 3, refusal, `${refusal} on every tenant (tenant_1, tenant_2)`),
    );
  });

  it('refuses an untrusted language, as an extension and as CREATE LANGUAGE', async () => {
    const python = `${dir('untrusted-extension')}/000002_plpython.up.sql`;
    const perl = `${dir('create-language')}/000002_plperlu.up.sql`;
    const refusal = (ext: string) =>
      `permission denied to create extension "${ext}" (SQLSTATE 42501)`;
    const failure = (ext: string) =>
      `${refusal(ext)} on every tenant (tenant_1, tenant_2). Hint: Must be superuser to create this extension.`;
    expect(exact((await replayOf('untrusted-extension')).findings)).toEqual(
      refusedAtHost(python, 1, refusal('plpython3u'), failure('plpython3u')),
    );
    expect(exact((await replayOf('create-language')).findings)).toEqual(
      refusedAtHost(perl, 2, refusal('plperlu'), failure('plperlu')),
    );
  });
});

describe('PR SQL that needs a superuser', () => {
  const file = `${dir('event-trigger')}/000002_log_ddl.up.sql`;

  it('reports CREATE EVENT TRIGGER, applies it as the superuser, and later statements see it', async () => {
    const report = await replayOf('event-trigger', { topology: 'database' });
    const applied = 'schemagate applied it as a superuser so that the replay goes on';
    expect(exact(report.findings)).toEqual([
      {
        rule: 'requires-superuser',
        severity: 'warning',
        file,
        line: 7,
        message: `${file}:7: ${SUPERUSER} permission denied to create event trigger "log_ddl" (SQLSTATE 42501); ${applied}`,
      },
      {
        rule: 'requires-superuser',
        severity: 'warning',
        file,
        line: 9,
        message: `${file}:9: ${SUPERUSER} must be owner of event trigger log_ddl (SQLSTATE 42501); ${applied}`,
      },
    ]);
    expect(report.status).toBe('passed');
    expect(report.summary.migrationsApplied).toBe(1);
    expect(report.notes.filter((n) => n.includes('superuser'))).toEqual([]);
  });

  it('runs as the superuser with migrationRole: superuser, and says so', async () => {
    const report = await replayOf('event-trigger', {
      topology: 'database',
      settings: { migrationRole: 'superuser' },
    });
    expect(exact(report.findings)).toEqual([]);
    expect(report.notes).toContain(
      "migrations ran as a superuser (migrationRole: superuser): statements that need a superuser were not reported (requires-superuser), and PR SQL could reach the server's host and change what that role may (host-access was not enforced)",
    );
  });
});

const debian = runsWith(localPostgresTool(), 'url provider privilege tests');

describe.runIf(debian)('--provider url on a Debian Postgres 15 server', () => {
  let server: Cluster;
  let url: string;
  const names = async (sql: string) =>
    (await query<{ name: string }>(server.primary, sql)).map((r) => r.name).sort();
  const runObjects = () =>
    names(
      `select datname as name from pg_database where datname like 'schemagate\\_%'
       union all select rolname from pg_roles where rolname like 'schemagate\\_%'`,
    );

  beforeAll(async () => {
    server = await localProvider.start({ replicas: 0, pgVersion: '15', logger: silentLogger });
    await query(server.primary, 'create database keepme');
    await query(server.primary, 'create role keeper');
    await query(server.primary, "create role ci login createrole createdb password 'ci-secret'");
    url = `postgres://ci:ci-secret@127.0.0.1:${server.primary.port}/postgres`;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('leaves what existed before the run as it was, each attempt a finding at its line', async () => {
    const password = async () =>
      (
        await query<{ p: string }>(
          server.primary,
          "select rolpassword as p from pg_authid where rolname = 'ci'",
        )
      )[0].p;
    const before = await password();
    const report = await replayOf('url-preexisting', { provider: 'url', databaseUrl: url });
    const file = `${dir('url-preexisting')}/00002_take_over.sql`;
    const skipped = 'the replay went on without it';
    const at = (line: number, refusal: string) => ({
      rule: 'requires-superuser',
      severity: 'warning',
      file,
      line,
      message: `${file}:${line}: ${SUPERUSER} ${refusal} (SQLSTATE 42501); ${skipped}`,
    });
    expect(exact(report.findings)).toEqual([
      at(3, 'must be owner of database keepme'),
      at(4, 'must be superuser to alter superuser roles or change superuser attribute'),
      at(5, 'permission denied'),
    ]);
    expect(report.status).toBe('passed');
    expect(await names("select datname as name from pg_database where datname = 'keepme'")).toEqual(
      ['keepme'],
    );
    expect(
      await query(server.primary, "select rolsuper from pg_roles where rolname = 'keeper'"),
    ).toEqual([{ rolsuper: false }]);
    expect(await password()).toBe(before);
    expect(await runObjects()).toEqual([]);
  });

  it('refuses ALTER SYSTEM: postgresql.auto.conf stays as it was', async () => {
    const autoConf = join(await dataDirectory(server.primary), 'postgresql.auto.conf');
    const before = readFileSync(autoConf, 'utf8');
    const report = await replayOf('alter-system', { provider: 'url', databaseUrl: url });
    const file = `${dir('alter-system')}/000002_work_mem.up.sql`;
    const refusal = 'permission denied to set parameter "work_mem" (SQLSTATE 42501)';
    expect(exact(report.findings)).toEqual(
      refusedAtHost(file, 1, refusal, `${refusal} on every tenant (tenant_1, tenant_2)`),
    );
    expect(readFileSync(autoConf, 'utf8')).toBe(before);
    expect(await runObjects()).toEqual([]);
  });

  it('removes what runs older than an hour left, and nothing else', async () => {
    const old = "comment on %s is 'schemagate run started at 2000-01-01T00:00:00.000Z'";
    const fresh = `comment on %s is 'schemagate run started at ${new Date().toISOString()}'`;
    const make = async (scratch: string, mark: string) => {
      await query(server.primary, `create database ${scratch} owner ci`);
      await query(server.primary, mark.replace('%s', `database ${scratch}`));
      await query(server.primary, `create role ${scratch}_migrator login`);
      await query(server.primary, mark.replace('%s', `role ${scratch}_migrator`));
      await query(server.primary, `create database ${scratch}_base owner ${scratch}_migrator`);
    };
    await make('schemagate_00000000aa', old);
    await make('schemagate_00000000bb', fresh);
    await query(server.primary, 'create database schemagate_unmarked');
    await replayOf('event-trigger', { provider: 'url', databaseUrl: url });
    expect(await runObjects()).toEqual([
      'schemagate_00000000bb',
      'schemagate_00000000bb_base',
      'schemagate_00000000bb_migrator',
      'schemagate_unmarked',
    ]);
  });
});

describe('PR code the gates set off runs as the migration role, never as the superuser', () => {
  // A merged table and a PR that hangs a COPY TO PROGRAM function on it. Creating the function is
  // allowed (the COPY is checked when it runs); the replay never calls it, the gates do: the
  // locks workload's DELETE fires the statement trigger, the leak test's INSERT fires the row
  // trigger and the column default, reading the view and the table as a tenant calls the view's
  // function and the policy's.
  const gates = (name: string, migrationRole: 'admin' | 'superuser' = 'admin') =>
    runFixture(`${dir(name)}/db/migrations`, {
      baseCount: 1,
      topology: 'shared',
      replicas: 1,
      settings: { migrationRole, locks: { workload: { enabled: true } } },
    });
  const at = (name: string, file: string) => `${dir(name)}/db/migrations/${file}`;
  const all = (findings: Finding[]) =>
    findings.map(({ gate, rule, severity, file, line, message }) => ({
      gate,
      rule,
      severity,
      file,
      line,
      // The workload's measured wait varies from run to run.
      message: message.replace(/waited up to [\d.]+ ms/, 'waited up to N ms'),
    }));
  const lockTimeout = (name: string, file: string, message: string) => ({
    gate: 'locks',
    rule: 'missing-lock-timeout',
    severity: 'warning',
    file: at(name, file),
    line: 8,
    message,
  });
  const refusedInLeakTest = (name: string) => ({
    gate: 'isolation',
    rule: 'leak-test-incomplete',
    severity: 'notice',
    file: at(name, '000001_accounts.up.sql'),
    line: 1,
    message: `the live leak test could not write rows into accounts: ${COPY_PROGRAM}; only the static rules cover it`,
  });
  const replicaConflict = (name: string, file: string) => ({
    gate: 'replica',
    rule: 'replica-query-conflict',
    severity: 'notice',
    file: at(name, file),
    line: 8,
    message:
      "replaying this statement's ACCESS EXCLUSIVE lock on accounts cancelled a read of accounts running on replica_1 (canceling statement due to conflict with recovery): in production, replica queries on accounts still running max_standby_streaming_delay (30 s by default) after the lock is replayed are cancelled, and shorter ones hold up replay",
  });
  const marker = (name: string) => {
    const path = `/tmp/schemagate-${name}`;
    rmSync(path, { force: true });
    return path;
  };

  it('a trigger on a merged table: the workload and the leak test fire it, the COPY is refused', async () => {
    const touched = marker('gate-trigger');
    const report = await gates('gate-trigger');
    expect(existsSync(touched)).toBe(false);
    expect(all(report.findings)).toEqual([
      lockTimeout(
        'gate-trigger',
        '000002_audit_accounts.up.sql',
        'CREATE TRIGGER audit_accounts requests SHARE ROW EXCLUSIVE on pre-existing table accounts with no lock_timeout set earlier in the migration: while it waits for a long transaction that wrote to accounts, every new INSERT, UPDATE and DELETE on accounts queues behind it. Under a concurrent workload, queries on accounts waited up to N ms.',
      ),
      refusedInLeakTest('gate-trigger'),
    ]);
  });

  it('a view calling the function: read as a tenant, the COPY is refused', async () => {
    const touched = marker('gate-view');
    const report = await gates('gate-view');
    expect(existsSync(touched)).toBe(false);
    expect(all(report.findings)).toEqual([]);
  });

  it('a column default calling it: the leak test inserts, the COPY is refused', async () => {
    const touched = marker('gate-default');
    const report = await gates('gate-default');
    expect(existsSync(touched)).toBe(false);
    const file = '000002_account_name_default.up.sql';
    expect(all(report.findings)).toEqual([
      lockTimeout(
        'gate-default',
        file,
        'ALTER TABLE accounts requests ACCESS EXCLUSIVE on pre-existing table accounts with no lock_timeout set earlier in the migration: while it waits behind a long query, every new query on accounts queues behind it. Under a concurrent workload, queries on accounts waited up to N ms.',
      ),
      refusedInLeakTest('gate-default'),
      replicaConflict('gate-default', file),
    ]);
  });

  it('a policy calling it: the leak test reads as a tenant, the COPY is refused', async () => {
    const touched = marker('gate-policy');
    const report = await gates('gate-policy');
    expect(existsSync(touched)).toBe(false);
    const file = '000002_account_visibility.up.sql';
    expect(all(report.findings)).toEqual([
      lockTimeout(
        'gate-policy',
        file,
        'CREATE POLICY accounts_visible ON accounts FOR ... requests ACCESS EXCLUSIVE on pre-existing table accounts with no lock_timeout set earlier in the migration: while it waits behind a long query, every new query on accounts queues behind it. Under a concurrent workload, queries on accounts waited up to N ms.',
      ),
      replicaConflict('gate-policy', file),
    ]);
  });

  it("a database search_path that puts the PR's functions before the catalog's: the superuser's catalog reads and WAL positions still call Postgres' own", async () => {
    const touched = marker('gate-search-path');
    const report = await runFixture(`${dir('gate-search-path')}/db/migrations`, {
      baseCount: 1,
      tenantCount: 2,
      replicas: 1,
    });
    expect(existsSync(touched)).toBe(false);
    // The replica gate compared both tenants and found the replica like the primary.
    expect(report.topology.replicaNodes?.[0]).toMatchObject({
      caughtUp: true,
      matchesPrimary: true,
    });
    expect(report.findings.filter((f) => f.gate === 'replica')).toEqual([]);
  });

  it('with migrationRole: superuser the gates run as the superuser, as before, and say so', async () => {
    // The opt-in of docs/security.md: the trigger's program does run (which shows that the
    // gates above did set it off).
    const touched = marker('gate-trigger');
    const report = await gates('gate-trigger', 'superuser');
    expect(existsSync(touched)).toBe(true);
    rmSync(touched, { force: true });
    expect(report.notes.some((n) => n.includes('migrationRole: superuser'))).toBe(true);
  });
});

/**
 * The same attacks on the other providers this machine and CI run: Debian's Postgres 15 through
 * the local provider, and the docker image. The refusal's wording differs by version; the rule,
 * the place and the absence of any effect do not.
 */
const DOCKER_IMAGE = process.env.SCHEMAGATE_POSTGRES_IMAGE ?? 'schemagate/postgres-test:18';
const OTHER_PROVIDERS = [
  {
    provider: 'local' as const,
    runs: runsWith(localPostgresTool(), 'local provider host-access tests'),
  },
  {
    provider: 'docker' as const,
    runs: runsWith(await dockerTool(DOCKER_IMAGE), 'docker provider host-access tests'),
  },
];

for (const { provider, runs } of OTHER_PROVIDERS) {
  describe.runIf(runs)(`PR SQL that reaches the host, on the ${provider} provider`, () => {
    it.each([
      ['copy-program', 2, 'schemagate-host-access-copy'],
      ['do-execute', 3, 'schemagate-host-access-do'],
      ['function-call', 7, 'schemagate-host-access-function'],
    ])(
      'refuses %s: host-access at line %i, and the program never ran',
      async (name, line, mark) => {
        rmSync(`/tmp/${mark}`, { force: true });
        const report = await replayOf(name, { provider, replicas: 0 });
        const file = `${dir(name)}/000002_export_accounts.up.sql`;
        const found = report.findings.filter((f) => f.rule === 'host-access');
        expect(
          found.map(({ rule, severity, file, line }) => ({ rule, severity, file, line })),
        ).toEqual([{ rule: 'host-access', severity: 'blocker', file, line }]);
        expect(found[0].message).toMatch(
          new RegExp(`^${file}:${line}: ${HOST}.*\\(SQLSTATE 42501\\)`),
        );
        expect(report.status).toBe('blocked');
        expect(existsSync(`/tmp/${mark}`)).toBe(false);
      },
    );
  });
}
