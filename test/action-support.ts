import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface FixtureRepo {
  root: string;
  base: string;
  head: string;
  dispose: () => void;
}

const fixtureRepoModule = resolve('scripts/fixture-repo.mjs');

/** A git repository with a base commit (baseDir) and a PR commit on top (prDir). */
export async function makeFixtureRepo(baseDir: string, prDir: string): Promise<FixtureRepo> {
  const mod = (await import(fixtureRepoModule)) as {
    makeFixtureRepo: (b: string, p: string) => FixtureRepo;
  };
  return mod.makeFixtureRepo(resolve(baseDir), resolve(prDir));
}

/** Writes test/fixtures-action/<name>.json with its placeholder SHAs filled in; returns the path. */
export function writeEvent(
  name: string,
  dir: string,
  shas: { BASE_SHA?: string; HEAD_SHA?: string; BEFORE_SHA?: string },
): string {
  let text = readFileSync(resolve('test/fixtures-action', `${name}.json`), 'utf8');
  for (const [key, value] of Object.entries(shas)) text = text.replaceAll(key, value ?? '');
  const path = join(dir, `${name}.json`);
  writeFileSync(path, text);
  return path;
}

/** Rebuilds dist/ when a source is newer than dist/index.js; one build at a time across files. */
export async function ensureDistBuilt(): Promise<void> {
  const lock = join(tmpdir(), 'schemagate-dist-build.lock');
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 120_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (distIsStale()) execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'pipe' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((n) => newestMtime(join(path, n))));
}

function distIsStale(): boolean {
  if (!existsSync('dist/index.js') || !existsSync('dist/libpg-query.wasm')) return true;
  const built = statSync('dist/index.js').mtimeMs;
  return ['src', 'scripts/build.mjs', 'package-lock.json'].some((p) => newestMtime(p) > built);
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** RUNNER_TEMP of the run (holds the JSON report); the caller removes it. */
  runnerTemp: string;
}

/** Runs `node <entry>` as the runner does: INPUT_* and GITHUB_* variables, files for outputs. */
export function runAction(
  entry: string,
  workspace: string,
  env: Record<string, string>,
): Promise<ActionRun> {
  const files = mkdtempSync(join(tmpdir(), 'schemagate-runner-'));
  const outputFile = join(files, 'output');
  const summaryFile = join(files, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|RUNNER_)/.test(k)),
  );
  const child = spawn(process.execPath, [resolve(entry)], {
    cwd: workspace,
    env: {
      ...inherited,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: files,
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((done) =>
    child.on('close', (code) =>
      done({
        code: code ?? -1,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
        summary: readFileSync(summaryFile, 'utf8'),
        runnerTemp: files,
      }),
    ),
  );
}

/** GITHUB_OUTPUT holds `name<<DELIMITER\nvalue\nDELIMITER` blocks. */
function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([\w-]+)<<(\S+)\n([\s\S]*?)\n?\2$/gm;
  for (const m of text.matchAll(re)) out[m[1]] = m[3];
  return out;
}

/** Property escaping of workflow commands, as @actions/core writes them. */
export function escapeProperty(s: string): string {
  return s
    .replace(/%/g, '%25')
    .replace(/\r/g, '%0D')
    .replace(/\n/g, '%0A')
    .replace(/:/g, '%3A')
    .replace(/,/g, '%2C');
}
