import pc from 'picocolors';
import type { Finding } from '../core/model.js';
import type { Report } from '../core/report.js';
import type { StatementTrace } from '../core/trace.js';

type Paint = (s: string) => string;
interface Palette {
  red: Paint;
  yellow: Paint;
  blue: Paint;
  dim: Paint;
  bold: Paint;
  green: Paint;
}

const PLAIN: Palette = {
  red: String,
  yellow: String,
  blue: String,
  dim: String,
  bold: String,
  green: String,
};
const COLOUR: Palette = {
  red: pc.red,
  yellow: pc.yellow,
  blue: pc.blue,
  dim: pc.dim,
  bold: pc.bold,
  green: pc.green,
};

function badge(f: Finding, p: Palette): string {
  if (f.severity === 'blocker') return p.red('BLOCKER');
  if (f.severity === 'warning') return p.yellow('warning');
  return p.blue('notice ');
}

function groupByFile(findings: Finding[]): Map<string, Finding[]> {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = f.file ?? '(no file)';
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const list of groups.values()) list.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return groups;
}

function lockLine(t: StatementTrace): string | undefined {
  const locks = t.locks.filter((l) => l.preexisting).map((l) => `${l.mode} on ${l.relation}`);
  const parts = [];
  if (locks.length) parts.push(`locks ${locks.join(', ')}`);
  if (t.rewritten.length) parts.push(`rewrote ${t.rewritten.join(', ')}`);
  if (t.maxWorkloadWaitMs !== undefined) parts.push(`workload waited ${t.maxWorkloadWaitMs} ms`);
  return parts.length
    ? `${t.file}:${t.line} ${t.kind} ${t.durationMs} ms: ${parts.join('; ')}`
    : undefined;
}

/** The terminal report: findings grouped by file with line numbers, then steps and summary. */
export function renderText(report: Report, colour = false): string {
  const p = colour ? COLOUR : PLAIN;
  // Stopped before Postgres started (bad input): the error is all there is to say.
  if (report.status === 'error' && !report.topology.postgres) {
    return `${p.bold(`schemagate ${report.tool.version}`)}\n${summaryLine(report, p)}\n`;
  }
  const out: string[] = [];
  const t = report.topology;
  out.push(
    p.bold(`schemagate ${report.tool.version}`) +
      p.dim(
        ` · ${t.provider} Postgres ${t.postgres} · ${t.kind} topology, ${t.tenants.length} tenant(s), ${t.replicas} replica(s)`,
      ),
  );
  if (report.format) out.push(p.dim(`format: ${report.format.name} (${report.format.reason})`));
  out.push('');
  for (const [file, list] of groupByFile(report.findings)) {
    out.push(p.bold(file));
    for (const f of list) {
      const where = f.line ? `${String(f.line).padStart(4)}` : '    ';
      out.push(
        `  ${where}  ${badge(f, p)}  ${p.dim(`${f.gate}/${f.rule}`)}${f.tenant ? p.dim(` [${f.tenant}]`) : ''}`,
      );
      out.push(`        ${f.message}`);
      if (f.help) out.push(p.dim(`        → ${f.help}`));
    }
    out.push('');
  }
  const traced = (report.trace ?? []).map(lockLine).filter((l): l is string => !!l);
  if (traced.length) {
    out.push(p.bold('Locks and rewrites on pre-existing tables'));
    for (const l of traced) out.push(`  ${l}`);
    out.push('');
  }
  for (const n of report.notes) out.push(p.dim(`note: ${n}`));
  out.push(p.bold('Steps'));
  for (const s of report.steps)
    out.push(
      `  ${s.status.padEnd(7)} ${s.action.padEnd(16)} ${String(s.durationMs).padStart(6)} ms  ${p.dim(s.details)}`,
    );
  out.push('');
  out.push(summaryLine(report, p));
  return `${out.join('\n')}\n`;
}

function summaryLine(report: Report, p: Palette): string {
  const s = report.summary;
  if (report.status === 'error') return p.red(`error: ${report.error?.message ?? 'unknown error'}`);
  const counts = `${s.blockers} blocker(s), ${s.warnings} warning(s), ${s.notices} notice(s); ${s.migrationsApplied} migration(s) applied on ${s.tenantsValidated} tenant(s)`;
  return report.status === 'blocked' ? p.red(`BLOCKED: ${counts}`) : p.green(`passed: ${counts}`);
}
