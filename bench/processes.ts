/**
 * Peak memory of a child process tree, sampled from /proc: the node process's own peak (VmHWM)
 * and the proportional set size (Pss, shared pages split between the processes sharing them) of
 * every postgres process below it, summed per sample.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface Peaks {
  nodeKiB: number;
  postgresKiB: number;
  totalKiB: number;
}

function parentOf(pid: string): { ppid: string; comm: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = stat.slice(close + 2).split(' ')[1];
    return { ppid, comm };
  } catch {
    return undefined;
  }
}

function kib(file: string, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function sample(root: number): { node: number; rss: number; postgres: number } {
  const children = new Map<string, string[]>();
  const comms = new Map<string, string>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const p = parentOf(pid);
    if (!p) continue;
    comms.set(pid, p.comm);
    children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  }
  let postgres = 0;
  const queue = [...(children.get(String(root)) ?? [])];
  while (queue.length) {
    const pid = queue.pop()!;
    queue.push(...(children.get(pid) ?? []));
    if (comms.get(pid) === 'postgres') postgres += kib(`/proc/${pid}/smaps_rollup`, 'Pss');
  }
  const status = `/proc/${root}/status`;
  return { node: kib(status, 'VmHWM'), rss: kib(status, 'VmRSS'), postgres };
}

/** Samples the tree under `pid` every `everyMs` until stopped; returns the peaks seen. */
export function watchMemory(pid: number, everyMs = 250): { stop(): Peaks } {
  const peaks: Peaks = { nodeKiB: 0, postgresKiB: 0, totalKiB: 0 };
  const tick = () => {
    const s = sample(pid);
    // VmHWM is gone once the process has exited: keep the last value seen.
    peaks.nodeKiB = Math.max(peaks.nodeKiB, s.node);
    peaks.postgresKiB = Math.max(peaks.postgresKiB, s.postgres);
    peaks.totalKiB = Math.max(peaks.totalKiB, s.rss + s.postgres);
  };
  const timer = setInterval(tick, everyMs);
  tick();
  return {
    stop() {
      clearInterval(timer);
      return peaks;
    },
  };
}

/**
 * CPU seconds used by the children this process has waited for, and theirs in turn (the
 * postmaster waits for its backends, node for the postmaster): read before and after a child
 * runs, the difference is the CPU its whole process tree used, whatever else the machine ran.
 */
export function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat (cutime, cstime), in clock ticks of 10 ms.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}
