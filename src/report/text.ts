import pc from 'picocolors';
import type { Finding } from '../core/model.js';
import {
  SETUP_CAUSES,
  baseLine,
  setupErrorLine,
  type Report,
  type SetReport,
  type SetupError,
} from '../core/report.js';
import type { StatementTrace } from '../core/trace.js';
import { groupFindings, groupingNote, tenantList, type FindingGroup } from './group.js';

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

function byFile(groups: FindingGroup[]): Map<string, FindingGroup[]> {
  const files = new Map<string, FindingGroup[]>();
  for (const g of groups) {
    const key = g.first.file ?? '(no file)';
    files.set(key, [...(files.get(key) ?? []), g]);
  }
  for (const list of files.values()) list.sort((a, b) => (a.first.line ?? 0) - (b.first.line ?? 0));
  return files;
}

/** One entry per statement and rule: the first line names the tenants it holds on. */
function groupLines(g: FindingGroup, all: string[], p: Palette): string[] {
  const f = g.first;
  const where = f.line ? `${String(f.line).padStart(4)}` : '    ';
  const tenants = tenantList(g.tenants, all, g.tenantCount);
  const out = [
    `  ${where}  ${badge(f, p)}  ${p.dim(`${f.gate}/${f.rule}`)}${tenants ? p.dim(` [${tenants}]`) : ''}`,
    `        ${g.message}`,
  ];
  if (g.help) out.push(p.dim(`        → ${g.help}`));
  return out;
}

/** Why the base could not be built: where, what Postgres said, the cause and the fix. */
function setupErrorLines(e: SetupError, p: Palette): string[] {
  return [
    p.red(p.bold('could not build the base')),
    ...(e.file ? [`  ${p.bold(`${e.file}${e.line ? `:${e.line}` : ''}`)}`] : []),
    `        ${e.message}`,
    `        cause: ${SETUP_CAUSES[e.cause]} (${e.cause})`,
    `        → fix: ${e.remedy}`,
    p.dim(
      e.cause === 'import-error'
        ? '  Alembic could not load the migrations with this Python: the PR was not checked, and nothing here is its finding.'
        : '  The merged migrations are what production already ran: the PR was not checked, and nothing here is its finding.',
    ),
    '',
  ];
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
  // Stopped before Postgres started (bad input, or a base Alembic could not load): the error
  // is all there is to say.
  if (report.status === 'error' && !report.topology.postgres) {
    const setup = report.setupError ? ['', ...setupErrorLines(report.setupError, p)] : [];
    return `${[p.bold(`schemagate ${report.tool.version}`), ...setup, summaryLine(report, p)].join('\n')}\n`;
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
  const base = baseLine(t.base);
  if (base) out.push(p.dim(base));
  out.push('');
  if (report.setupError) out.push(...setupErrorLines(report.setupError, p));
  const groups = groupFindings(report.findings);
  for (const set of report.sets ?? [undefined]) {
    if (set) out.push(...setHeading(set, p));
    const mine = set ? groups.filter((g) => g.first.set === set.dir) : groups;
    for (const [file, list] of byFile(mine)) {
      out.push(p.bold(file));
      for (const g of list) out.push(...groupLines(g, t.tenants, p));
      out.push('');
    }
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
  out.push(summaryLine(report, p, groups.length));
  return `${out.join('\n')}\n`;
}

/** A migration set's line in a report of several: its folder, format, outcome and counts. */
function setHeading(set: SetReport, p: Palette): string[] {
  const s = set.summary;
  const where = set.database ? `, database ${set.database}` : '';
  const outcome = set.setupError
    ? p.red(setupErrorLine(set.setupError))
    : set.error
      ? p.red(`error: ${set.error.message}`)
      : `${set.status}: ${s.blockers} blocker(s), ${s.warnings} warning(s), ${s.notices} notice(s); ${s.migrationsApplied} migration(s) applied`;
  return [p.bold(`== ${set.dir} (${set.format}${where})`), `   ${outcome}`, ''];
}

/** Counts are the report's (findings, as in the JSON); a note says when fewer entries list them. */
function summaryLine(report: Report, p: Palette, groups = report.findings.length): string {
  const s = report.summary;
  if (report.status === 'error') return p.red(`error: ${report.error?.message ?? 'unknown error'}`);
  const note = groupingNote(report.findings.length, groups, 'entries');
  const counts = `${s.blockers} blocker(s), ${s.warnings} warning(s), ${s.notices} notice(s)${note ? ` (${note})` : ''}; ${s.migrationsApplied} migration(s) applied on ${s.tenantsValidated} tenant(s)`;
  return report.status === 'blocked' ? p.red(`BLOCKED: ${counts}`) : p.green(`passed: ${counts}`);
}
