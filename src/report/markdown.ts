import type { Finding, GateId } from '../core/model.js';
import { GATES } from '../core/model.js';
import type { Report } from '../core/report.js';

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

function location(f: Finding, o: MarkdownOptions): string {
  if (!f.file) return '';
  const text = `${f.file}${f.line ? `:${f.line}` : ''}`;
  return o.link ? `[\`${text}\`](${o.link(f.file, f.line)})` : `\`${text}\``;
}

function gateTable(gate: GateId, findings: Finding[], o: MarkdownOptions): string[] {
  const out = [`### ${gate}`, '', '| | rule | where | tenant | finding |', '|---|---|---|---|---|'];
  for (const f of findings) {
    const message = f.help ? `${f.message}<br>**Fix:** ${f.help}` : f.message;
    out.push(
      `| ${ICON[f.severity]} | \`${f.rule}\` | ${location(f, o)} | ${f.tenant ?? ''} | ${escapeCell(message)} |`,
    );
  }
  out.push('');
  return out;
}

function headline(report: Report): string {
  const s = report.summary;
  if (report.status === 'error')
    return `## ❌ schemagate could not finish\n\n${report.error?.message ?? ''}`;
  const verdict =
    report.status === 'blocked' ? '## ⛔ schemagate: blocked' : '## ✅ schemagate: passed';
  return `${verdict}\n\n**${s.blockers}** blocker(s), **${s.warnings}** warning(s), **${s.notices}** notice(s) · ${s.migrationsApplied} migration(s) on ${s.tenantsValidated} tenant(s) · ${report.topology.provider} Postgres ${report.topology.postgres}, ${report.topology.kind} topology, ${report.topology.replicas} replica(s)`;
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

/** Full Markdown report: the sticky comment, the job summary and `--markdown FILE`. */
export function renderMarkdown(report: Report, o: MarkdownOptions = {}): string {
  const out: string[] = [];
  if (o.marker) out.push(o.marker);
  out.push(headline(report), '');
  for (const gate of GATES) {
    const mine = report.findings.filter((f) => f.gate === gate);
    if (mine.length) out.push(...gateTable(gate, mine, o));
  }
  if (report.notes.length)
    out.push(
      '<details><summary>Notes</summary>',
      '',
      ...report.notes.map((n) => `- ${escapeCell(n)}`),
      '',
      '</details>',
      '',
    );
  out.push(...stepsTable(report));
  return out.join('\n');
}

/** The same, shortened to fit `limit` characters: findings beyond the cut are counted, not listed. */
export function renderMarkdownWithin(
  report: Report,
  limit: number,
  o: MarkdownOptions = {},
): string {
  const full = renderMarkdown(report, o);
  if (full.length <= limit) return full;
  for (let keep = report.findings.length; keep >= 0; keep = Math.floor(keep * 0.7)) {
    const cut = { ...report, findings: report.findings.slice(0, keep), notes: [] };
    const note = `\n_${report.findings.length - keep} more finding(s) not shown here; see the job summary, the check run or the JSON report._\n`;
    const text = renderMarkdown(cut, o) + note;
    if (text.length <= limit) return text;
    if (keep === 0) break;
  }
  return `${o.marker ?? ''}\n${headline(report)}\n`.slice(0, limit);
}
