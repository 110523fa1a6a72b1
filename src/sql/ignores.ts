import type { Ignore } from '../core/model.js';
import type { ByteText } from './text.js';

const DIRECTIVE = /^--\s*schemagate:ignore\b\s*(\S*)\s*(.*)$/;

/** One `-- schemagate:ignore <rule-id> <reason>` comment line, or undefined for any other line. */
export function parseIgnoreLine(text: string, line: number): Ignore | undefined {
  const m = DIRECTIVE.exec(text.trim());
  if (!m) return undefined;
  return { rule: m[1], reason: m[2].trim(), line };
}

/**
 * The ignore directives in the block of `--` comment lines directly above `line` (no blank line
 * in between), never reaching back into the previous statement (at or before `floorLine`).
 * An ignore without a reason is kept with reason '' so that it can be reported.
 */
export function ignoresAbove(text: ByteText, line: number, floorLine: number): Ignore[] {
  const found: Ignore[] = [];
  for (let l = line - 1; l > floorLine; l--) {
    const content = text.lineText(l).trim();
    if (!content.startsWith('--')) break;
    const ignore = parseIgnoreLine(content, l);
    if (ignore) found.unshift(ignore);
  }
  return found;
}
