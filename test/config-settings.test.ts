import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOptions } from '../src/config/build-options.js';
import { defaultSettings, resolveSettings } from '../src/config/settings.js';
import { InputError } from '../src/core/errors.js';
import { knownIds } from '../src/gates/index.js';
import { optionsFromYaml } from './helpers/config.js';

/** The message of the InputError `yaml` is refused with, from its `.schemagate.yml:` on. */
function refusal(yaml: string): string {
  try {
    optionsFromYaml(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    return message.slice(message.lastIndexOf('.schemagate.yml:'));
  }
  throw new Error('the config was accepted');
}

describe('settings of .schemagate.yml', () => {
  it('are validated once into typed settings with every default applied', () => {
    expect(defaultSettings()).toEqual({
      seedRows: 2000,
      sharedSchema: 'public',
      parallel: availableParallelism(),
      replay: { statementTimeoutMs: 60_000 },
      locks: { nonConcurrentIndex: 'warning', workload: { enabled: true, clients: 2 } },
      isolation: { globalTables: [], tenantTables: [], leakTestTenants: 3, leakTest: true },
      rollback: { tenants: 'one', chain: 'all', missingDown: 'warning' },
      replica: { lagTimeoutMs: 30_000, conflictProbes: 5 },
      compat: { queries: [] },
      alembic: {},
      flyway: {},
      passEnv: [],
      transaction: 'file',
      placeholders: {},
      setup: [],
      composeInit: true,
      migrationRole: 'admin',
    });
    expect(optionsFromYaml('').settings).toEqual(defaultSettings());
  });

  it('carry the values of the file, each where the engine reads it', () => {
    const options = optionsFromYaml(
      [
        'seed: { rows: 50 }',
        'statementTimeoutMs: 5000',
        'migrationTimeoutMs: 30000',
        'parallel: 4',
        'sharedSchema: shared',
        'locks: { workload: { clients: 4 } }',
        'isolation: { appRole: app_user }',
        'rollback: { chain: 2 }',
        'replica: { lagTimeoutMs: 1000 }',
        'compat: { queries: "app/sql/*.sql" }',
        'alembic: { python: /usr/bin/python3 }',
        'flyway: { outOfOrder: true, placeholders: { role: auditor } }',
        'graph: {}',
        'python: .venv/bin/python',
        'passEnv: [SHOP_TENANT, DATABASE_URL]',
        'transaction: none',
        'placeholders: { Namespace: jobs, Shards: 4 }',
        'setup: db/init/*.sql',
        'composeInit: false',
        'preset: supabase',
        'migrationRole: superuser',
        '',
      ].join('\n'),
    );
    expect(options.settings).toEqual({
      seedRows: 50,
      sharedSchema: 'shared',
      parallel: 4,
      replay: { statementTimeoutMs: 5000, migrationTimeoutMs: 30_000 },
      locks: { nonConcurrentIndex: 'warning', workload: { enabled: true, clients: 4 } },
      isolation: {
        globalTables: [],
        tenantTables: [],
        appRole: 'app_user',
        leakTestTenants: 3,
        leakTest: true,
      },
      rollback: { tenants: 'one', chain: 2, missingDown: 'warning' },
      replica: { lagTimeoutMs: 1000, conflictProbes: 5 },
      compat: { queries: ['app/sql/*.sql'] },
      alembic: { python: '/usr/bin/python3' },
      flyway: { outOfOrder: true, placeholders: { role: 'auditor' } },
      python: '.venv/bin/python',
      passEnv: ['SHOP_TENANT', 'DATABASE_URL'],
      transaction: 'none',
      placeholders: { Namespace: 'jobs', Shards: 4 },
      setup: ['db/init/*.sql'],
      composeInit: false,
      preset: 'supabase',
      migrationRole: 'superuser',
    });
  });

  it('refuse a value of the wrong type, naming the line, the key and the value', () => {
    const yaml = 'format: auto\ntopology: schema\nreplicas: 0\ntenants: three\n';
    expect(refusal(yaml)).toBe(
      '.schemagate.yml:4: tenants: expected a whole number from 1 to 1000 or a list of tenant names, got "three"',
    );
    expect(refusal('tenants: [acme, Globex]\n')).toBe(
      '.schemagate.yml:1: tenants[1]: expected a tenant name of lower-case letters, digits and underscores, e.g. acme, got "Globex"',
    );
    expect(refusal('seed:\n  rows: lots\n')).toBe(
      '.schemagate.yml:2: seed.rows: expected a whole number from 0 to 1000000, got "lots"',
    );
    expect(refusal('statementTimeoutMs: 10\n')).toBe(
      '.schemagate.yml:1: statementTimeoutMs: expected a whole number of at least 100, got 10',
    );
  });

  it('refuse a bad value in a gate section at its line', () => {
    const yaml = [
      'topology: schema',
      'tenants: 2',
      'locks:',
      '  nonConcurrentIndex: blocker',
      'rollback:',
      '  chain: all',
      '  tenants: some',
      '',
    ].join('\n');
    expect(refusal(yaml)).toBe(
      '.schemagate.yml:7: rollback.tenants: expected one of one, all, got "some"',
    );
    expect(refusal('isolation:\n  leakTest: no\n')).toBe(
      '.schemagate.yml:2: isolation.leakTest: expected true or false, got "no"',
    );
    expect(refusal('isolation:\n  globalTables: plans\n')).toBe(
      '.schemagate.yml:2: isolation.globalTables: expected a list of table names, got "plans"',
    );
    expect(refusal('compat:\n  queries: [app/*.sql, 3]\n')).toBe(
      '.schemagate.yml:2: compat.queries: expected a glob or a list of globs relative to the repository root, got ["app/*.sql",3]',
    );
    expect(refusal('alembic:\n  python: 3\n')).toBe(
      '.schemagate.yml:2: alembic.python: expected the path of a Python interpreter, got 3',
    );
    expect(refusal('python: [python3]\n')).toBe(
      '.schemagate.yml:1: python: expected the path of a Python interpreter, got ["python3"]',
    );
    expect(refusal('passEnv:\n  - SHOP_TENANT\n  - GITHUB TOKEN\n')).toBe(
      '.schemagate.yml:3: passEnv[1]: expected an environment variable name, e.g. DATABASE_URL, got "GITHUB TOKEN"',
    );
    expect(refusal('passEnv: DATABASE_URL\n')).toBe(
      '.schemagate.yml:1: passEnv: expected a list of environment variable names, e.g. [DATABASE_URL], got "DATABASE_URL"',
    );
    expect(refusal('transaction: off\n')).toBe(
      '.schemagate.yml:1: transaction: expected one of file, none, got "off"',
    );
    expect(refusal('placeholders:\n  Namespace: [a]\n')).toBe(
      '.schemagate.yml:2: placeholders.Namespace: expected a string, number or boolean, got ["a"]',
    );
    expect(refusal('migrationRole: root\n')).toBe(
      '.schemagate.yml:1: migrationRole: expected one of admin, superuser, got "root"',
    );
    expect(refusal('preset: firebase\n')).toBe(
      '.schemagate.yml:1: preset: expected one of supabase, none, got "firebase"',
    );
    expect(refusal('setup: [roles.sql, 3]\n')).toBe(
      '.schemagate.yml:1: setup: expected a SQL file or glob, or a list of them, relative to the repository root, got ["roles.sql",3]',
    );
    expect(refusal('flyway:\n  mixed: yes\n')).toBe(
      '.schemagate.yml:2: flyway.mixed: expected true or false, got "yes"',
    );
    expect(refusal('locks: on\n')).toBe(
      '.schemagate.yml:1: locks: expected a mapping of nonConcurrentIndex, workload, got "on"',
    );
  });

  it('refuse the replica values that used to fall back to the defaults silently', () => {
    expect(refusal('replica:\n  lagTimeoutMs: -5\n')).toBe(
      '.schemagate.yml:2: replica.lagTimeoutMs: expected a whole number of at least 0, got -5',
    );
    expect(refusal('replica:\n  lagTimeoutMs: 1000\n  conflictProbes: many\n')).toBe(
      '.schemagate.yml:3: replica.conflictProbes: expected a whole number of at least 0, got "many"',
    );
  });

  it('refuse an unknown key, naming it, its line and the keys that exist', () => {
    expect(refusal('tenants: 2\nisolation:\n  appRole: app\n  globalTable: [plans]\n')).toBe(
      '.schemagate.yml:4: isolation.globalTable: unknown key, expected one of globalTables, tenantTables, appRole, leakTestTenants, leakTest, tenantContext',
    );
    expect(refusal('replica:\n  lagTimeout: 100\n')).toBe(
      '.schemagate.yml:2: replica.lagTimeout: unknown key, expected one of lagTimeoutMs, conflictProbes',
    );
    expect(refusal('graph:\n  cycles: off\n')).toBe(
      '.schemagate.yml:2: graph.cycles: unknown key, this section has no settings',
    );
    expect(refusal('topology: schema\ntenant: 2\n')).toMatch(
      /^\.schemagate\.yml:2: tenant: unknown key, expected one of migrations, format, topology, tenants, /,
    );
  });

  it('report the first problem in the file when there are several', () => {
    expect(refusal('topology: galaxy\nlocks:\n  workers: 2\n')).toBe(
      '.schemagate.yml:1: topology: expected one of schema, database, shared, got "galaxy"',
    );
    expect(refusal('locks:\n  workers: 2\ntopology: galaxy\n')).toBe(
      '.schemagate.yml:2: locks.workers: unknown key, expected one of nonConcurrentIndex, workload',
    );
  });

  it('refuse an unknown gate, in the file at its line and in --gates', () => {
    expect(refusal('gates:\n  - replay\n  - lokcs\n')).toBe(
      '.schemagate.yml:3: gates[1]: expected some of replay, graph, locks, isolation, rollback, replica, compat, got "lokcs"',
    );
    const dir = mkdtempSync(join(tmpdir(), 'sg-gates-'));
    try {
      writeFileSync(join(dir, '001_a.up.sql'), 'create table a (id int);\n');
      expect(() => buildOptions({ dir, gates: 'replay,lokcs' }, knownIds(), dir)).toThrow(
        new InputError(
          '--gates: expected some of replay, graph, locks, isolation, rollback, replica, compat, got "lokcs"',
        ),
      );
      expect(buildOptions({ dir, gates: 'replay, locks' }, knownIds(), dir).gates).toEqual([
        'replay',
        'locks',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('settings given in code (resolveSettings)', () => {
  it('apply the defaults to partial sections', () => {
    const settings = resolveSettings({ seedRows: 10, locks: { nonConcurrentIndex: 'blocker' } });
    expect([settings.seedRows, settings.locks, settings.replay]).toEqual([
      10,
      { nonConcurrentIndex: 'blocker', workload: { enabled: true, clients: 2 } },
      { statementTimeoutMs: 60_000 },
    ]);
    expect(resolveSettings({ replay: { statementTimeoutMs: 500 } }).replay).toEqual({
      statementTimeoutMs: 500,
    });
  });

  it('refuse bad values with the same messages, without a file', () => {
    expect(() => resolveSettings({ replica: { conflictProbes: -1 } })).toThrow(
      new InputError(
        'settings: replica.conflictProbes: expected a whole number of at least 0, got -1',
      ),
    );
    expect(() => resolveSettings({ replay: { timeoutMs: 5 } })).toThrow(
      new InputError(
        'settings: replay.timeoutMs: unknown key, expected one of statementTimeoutMs, migrationTimeoutMs',
      ),
    );
  });
});
