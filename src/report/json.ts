import type { Report } from '../core/report.js';

/** The `--json` report: the schemaVersion 1 contract, pretty-printed. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
