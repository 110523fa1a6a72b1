import type { Finding, GateId } from '../core/model.js';
import { GATES } from '../core/model.js';
import {
  SETUP_CAUSES,
  baseLine,
  type Report,
  type SetReport,
  type SetupError,
} from '../core/report.js';
import { groupFindings, groupingNote, tenantList, type FindingGroup } from './group.js';

export interface MarkdownOptions {
  /** Builds a link to file:line (the Action links to the PR head SHA). */
  link?: (file: string, line?: number) => string;
  /** Hidden marker that finds the sticky comment. */
  marker?: string;
}

const ICON = { blocker: '⛔', warning: '⚠️', notice: 'ℹ️' } as const;

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function location(f: Pick<Finding, 'file' | 'line'>, o: MarkdownOptions): string {
  if (!f.file) return '';
  const text = `${f.file}${f.line ? `:${f.line}` : ''}`;
  return o.link ? `[\`${text}\`](${o.link(f.file, f.line)})` : `\`${text}\``;
}

/** One row per statement and rule; the tenant cell lists the tenants it holds on. */
function gateTable(
  gate: GateId,
  groups: FindingGroup[],
  tenants: string[],
  o: MarkdownOptions,
): string[] {
  const out = [`### ${gate}`, '', '| | rule | where | tenant | finding |', '|---|---|---|---|---|'];
  for (const g of groups) {
    const f = g.first;
    const message = g.help ? `${g.message}<br>**Fix:** ${g.help}` : g.message;
    out.push(
      `| ${ICON[f.severity]} | \`${f.rule}\` | ${location(f, o)} | ${tenantList(g.tenants, tenants, g.tenantCount)} | ${escapeCell(message)} |`,
    );
  }
  out.push('');
  return out;
}

/** Counts are the report's (findings, as in the JSON); a note says when fewer rows list them. */
function headline(report: Report, rows = report.findings.length): string {
  const s = report.summary;
  if (report.setupError) return '## ❌ schemagate could not build the base';
  if (report.status === 'error')
    return `## ❌ schemagate could not finish\n\n${report.error?.message ?? ''}`;
  const verdict =
    report.status === 'blocked' ? '## ⛔ schemagate: blocked' : '## ✅ schemagate: passed';
  const note = groupingNote(report.findings.length, rows, 'rows');
  const base = baseLine(report.topology.base);
  return `${verdict}\n\n${base ? `${base}\n\n` : ''}**${s.blockers}** blocker(s), **${s.warnings}** warning(s), **${s.notices}** notice(s)${note ? ` (${note})` : ''} · ${s.migrationsApplied} migration(s) on ${s.tenantsValidated} tenant(s) · ${report.topology.provider} Postgres ${report.topology.postgres}, ${report.topology.kind} topology, ${report.topology.replicas} replica(s)`;
}

/**
 * The base could not be built: one diagnosis, not a finding, so the PR is neither blocked nor
 * passed by it.
 */
function setupErrorSection(e: SetupError, o: MarkdownOptions): string[] {
  const where = e.file ? location(e, o) : '';
  const python = e.cause === 'import-error';
  return [
    python
      ? "Alembic could not load the migrations with this Python, so the pull request was not checked: the cause is how the check is set up (the application's requirements are not installed for it), not this pull request."
      : 'A migration that is already merged fails to replay, so the pull request was not checked. Production ran it: the cause is how the check is set up, not this pull request.',
    '',
    '| | |',
    '|---|---|',
    ...(where ? [`| where | ${where} |`] : []),
    `| ${python ? 'Python' : 'Postgres'} said | ${escapeCell(e.message)} |`,
    `| cause | ${SETUP_CAUSES[e.cause]} (\`${e.cause}\`) |`,
    `| fix | ${escapeCell(e.remedy)} |`,
    '',
  ];
}

/** Each migration set's outcome, when the repository has several. */
function setsTable(sets: SetReport[]): string[] {
  const out = ['| migration set | format | database | outcome |', '|---|---|---|---|'];
  for (const set of sets) {
    const s = set.summary;
    const outcome = set.setupError
      ? `❌ could not build the base: ${set.setupError.file ?? ''}${set.setupError.line ? `:${set.setupError.line}` : ''} ${set.setupError.message}`
      : set.error
        ? `❌ ${set.error.message}`
        : `${set.status === 'blocked' ? '⛔' : '✅'} ${s.blockers} blocker(s), ${s.warnings} warning(s), ${s.notices} notice(s); ${s.migrationsApplied} migration(s) applied`;
    out.push(
      `| \`${set.dir}\` | ${set.format} | ${set.database ?? 'its own'} | ${escapeCell(outcome)} |`,
    );
  }
  out.push('');
  return out;
}

function stepsTable(report: Report): string[] {
  const out = [
    '<details><summary>Steps</summary>',
    '',
    '| step | status | ms | details |',
    '|---|---|---:|---|',
  ];
  for (const s of report.steps)
    out.push(`| ${s.action} | ${s.status} | ${s.durationMs} | ${escapeCell(s.details)} |`);
  out.push('', '</details>', '');
  return out;
}

/** The report with the first `shown` groups listed; the headline counts all of them. */
function render(
  report: Report,
  groups: FindingGroup[],
  shown: number,
  o: MarkdownOptions,
  notes = report.notes,
): string {
  const out: string[] = [];
  if (o.marker) out.push(o.marker);
  out.push(headline(report, groups.length), '');
  if (report.setupError) out.push(...setupErrorSection(report.setupError, o));
  const listed = groups.slice(0, shown);
  if (report.sets) out.push(...setsTable(report.sets));
  for (const set of report.sets ?? [undefined]) {
    const ofSet = set ? listed.filter((g) => g.first.set === set.dir) : listed;
    if (set && ofSet.length) out.push(`## ${set.dir}`, '');
    for (const gate of GATES) {
      const mine = ofSet.filter((g) => g.first.gate === gate);
      if (mine.length) out.push(...gateTable(gate, mine, report.topology.tenants, o));
    }
  }
  if (notes.length)
    out.push(
      '<details><summary>Notes</summary>',
      '',
      ...notes.map((n) => `- ${escapeCell(n)}`),
      '',
      '</details>',
      '',
    );
  out.push(...stepsTable(report));
  return out.join('\n');
}

/** Full Markdown report: the sticky comment, the job summary and `--markdown FILE`. */
export function renderMarkdown(report: Report, o: MarkdownOptions = {}): string {
  const groups = groupFindings(report.findings);
  return render(report, groups, groups.length, o);
}

/**
 * The same, shortened to fit `limit` characters: rows beyond the cut are dropped whole (a row's
 * tenants are never split) and their findings counted, not listed.
 */
export function renderMarkdownWithin(
  report: Report,
  limit: number,
  o: MarkdownOptions = {},
): string {
  const groups = groupFindings(report.findings);
  const full = render(report, groups, groups.length, o);
  if (full.length <= limit) return full;
  for (let keep = groups.length; keep >= 0; keep = Math.floor(keep * 0.7)) {
    const hidden = groups.slice(keep).reduce((n, g) => n + g.findings.length, 0);
    const note = `\n_${hidden} more finding(s) not shown here; see the job summary, the check run or the JSON report._\n`;
    const text = render(report, groups, keep, o, []) + note;
    if (text.length <= limit) return text;
    if (keep === 0) break;
  }
  return `${o.marker ?? ''}\n${headline(report, groups.length)}\n`.slice(0, limit);
}
