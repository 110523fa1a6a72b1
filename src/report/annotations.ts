import type { Finding } from '../core/model.js';
import type { Report } from '../core/report.js';
import { groupFindings, tenantList } from './group.js';

/** One annotation on the PR diff; the Action sends these through core.error/core.warning. */
export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  file?: string;
  startLine?: number;
  endLine?: number;
  title: string;
  message: string;
}

const LEVEL = { blocker: 'error', warning: 'warning', notice: 'notice' } as const;

/** `schemagate locks/table-rewrite`, with the tenants in parentheses when it names some. */
export function findingTitle(f: Finding, tenants = f.tenant ?? ''): string {
  return `schemagate ${f.gate}/${f.rule}${tenants ? ` (${tenants})` : ''}`;
}

/**
 * One annotation per statement and rule, tenants in the title, most severe first (the report's
 * findings are already sorted that way). The same finding on several tenants would stack
 * identical boxes on one line of the diff and use up the few annotations GitHub shows per step.
 */
export function toAnnotations(report: Report): Annotation[] {
  return groupFindings(report.findings).map((g) => {
    const f = g.first;
    return {
      level: LEVEL[f.severity],
      ...(f.file ? { file: f.file } : {}),
      ...(f.line ? { startLine: f.line, endLine: f.endLine ?? f.line } : {}),
      title: findingTitle(f, tenantList(g.tenants, report.topology.tenants, g.tenantCount)),
      message: g.help ? `${g.message}\n\n${g.help}` : g.message,
    };
  });
}
