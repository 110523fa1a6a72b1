import type { Finding } from '../core/model.js';
import type { Report } from '../core/report.js';

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

export function findingTitle(f: Finding): string {
  return `schemagate ${f.gate}/${f.rule}${f.tenant ? ` (${f.tenant})` : ''}`;
}

/** Most severe first (the report's findings are already sorted that way). */
export function toAnnotations(report: Report): Annotation[] {
  return report.findings.map((f) => ({
    level: LEVEL[f.severity],
    ...(f.file ? { file: f.file } : {}),
    ...(f.line ? { startLine: f.line, endLine: f.endLine ?? f.line } : {}),
    title: findingTitle(f),
    message: f.help ? `${f.message}\n\n${f.help}` : f.message,
  }));
}
