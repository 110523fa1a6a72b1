import { spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_ENV, childEnv } from './child-env.js';
import { registerCleanup } from './cleanup.js';
import { REAPER_SCRIPT, type ReaperJob, type RunOwner } from './reaper.js';

/**
 * One directory per run (per process) in the temp dir holds everything the run creates on disk:
 * clusters' data directories, the `--base` checkout, initdb staging. `owner.json` names the
 * process it belongs to. The directory is removed when the process exits; if the process is
 * killed (even with SIGKILL), its reaper (reaper.ts), started with the directory, stops the
 * servers and removes it, and the next run's reaper sweeps up whatever is still left.
 */

export const RUN_PREFIX = 'schemagate-run-';

let current: string | undefined;

/** This process's run directory, created (and its reaper started) on first use. */
export function runDir(): string {
  if (current) return current;
  const dir = mkdtempSync(join(tmpdir(), RUN_PREFIX));
  // Servers run as another OS user when we are root: they must reach their own subdirectory.
  chmodSync(dir, 0o711);
  const owner = ownerOf(process.pid);
  writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner) + '\n');
  current = dir;
  registerCleanup(`rm ${dir}`, () => {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    current = undefined;
  });
  const reaper = startReaper({ mode: 'watch', tmp: tmpdir(), prefix: RUN_PREFIX, dir, owner });
  writeFileSync(join(dir, 'reaper.pid'), `${reaper ?? ''}\n`);
  return dir;
}

/** A new directory inside the run directory, `<prefix>XXXXXX`. */
export function makeRunSubdir(prefix: string): string {
  return mkdtempSync(join(runDir(), prefix));
}

/**
 * Notes a container or network by name before it is created, so that the reaper removes it
 * (`docker rm -f`) should this process die without removing it itself.
 */
export function recordDockerResource(kind: 'container' | 'network', name: string): void {
  appendFileSync(join(runDir(), 'docker'), `${kind} ${name}\n`);
}

export function ownerOf(pid: number): RunOwner {
  return { pid, start: startTimeOf(pid), host: hostname(), boot: bootId() };
}

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Starts a detached reaper that outlives this process (see reaper.ts). `sweep` removes the
 * abandoned run directories of dead owners and exits; `watch` also waits for this run.
 */
export function startReaper(job: ReaperJob): number | undefined {
  const child = spawn(process.execPath, ['-e', REAPER_SCRIPT], {
    detached: true,
    stdio: 'ignore',
    cwd: '/',
    // It runs `docker rm` (DOCKER_*) and `ps`; no NODE_OPTIONS, no token of the job.
    env: childEnv({ SCHEMAGATE_REAPER: JSON.stringify(job) }, DOCKER_ENV),
  });
  child.on('error', () => {});
  child.unref();
  return child.pid;
}
