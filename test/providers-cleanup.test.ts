import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bundleTypeScript, exitOf, lineFrom, query, repoRoot } from './providers-support.js';
import { dockerTool, runsWith } from './helpers/tools.js';

/**
 * Nothing of a run stays behind, whatever ends it: the CLI (bundled from src/, as dist/ may be
 * stale) is killed with SIGINT, SIGTERM or SIGKILL while it provisions, replays and runs gates.
 * Each run gets a temp dir of its own (TMPDIR), so "nothing left" is exact: no process whose
 * command line or environment names it, no file in it but the initdb cache.
 */

const tempRoots: string[] = [];
afterAll(() => {
  for (const dir of tempRoots) rmSync(dir, { recursive: true, force: true });
});

/** A private temp dir the server's OS user (`nobody` when we are root) can traverse. */
function privateTmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sg-cleanup-test-'));
  chmodSync(dir, 0o711);
  tempRoots.push(dir);
  return dir;
}

function run(script: string, args: string[], tmp: string): ChildProcess {
  return spawn(process.execPath, [script, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp },
  });
}

/** Pids whose command line (or, with `env`, environment) contains `text`. */
function processesNaming(text: string, env = false): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    for (const file of env ? ['cmdline', 'environ'] : ['cmdline']) {
      try {
        if (readFileSync(`/proc/${entry}/${file}`, 'utf8').includes(text)) {
          pids.push(Number(entry));
          break;
        }
      } catch {
        // Ended while we looked, or not ours to read.
      }
    }
  }
  return pids;
}

/** What the run left in `tmp` apart from the initdb cache (and testcontainers' shared lock). */
function leftIn(tmp: string): string[] {
  return readdirSync(tmp).filter(
    (n) => !n.startsWith('schemagate-initdb-') && !n.startsWith('testcontainers-node-'),
  );
}

async function until<T>(check: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until nothing of the run in `tmp` exists; returns what is left after `ms`, and when. */
async function leftovers(tmp: string, ms = 5_000) {
  const started = Date.now();
  const mark = `${tmp}/`;
  const left = () => [...processesNaming(mark, true).map((pid) => `pid ${pid}`), ...leftIn(tmp)];
  await until(() => (left().length ? undefined : true), ms);
  return { left: left(), ms: Date.now() - started };
}

// Bundled on first use, so that the other tests here do not depend on the whole CLI building.
let cliBundle: string | undefined;
const cli = () =>
  (cliBundle ??= bundleTypeScript(
    'cli-cleanup',
    `import ${JSON.stringify(join(repoRoot, 'src/cli.ts'))};\n`,
  ));
const CHECK = ['check', 'fixtures/locks/non-concurrent-index', '--provider', 'embedded'];

/** The moments to kill at: a data directory being made, the PR's replay, the gates. */
const phases: Record<string, (tmp: string, output: () => string) => boolean> = {
  provisioning: (tmp) =>
    readdirSync(tmp)
      .filter((n) => n.startsWith('schemagate-run-'))
      .some((run) => readdirSync(join(tmp, run)).some((n) => /^(pg|initdb)-/.test(n))),
  replay: (_tmp, output) => /replay PR/.test(output()),
  gates: (_tmp, output) => /rollback/.test(output()),
};

describe.concurrent('the CLI killed at any moment leaves nothing behind', () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    it(`with ${signal}`, { timeout: 90_000 }, async () => {
      const tmp = privateTmp();
      for (const [phase, reached] of Object.entries(phases)) {
        const child = run(cli(), [...CHECK, '--replicas', '1', '-v'], tmp);
        let output = '';
        child.stdout?.on('data', (d) => (output += d));
        child.stderr?.on('data', (d) => (output += d));
        const hit = await until(
          () => (reached(tmp, () => output) ? true : child.exitCode !== null ? false : undefined),
          60_000,
        );
        expect(hit, `${phase} not reached before the run ended:\n${output}`).toBe(true);
        expect(child.kill(signal)).toBe(true);
        const code = await exitOf(child);
        if (signal !== 'SIGKILL') expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
        const { left, ms } = await leftovers(tmp);
        console.log(`${signal} during ${phase}: nothing left after ${ms} ms`);
        expect(left, `${signal} during ${phase}`).toEqual([]);
      }
    });
  }

  it('and a finished run leaves only the initdb cache', { timeout: 60_000 }, async () => {
    const tmp = privateTmp();
    const child = run(cli(), [...CHECK, '--replicas', '0', '--base', 'HEAD'], tmp);
    expect(await exitOf(child)).toBe(0);
    expect((await leftovers(tmp)).left).toEqual([]);
    expect(readdirSync(tmp).filter((n) => n.startsWith('schemagate-initdb-')).length).toBe(1);
  });
});

// Starts a primary, prints its cluster directory and its run's reaper, then waits.
const holder = bundleTypeScript(
  'cluster-holder',
  `
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { embeddedProvider } from ${JSON.stringify(join(repoRoot, 'src/provision/embedded.ts'))};
import { silentLogger } from ${JSON.stringify(join(repoRoot, 'src/core/logger.ts'))};

const cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
const client = new pg.Client(cluster.primary);
await client.connect();
const { rows } = await client.query('show data_directory');
await client.end();
const workDir = dirname(rows[0].data_directory);
const reaper = readFileSync(dirname(workDir) + '/reaper.pid', 'utf8').trim();
console.log('READY ' + JSON.stringify({ workDir, port: cluster.primary.port, reaper }));
setInterval(() => {}, 1000);
`,
);

async function startHolder(tmp: string) {
  const child = run(holder, [], tmp);
  const ready = JSON.parse(await lineFrom(child, 'READY ')) as {
    workDir: string;
    port: number;
    reaper: string;
  };
  return { child, ...ready, runDir: dirname(ready.workDir) };
}

describe('a later run', () => {
  it(
    "removes what a run killed with its reaper left, and never another living run's",
    { timeout: 90_000 },
    async () => {
      const tmp = privateTmp();
      const alive = await startHolder(tmp);
      const victim = await startHolder(tmp);
      // Killed together, the victim's reaper cannot clean up: its server is orphaned.
      process.kill(Number(victim.reaper), 'SIGKILL');
      victim.child.kill('SIGKILL');
      await exitOf(victim.child);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(processesNaming(victim.workDir).length).toBe(1);
      expect(existsSync(victim.runDir)).toBe(true);

      // A new run's reaper sweeps at its start.
      const later = await startHolder(tmp);
      const started = Date.now();
      const gone = await until(
        () =>
          processesNaming(`${victim.runDir}/`).length || existsSync(victim.runDir)
            ? undefined
            : true,
        5_000,
      );
      console.log(`an abandoned run removed ${Date.now() - started} ms after a later start`);
      expect(gone).toBe(true);
      // The living run keeps its server, its directory and its reaper.
      for (const run of [alive, later]) {
        expect(existsSync(run.workDir)).toBe(true);
        expect(processesNaming(run.workDir).length).toBe(1);
        expect(() => process.kill(Number(run.reaper), 0)).not.toThrow();
        const [row] = await query<{ one: number }>(
          { host: '127.0.0.1', port: run.port, user: 'postgres', database: 'postgres' },
          'select 1 as one',
        );
        expect(row.one).toBe(1);
      }
      alive.child.kill('SIGTERM');
      later.child.kill('SIGKILL');
      await Promise.all([exitOf(alive.child), exitOf(later.child)]);
      expect((await leftovers(tmp)).left).toEqual([]);
    },
  );
});

const IMAGE = process.env.SCHEMAGATE_POSTGRES_IMAGE || 'schemagate/postgres-test:18';
const runDocker = runsWith(await dockerTool(IMAGE), 'docker cleanup test');

describe.runIf(runDocker)('a docker cluster of a run killed with SIGKILL', () => {
  it("is removed by the run's reaper (docker rm -f)", { timeout: 120_000 }, async () => {
    const tmp = privateTmp();
    const program = bundleTypeScript(
      'docker-holder',
      `import { dockerProvider } from ${JSON.stringify(join(repoRoot, 'src/provision/docker.ts'))};
       import { silentLogger } from ${JSON.stringify(join(repoRoot, 'src/core/logger.ts'))};
       await dockerProvider.start({ replicas: 1, logger: silentLogger });
       console.log('READY');
       setInterval(() => {}, 1000);`,
    );
    const child = spawn(process.execPath, [program], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: tmp, SCHEMAGATE_POSTGRES_IMAGE: IMAGE },
    });
    await lineFrom(child, 'READY', 90_000);
    const [runName] = readdirSync(tmp).filter((n) => n.startsWith('schemagate-run-'));
    const noted = readFileSync(join(tmp, runName, 'docker'), 'utf8')
      .trim()
      .split('\n');
    const names = (kind: string) =>
      noted.filter((l) => l.startsWith(`${kind} `)).map((l) => l.slice(kind.length + 1));
    const docker = (...args: string[]) =>
      execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
    const containers = () =>
      docker('ps', '-a', '--format', '{{.Names}}').filter((n) => names('container').includes(n));
    const networks = () =>
      docker('network', 'ls', '--format', '{{.Name}}').filter((n) => names('network').includes(n));
    expect(containers().length).toBe(2);
    expect(networks().length).toBe(1);
    child.kill('SIGKILL');
    await exitOf(child);
    const started = Date.now();
    await until(() => (containers().length || networks().length ? undefined : true), 20_000);
    console.log(`docker containers and network removed ${Date.now() - started} ms after SIGKILL`);
    expect(containers()).toEqual([]);
    expect(networks()).toEqual([]);
    expect((await leftovers(tmp)).left).toEqual([]);
  });
});

describe('the initdb cache', () => {
  it(
    "keeps one entry per binaries, removes stale ones and never touches another user's",
    {
      timeout: 60_000,
    },
    async () => {
      const tmp = privateTmp();
      const nobody = { uid: Number(execFileSync('id', ['-u', 'nobody'])), gid: 0 };
      const plant = (name: string, meta: object | undefined, uid: number) => {
        const dir = join(tmp, name);
        mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
        if (meta) writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
        execFileSync('chown', ['-R', String(uid), dir]);
        return dir;
      };
      const me = process.getuid!();
      const gone = plant('schemagate-initdb-0000000000000000', { postgres: '/nonexistent' }, me);
      const legacy = plant('sg-initdb-cache-0000000000000000', undefined, nobody.uid);
      const foreign = plant('schemagate-initdb-1111111111111111', undefined, nobody.uid);
      const run = await startHolder(tmp);
      run.child.kill('SIGTERM');
      await exitOf(run.child);
      expect(existsSync(gone)).toBe(false);
      expect(existsSync(legacy)).toBe(me !== 0); // the older layout belonged to the server's user
      expect(existsSync(foreign)).toBe(true);
      const entries = readdirSync(tmp).filter((n) => n.startsWith('schemagate-initdb-'));
      expect(entries.length).toBe(2);
      const [ours] = entries.filter((n) => join(tmp, n) !== foreign);
      expect(readdirSync(join(tmp, ours)).sort()).toEqual(['data', 'meta.json']);
    },
  );
});
