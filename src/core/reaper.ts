/**
 * The reaper: a small plain-JavaScript program run as `node -e` (so that it works the same from
 * src/ under tests, from dist/cli.js and from the Action's bundle, with no file to ship). It
 * runs detached from the run that starts it, as the same OS user (root when the CLI is root, so
 * it may signal servers that run as `nobody`), and
 *
 * 1. sweeps the temp directory for run directories (`schemagate-run-*`) whose owner process is
 *    gone: stops every process whose command line names the directory (postmasters first with
 *    SIGQUIT, which frees their shared memory, then SIGKILL to the process group), removes the
 *    containers and networks listed in its `docker` file, then deletes it;
 * 2. with `watch`, polls its own run's owner every 250 ms and, once it is gone (exited, killed,
 *    even with SIGKILL), does the same for that run's directory and exits.
 *
 * A directory whose owner runs is never touched; one from another host, or of another OS user,
 * is never judged.
 */

export interface ReaperJob {
  mode: 'watch' | 'sweep';
  /** The temp directory to sweep and the run directories' prefix. */
  tmp: string;
  prefix: string;
  /** With `watch`: the run directory and its owner. */
  dir?: string;
  owner?: RunOwner;
}

/** Written to `<run dir>/owner.json`; identifies the process a run directory belongs to. */
export interface RunOwner {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), so a reused pid is not it. */
  start?: string;
  host: string;
  /** The kernel's boot id (Linux): a directory from before a reboot has no living owner. */
  boot?: string;
}

export const REAPER_SCRIPT = String.raw`'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const job = JSON.parse(process.env.SCHEMAGATE_REAPER);
const hasProc = fs.existsSync('/proc/self/stat');
const bootId = (() => { try { return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { return undefined; } })();

function sleep(ms) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }
function stat(pid) {
  try {
    const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], start: f[19] };
  } catch { return undefined; }
}
function running(pid, start) {
  try { process.kill(pid, 0); } catch (e) { if (e.code !== 'EPERM') return false; }
  if (!hasProc) return true;
  const s = stat(pid);
  return !!s && s.state !== 'Z' && s.state !== 'X' && (!start || s.start === start);
}
function commandOf(pid) {
  if (hasProc) { try { return fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\0').join(' '); } catch { return ''; } }
  try { return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { stdio: ['ignore', 'pipe', 'ignore'] }).toString(); } catch { return ''; }
}
function postmasters(dir, depth, out) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth > 0) postmasters(p, depth - 1, out);
    else if (e.name === 'postmaster.pid') {
      try { const pid = Number(fs.readFileSync(p, 'utf8').split('\n')[0]); if (pid > 0) out.add(pid); } catch {}
    }
  }
  return out;
}
function processesOf(dir) {
  const pids = new Set(postmasters(dir, 2, new Set()));
  if (hasProc) for (const e of fs.readdirSync('/proc')) if (/^\d+$/.test(e)) pids.add(Number(e));
  const mark = dir + path.sep;
  return [...pids].filter((pid) => pid !== process.pid && commandOf(pid).includes(mark));
}
function signal(pid, sig, group) {
  // kill(-pid) reaches a group only when the living pid leads it (the postmaster, detached).
  if (group) { try { process.kill(-pid, sig); return; } catch {} }
  try { process.kill(pid, sig); } catch {}
}
function waitGone(pids, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && pids.some((p) => running(p))) sleep(25);
  return pids.filter((p) => running(p));
}
function stopProcesses(dir) {
  for (let round = 0; round < 3; round++) {
    const pids = processesOf(dir);
    if (!pids.length) return;
    const masters = postmasters(dir, 2, new Set());
    // SIGQUIT: a postmaster stops its backends and removes its shared memory at once.
    for (const pid of pids) signal(pid, masters.has(pid) ? 'SIGQUIT' : 'SIGKILL', !masters.has(pid));
    for (const pid of waitGone(pids, 2000)) signal(pid, 'SIGKILL', true);
    waitGone(pids, 1000);
  }
}
function removeDocker(dir) {
  let lines;
  try { lines = fs.readFileSync(path.join(dir, 'docker'), 'utf8').split('\n').filter(Boolean); } catch { return; }
  const of = (kind) => lines.filter((l) => l.startsWith(kind + ' ')).map((l) => l.slice(kind.length + 1));
  const docker = (args) => { try { execFileSync('docker', args, { stdio: 'ignore', timeout: 60000 }); } catch {} };
  if (of('container').length) docker(['rm', '-f', '-v', ...of('container')]);
  for (const network of of('network')) docker(['network', 'rm', network]);
}
function reap(dir) {
  for (let round = 0; round < 3; round++) {
    stopProcesses(dir);
    removeDocker(dir);
    try { fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 }); } catch {}
    if (!fs.existsSync(dir) && !processesOf(dir).length) return;
  }
}
function abandoned(dir) {
  // Only our own user's directories: never follow another user's into a recursive removal.
  try { const st = fs.lstatSync(dir); if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid())) return false; } catch { return false; }
  let owner;
  try { owner = JSON.parse(fs.readFileSync(path.join(dir, 'owner.json'), 'utf8')); } catch {}
  if (!owner || !owner.pid) {
    // Just created (the owner file follows at once), or its owner died before writing it.
    try { return Date.now() - fs.statSync(dir).mtimeMs > 60000; } catch { return false; }
  }
  if (owner.host !== os.hostname()) return false;
  if (owner.boot && bootId && owner.boot !== bootId) return true;
  return !running(owner.pid, owner.start);
}
function sweep() {
  let names;
  try { names = fs.readdirSync(job.tmp); } catch { return; }
  for (const name of names) {
    const dir = path.join(job.tmp, name);
    if (name.startsWith(job.prefix) && dir !== job.dir && abandoned(dir)) reap(dir);
  }
}

process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
sweep();
if (job.mode === 'watch') {
  const timer = setInterval(() => {
    if (running(job.owner.pid, job.owner.start)) return;
    clearInterval(timer);
    reap(job.dir);
  }, 250);
}
`;
