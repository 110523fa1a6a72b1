import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../scripts/fixture-repo.mjs';

/** The CLI as users run it: the committed bundle, as a process. */
function cli(args: string[], cwd = process.cwd()) {
  const r = spawnSync(process.execPath, [join(process.cwd(), 'dist/cli.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('schemagate CLI', () => {
  let scratch: string;
  let repo: { root: string; base: string; dispose: () => void };
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'sg-cli-'));
    repo = makeFixtureRepo('fixtures/demo/base', 'fixtures/demo/pr');
  });
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    repo.dispose();
  });

  it('prints help with every contract option and exits 0', () => {
    const r = cli(['check', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--base',
      '--format',
      '--topology',
      '--tenants',
      '--tenant-column',
      '--tenant-setting',
      '--replicas',
      '--provider',
      '--database-url',
      '--pg-version',
      '--image',
      '--config',
      '--json',
      '--markdown',
      '--sarif',
      '--fail-on',
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it('exits 2 on an unknown flag, a missing argument or an unknown command, in the one error form', () => {
    expect(cli(['check', '.', '--no-such-flag'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "schemagate: error: unknown option '--no-such-flag'\n",
    });
    expect(cli(['check', '.', '--tenats', '3'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "schemagate: error: unknown option '--tenats'\n(Did you mean --tenants?)\n",
    });
    expect(cli(['check', '.', '--tenants'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "schemagate: error: option '--tenants <n>' argument missing\n",
    });
    expect(cli(['chek'])).toMatchObject({
      code: 2,
      stdout: '',
      stderr: "schemagate: error: unknown command 'chek'\n(Did you mean check?)\n",
    });
  });

  it('exits 2 on a malformed --database-url, without showing its password', () => {
    const dir = 'fixtures/demo/base/db/migrations';
    const url = (u: string) => cli(['check', dir, '--provider', 'url', '--database-url', u]);
    expect(url('postgres://app:s3cr%t@db.internal:5432/app')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'schemagate: error: --database-url: expected postgres://user:pass@host:port/db with each % starting an escape such as %40, got "postgres://app:****@db.internal:5432/app"\n',
    });
    expect(url('mysql://app:hunter2@db/app')).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'schemagate: error: --database-url: expected postgres://user:pass@host:port/db, got "mysql://app:****@db/app"\n',
    });
    expect(url('db.internal:5432').stderr).toBe(
      'schemagate: error: --database-url: expected postgres://user:pass@host:port/db, got "db.internal:5432"\n',
    );
  });

  it('exits 2 before the run when an output file cannot be written', () => {
    const dir = 'fixtures/demo/base/db/migrations';
    const missing = cli(['check', dir, '--markdown', '/nonexistent/dir/report.md']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      'schemagate: error: --markdown /nonexistent/dir/report.md: folder /nonexistent/dir does not exist\n',
    );
    const folder = cli(['check', dir, '--sarif', 'fixtures']);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe('schemagate: error: --sarif fixtures is a folder; name a file\n');
  });

  it('exits 2 on an unknown format, naming the choices', () => {
    const r = cli(['check', 'fixtures/demo/base/db/migrations', '--format', 'liquibase']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^schemagate: error: option '--format <format>' argument 'liquibase' is invalid\. Allowed choices are auto, golang-migrate, /,
    );
  });

  it('exits 2 on a missing directory', () => {
    const r = cli(['check', 'no/such/dir']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: 'schemagate: error: migration directory no/such/dir does not exist\n',
    });
  });

  it('exits 2 on an empty directory', () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    const r = cli(['check', empty, '--provider', 'embedded', '--replicas', '0', '--json', '-']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.status).toBe('error');
    expect(report.error.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^schemagate: discover: failed · \d+\.\d s\nschemagate: error: .+\n$/);
    expect(r.stderr.split('\n').at(-2)).toBe(`schemagate: error: ${report.error.message}`);
  });

  it('exits 2 on an unknown gate, listing the gates', () => {
    const r = cli([
      'check',
      'fixtures/demo/base/db/migrations',
      '--gates',
      'replay,lokcs',
      '--provider',
      'embedded',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'schemagate: error: --gates: expected some of replay, graph, locks, isolation, rollback, replica, compat, got "lokcs"',
    );
  });

  it('exits 2 on a bad --base, saying how to fetch it', () => {
    const r = cli([
      'check',
      join(repo.root, 'db/migrations'),
      '--base',
      'origin/nope',
      '--provider',
      'embedded',
      '--replicas',
      '0',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/(^|\n)schemagate: error: --base origin\/nope: no such commit/);
  });

  it('exits 2 on a broken config file, naming its line', () => {
    const dir = join(scratch, 'cfg');
    mkdirSync(dir);
    writeFileSync(join(dir, '001_a.up.sql'), 'create table a (id int);\n');
    const cfg = join(scratch, 'bad.yml');
    writeFileSync(cfg, 'topology: schema\ntenants: 2\nrules:\n  no-such-rule: off\n');
    const r = cli(['check', dir, '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^schemagate: error: \S*bad\.yml:4: rules\.no-such-rule: unknown rule id/,
    );
    writeFileSync(cfg, 'topology: galaxy\n');
    expect(cli(['check', dir, '--config', cfg]).stderr).toMatch(/bad\.yml:1: topology: /);
    writeFileSync(cfg, 'tenants: [acme, acme]\n');
    const twice = cli(['check', dir, '--config', cfg]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/bad\.yml:1: tenants: .*each tenant name once/);
    writeFileSync(cfg, 'topology: schema\nformat: auto\nreplicas: 0\ntenants: three\n');
    const three = cli(['check', dir, '--config', cfg]);
    expect(three.code).toBe(2);
    expect(three.stderr).toContain(
      'bad.yml:4: tenants: expected a whole number from 1 to 1000 or a list of tenant names, got "three"\n',
    );
    writeFileSync(cfg, 'replica:\n  lagTimeoutMs: soon\n');
    expect(cli(['check', dir, '--config', cfg]).stderr).toContain(
      'bad.yml:2: replica.lagTimeoutMs: expected a whole number of at least 0, got "soon"\n',
    );
  });

  it('exits 1 with the JSON contract on a PR with a blocker, and writes Markdown and SARIF', () => {
    const json = join(scratch, 'report.json');
    const md = join(scratch, 'report.md');
    const sarif = join(scratch, 'report.sarif');
    const r = cli([
      'check',
      join(repo.root, 'db/migrations'),
      '--base',
      repo.base,
      '--provider',
      'embedded',
      '--replicas',
      '1',
      '--json',
      json,
      '--markdown',
      md,
      '--sarif',
      sarif,
    ]);
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report).toMatchObject({
      schemaVersion: 1,
      tool: { name: 'schemagate', version: '0.1.0' },
      status: 'blocked',
    });
    expect(report.topology).toMatchObject({
      kind: 'schema',
      tenants: ['tenant_1', 'tenant_2'],
      replicas: 1,
      provider: 'embedded',
    });
    expect(
      report.migrations.map((m: { id: string; state: string }) => `${m.id}:${m.state}`),
    ).toEqual([
      '000001:merged',
      '000002:merged',
      '000003:merged',
      '000004:merged',
      '000005:new',
      '000006:new',
      '000007:new',
    ]);
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        gate: 'locks',
        rule: 'table-rewrite',
        severity: 'blocker',
        file: 'db/migrations/000006_add_users_external_id.up.sql',
        line: 2,
        endLine: 3,
      }),
    );
    // Every gate ran to the end: the exact findings of the demo PR, most severe first.
    expect(
      report.findings.map(
        (f: any) => `${f.severity} ${f.gate}/${f.rule} ${f.file.split('/').pop()}:${f.line}`,
      ),
    ).toEqual([
      'blocker locks/exclusive-lock-held 000006_add_users_external_id.up.sql:2',
      'blocker locks/table-rewrite 000006_add_users_external_id.up.sql:2',
      'warning locks/char-column 000005_add_invoice_currency.up.sql:2',
      'warning locks/missing-lock-timeout 000005_add_invoice_currency.up.sql:2',
      'warning locks/missing-lock-timeout 000006_add_users_external_id.up.sql:2',
      'warning locks/non-concurrent-index 000006_add_users_external_id.up.sql:5',
      'warning graph/fk-without-index 000007_create_invoice_lines.up.sql:1',
      'warning locks/missing-lock-timeout 000007_create_invoice_lines.up.sql:1',
      'warning locks/serial-column 000007_create_invoice_lines.up.sql:1',
      'notice replica/replica-query-conflict 000005_add_invoice_currency.up.sql:2',
      'notice replica/replica-query-conflict 000006_add_users_external_id.up.sql:2',
    ]);
    expect(r.stdout).toContain('db/migrations/000006_add_users_external_id.up.sql');
    expect(readFileSync(md, 'utf8')).toContain('## ⛔ schemagate: blocked');
    const s = JSON.parse(readFileSync(sarif, 'utf8'));
    expect(
      s.runs[0].results.some(
        (x: any) =>
          x.ruleId === 'table-rewrite' && x.locations[0].physicalLocation.region.startLine === 2,
      ),
    ).toBe(true);
  });

  it('exits 0 with --fail-on never even when blocked', () => {
    const r = cli([
      'check',
      join(repo.root, 'db/migrations'),
      '--base',
      repo.base,
      '--provider',
      'embedded',
      '--replicas',
      '0',
      '--gates',
      'replay,locks',
      '--fail-on',
      'never',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/BLOCKED: 2 blocker\(s\)/);
  });

  it('reports unparseable SQL as a syntax-error blocker at its line and exits 1', () => {
    const r = cli([
      'check',
      'fixtures/broken/unparseable',
      '--provider',
      'embedded',
      '--replicas',
      '0',
      '--gates',
      'replay',
      '--json',
      '-',
    ]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.findings.map((f: any) => [f.rule, f.severity, f.file, f.line])).toEqual([
      ['syntax-error', 'blocker', 'fixtures/broken/unparseable/000002_create_users.up.sql', 2],
    ]);
    expect(report.findings[0].message).toContain('syntax error at or near "text"');
  });

  it('exits 2 on a binary file among the migrations, naming it', () => {
    const r = cli(['check', 'fixtures/broken/binary', '--provider', 'embedded', '--replicas', '0']);
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain('000002_add_logo.up.sql');
  });

  it('exits 3 when the server cannot be reached', () => {
    const r = cli([
      'check',
      'fixtures/demo/base/db/migrations',
      '--provider',
      'url',
      '--database-url',
      'postgres://postgres@127.0.0.1:1/postgres',
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /\nschemagate: error: could not connect to postgres@127\.0\.0\.1:1\/postgres: /,
    );
  });
});
