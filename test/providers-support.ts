import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import { buildSync } from 'esbuild';
import pg from 'pg';
import type { ConnectionInfo } from '../src/provision/provider.js';

/** Shared by the provider tests: process and directory checks, replication probes. */

export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Pids whose command line mentions `text` (the postmaster runs with `-D <data dir>`). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(text) && !cmdline.includes('vitest')) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export async function query<T extends pg.QueryResultRow>(
  info: ConnectionInfo,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client(info);
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export async function dataDirectory(info: ConnectionInfo): Promise<string> {
  const rows = await query<{ data_directory: string }>(info, 'show data_directory');
  return rows[0].data_directory;
}

/** Polls until `check` holds (or fails the test after `ms`). */
export async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until nothing mentions `text` any more (the killed postmaster's group may linger). */
export async function noProcessesMentioning(text: string, ms = 5_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let pids = processesMentioning(text);
  while (pids.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    pids = processesMentioning(text);
  }
  return pids;
}

/** Bundles `source` (importing from src/) into an .mjs under node_modules, where packages resolve. */
export function bundleTypeScript(name: string, source: string): string {
  const dir = join(repoRoot, 'node_modules', '.cache', 'schemagate-tests');
  mkdirSync(dir, { recursive: true });
  // Per process: several test runs may share the working tree.
  const entry = join(dir, `${name}-${process.pid}.ts`);
  const outfile = join(dir, `${name}-${process.pid}.mjs`);
  writeFileSync(entry, source);
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

/**
 * Bundles a small TypeScript program that imports from src/ into an .mjs under node_modules
 * (so that its package imports resolve) and spawns it with node.
 */
export function spawnTypeScript(name: string, source: string, env: NodeJS.ProcessEnv = {}) {
  return spawn(process.execPath, [bundleTypeScript(name, source)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/** Resolves with the first stdout line starting with `prefix` (its remainder). */
export function lineFrom(child: ChildProcess, prefix: string, ms = 60_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ${prefix} line; stderr:\n${err}`)), ms);
    child.stderr?.on('data', (d) => (err += d));
    child.stdout?.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith(prefix));
      if (line !== undefined) {
        clearTimeout(timer);
        resolvePromise(line.slice(prefix.length).trim());
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before ${prefix}; stderr:\n${err}`));
    });
  });
}

export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.on('exit', (code) => r(code));
  });
}
