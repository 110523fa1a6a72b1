import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCheck } from '../src/check/check.js';
import { memoryLogger } from '../src/core/logger.js';
import { initSqlParser } from '../src/sql/split.js';
import { duration, terminalLogger } from '../src/terminal-logger.js';
import { fixtureOptions } from './helpers/run.js';

const CLI = join(process.cwd(), 'dist/cli.js');
const DEMO = 'fixtures/demo/base/db/migrations';
const CLEAR = '\r\x1b[2K';
const QUICK = ['--provider', 'embedded', '--replicas', '0', '--gates', 'replay,graph'];
/** `script` (util-linux) gives the CLI a real terminal; without it, the forced mode stands in. */
const hasScript = spawnSync('script', ['--version']).status === 0;

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, SCHEMAGATE_PROGRESS: '', NO_COLOR: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI on a terminal: stdout and stderr are the one terminal, so the output is both. */
function cliOnTerminal(args: string[], env: Record<string, string> = {}) {
  if (!hasScript) {
    const r = cli(args, { SCHEMAGATE_PROGRESS: 'tty', ...env });
    return { code: r.code, output: r.stderr + r.stdout };
  }
  const line = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', line, '/dev/null'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, SCHEMAGATE_PROGRESS: '', NO_COLOR: '', ...env },
  });
  return { code: r.status, output: r.stdout };
}

/** SGR sequences (colour, bold, dim). */
const SGR = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');

/** The status lines drawn, in order, without their colour. */
function statusLines(output: string): string[] {
  return output
    .split(CLEAR)
    .slice(1)
    .map((s) => s.replace(SGR, ''))
    .filter((s) => s.length > 0 && !s.includes('\n'));
}

describe('the terminal logger', () => {
  function fake(progress: 'tty' | 'lines', columns = 200) {
    let now = 1_000_000;
    let out = '';
    const logger = terminalLogger({
      verbose: false,
      progress,
      colour: false,
      write: (t) => void (out += t),
      columns: () => columns,
      now: () => now,
    });
    return {
      logger,
      out: () => out,
      advance: (ms: number) => {
        now += ms;
        vi.advanceTimersByTime(ms);
      },
    };
  }

  it('redraws the status line every second and names a statement running for 2 s', async () => {
    vi.useFakeTimers();
    try {
      const t = fake('tty');
      let release!: () => void;
      const phase = t.logger.group('replay PR', () => new Promise<void>((r) => (release = r)));
      t.logger.progress({
        phase: 'replay PR',
        tenant: [3, 20],
        migration: [2, 4],
        statement: 'db/m/0002_slow.up.sql:7',
      });
      t.advance(1000);
      t.advance(1000);
      t.advance(1000);
      expect(statusLines(t.out())).toEqual([
        'replay PR · 0 s',
        'replay PR · tenant 3/20 · migration 2/4 · 0 s',
        'replay PR · tenant 3/20 · migration 2/4 · 1 s',
        'replay PR · tenant 3/20 · migration 2/4 · 2 s · running db/m/0002_slow.up.sql:7 for 2 s',
        'replay PR · tenant 3/20 · migration 2/4 · 3 s · running db/m/0002_slow.up.sql:7 for 3 s',
      ]);
      release();
      await phase;
      t.logger.stop();
      expect(t.out().endsWith(CLEAR)).toBe(true);
      const after = t.out().length;
      t.advance(5000);
      expect(t.out().length).toBe(after);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the running statement when the line is cut to the terminal width', () => {
    vi.useFakeTimers();
    try {
      const t = fake('tty', 60);
      t.logger.progress({
        phase: 'replay PR',
        tenant: [3, 20],
        statement: 'db/migrations/000006_add_users_external_id.up.sql:2',
      });
      t.advance(3000);
      expect(t.logger.status(200)).toBe(
        'replay PR · tenant 3/20 · 3 s · running db/migrations/000006_add_users_external_id.up.sql:2 for 3 s',
      );
      expect(t.logger.status(85)).toBe(
        'replay PR · tenant 3/20 · 3 s · running 000006_add_users_external_id.up.sql:2 for 3 s',
      );
      expect(t.logger.status(84)).toBe(
        'replay PR · tenant 3/20 · running 000006_add_users_external_id.up.sql:2 for 3 s',
      );
      expect(statusLines(t.out()).at(-1)).toBe(
        'replay PR · tenant 3/20 · running 000006_a…up.sql:2 for 3 s',
      );
      expect(statusLines(t.out()).at(-1)!.length).toBeLessThanOrEqual(59);
      t.logger.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('without a terminal prints one line per phase and a line when a phase is quiet for 10 s', async () => {
    vi.useFakeTimers();
    try {
      const t = fake('lines');
      await t.logger.group('discover', async () => {
        t.advance(400);
        t.logger.progress({ phase: 'discover', done: '4 golang-migrate migrations' });
      });
      let release!: () => void;
      const phase = t.logger.group('replay PR', () => new Promise<void>((r) => (release = r)));
      t.logger.progress({
        phase: 'replay PR',
        tenant: [1, 2],
        migration: [1, 1],
        statement: 'a.sql:1',
      });
      for (let i = 0; i < 12; i++) t.advance(1000);
      release();
      await phase;
      await expect(
        t.logger.group('gate graph', async () => Promise.reject(new Error('x'))),
      ).rejects.toThrow();
      t.logger.stop();
      expect(t.out()).toBe(
        [
          'schemagate: discover: 4 golang-migrate migrations · 0.4 s',
          'schemagate: replay PR · tenant 1/2 · migration 1/1 · 10 s · running a.sql:1 for 10 s',
          'schemagate: replay PR · 12 s',
          'schemagate: gate graph: failed · 0.0 s',
          '',
        ].join('\n'),
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes durations the way a person reads them', () => {
    expect([
      duration(41_900),
      duration(125_000),
      duration(420, true),
      duration(12_300, true),
    ]).toEqual(['41 s', '2 min 05 s', '0.4 s', '12 s']);
  });
});

describe('progress events of a run', () => {
  it('reports each tenant and migration of the replays, and what each phase did', async () => {
    await initSqlParser();
    const logger = memoryLogger();
    const options = fixtureOptions(DEMO, { gates: ['replay'] });
    const report = await runCheck(options, logger, { mergedCount: 2 });
    expect(report.status).toBe('passed');
    const positions = logger.events
      .filter((e) => e.done === undefined)
      .map((e) =>
        [
          e.phase,
          e.tenant?.join('/'),
          e.migration && `m${e.migration.join('/')}`,
          e.activity,
          e.statement,
        ]
          .filter(Boolean)
          .join(' '),
      );
    const file = (n: string, line = 1) => `${DEMO}/${n}.up.sql:${line}`;
    expect(positions).toEqual([
      // The first tenant is built and seeded in the template, the others in its copy, unseeded.
      `replay merged 1/2 m1/2 ${file('000001_create_accounts', 2)}`,
      `replay merged 1/2 m2/2 ${file('000002_create_users')}`,
      'replay merged 1/2 seeding',
      `replay merged 2/2 m1/2 ${file('000001_create_accounts', 2)}`,
      `replay merged 2/2 m2/2 ${file('000002_create_users')}`,
      'catalog snapshot 1/2',
      'catalog snapshot 2/2',
      'replay PR 1/2',
      `replay PR 1/2 m1/2 ${file('000003_create_invoices')}`,
      `replay PR 1/2 m1/2 ${DEMO}/000003_create_invoices.up.sql:10`,
      `replay PR 1/2 m2/2 ${file('000004_add_users_last_login')}`,
      'replay PR 2/2',
      // The other tenants replay each file in one round trip: one position per migration.
      `replay PR 2/2 m1/2 ${file('000003_create_invoices')}`,
      `replay PR 2/2 m2/2 ${file('000004_add_users_last_login')}`,
      'catalog snapshot 1/2',
      'catalog snapshot 2/2',
      'cleanup',
    ]);
    expect(logger.lines.filter((l) => !l.startsWith('[') && !l.startsWith('debug'))).toEqual([
      expect.stringMatching(/^discover: 4 golang-migrate migrations in /),
      'plan: 2 merged, 2 new, 0 changed, 0 removed',
      expect.stringMatching(/^provision: embedded Postgres /),
      expect.stringMatching(/^replay merged: 2 migration\(s\) on 2 tenant\(s\) of \w+, seeded/),
      'replay PR: 2 migration(s) on 2 tenant(s)',
    ]);
  });
});

describe('progress of the CLI (node dist/cli.js)', () => {
  let slow: string;
  beforeAll(() => {
    slow = mkdtempSync(join(tmpdir(), 'sg-progress-'));
    writeFileSync(join(slow, '001_a.up.sql'), 'create table a (id int);\n');
    writeFileSync(
      join(slow, '002_slow.up.sql'),
      'create table b (id int);\n\nselect pg_sleep(3.6);\n',
    );
  });
  afterAll(() => rmSync(slow, { recursive: true, force: true }));

  it('without a terminal: one line per phase on stderr, in order, and --json - alone on stdout', () => {
    const r = cli(['check', DEMO, ...QUICK, '--json', '-']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'passed' });
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('schemagate: '));
    expect(lines.map((l) => l.replace(/ · \d+\.\d s$/, ''))).toEqual([
      `schemagate: discover: 4 golang-migrate migrations in ${DEMO} (found 8 files named {version}_{title}.up.sql or .down.sql)`,
      'schemagate: plan: 0 merged, 4 new, 0 changed, 0 removed',
      expect.stringMatching(
        /^schemagate: provision: embedded Postgres \d+\.\d+, 0 replica\(s\), started in \d+ ms$/,
      ),
      expect.stringMatching(
        /^schemagate: replay merged: 0 migration\(s\) on 2 tenant\(s\) of \w+, nothing to seed$/,
      ),
      'schemagate: replay PR: 4 migration(s) on 2 tenant(s)',
      'schemagate: gate replay',
      'schemagate: gate graph',
    ]);
    expect(lines.every((l) => / · \d+\.\d s$/.test(l))).toBe(true);
    // The terminal report follows the progress on stderr; no status line is drawn.
    expect(r.stderr.indexOf('schemagate 0.1.0')).toBeGreaterThan(r.stderr.indexOf('gate graph'));
    expect(r.stderr).not.toContain('\x1b[');
  });

  it('on a terminal: a status line redrawn in place, naming a slow statement, erased before the report', () => {
    const r = cliOnTerminal(['check', slow, ...QUICK]);
    expect(r.code, r.output).toBe(0);
    const drawn = statusLines(r.output);
    expect(drawn[0]).toBe('discover · 0 s');
    expect(drawn).toContainEqual(
      expect.stringMatching(/^replay PR · tenant 2\/2 · migration 2\/2 · \d+ s$/),
    );
    expect(drawn).toContainEqual(expect.stringMatching(/ · running 002_slow\.up\.sql:3 for 2 s$/));
    const plain = r.output.replace(SGR, '');
    const report = plain.indexOf('schemagate 0.1.0');
    expect(report).toBeGreaterThan(0);
    // Erased right before the report, and never drawn again after it.
    expect(plain.slice(0, report).endsWith(CLEAR)).toBe(true);
    expect(plain.slice(report)).not.toContain(CLEAR);
    expect(r.output).not.toMatch(/^schemagate: replay PR/m);
  });

  it('honours NO_COLOR on a terminal', () => {
    const r = cliOnTerminal(['check', DEMO, ...QUICK, '--gates', 'replay'], { NO_COLOR: '1' });
    expect(r.code, r.output).toBe(0);
    expect(statusLines(r.output)).toContainEqual(expect.stringMatching(/^gate replay · \d+ s$/));
    expect(r.output).not.toMatch(SGR);
  });

  it('SCHEMAGATE_PROGRESS=off prints no progress', () => {
    const r = cli(['check', DEMO, ...QUICK, '--gates', 'replay'], { SCHEMAGATE_PROGRESS: 'off' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^schemagate 0\.1\.0/);
  });
});
