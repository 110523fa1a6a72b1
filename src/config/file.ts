import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { InputError } from '../core/errors.js';
import { ruleById } from '../rules/index.js';
import { dotted, fallbackMessage, problemsOf } from './issues.js';
import { ConfigSchema, type Config } from './schema.js';

export type { Config } from './schema.js';

/** The ids a config may name besides rules (those come from the rule registry). */
export interface KnownIds {
  gates: readonly string[];
}

/**
 * Reads and validates the config file. Errors name the file and the line of the offending key:
 * `.schemagate.yml:4: rules.no-such-rule: unknown rule id`.
 */
export function loadConfig(
  repoRoot: string,
  file: string | undefined,
  known: KnownIds,
): { config: Config; path?: string } {
  const path = file
    ? isAbsolute(file)
      ? file
      : join(process.cwd(), file)
    : join(repoRoot, '.schemagate.yml');
  if (!existsSync(path)) {
    if (file) throw new InputError(`--config ${file}: no such file`);
    return { config: ConfigSchema.parse({}) };
  }
  const shown = relative(process.cwd(), path) || path;
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(path, 'utf8'), { lineCounter: lines });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new InputError(`${shown}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0]}`);
  }
  const raw = doc.toJS() ?? {};
  const fail = (keys: PropertyKey[], text: string): never => {
    throw new InputError(`${shown}:${lineOf(doc, lines, keys)}: ${dotted(keys)}: ${text}`);
  };
  const parsed = ConfigSchema.safeParse(raw, { error: fallbackMessage });
  if (!parsed.success) {
    const problems = problemsOf(parsed.error, raw);
    const first = problems.reduce((a, b) =>
      lineOf(doc, lines, b.keys) < lineOf(doc, lines, a.keys) ? b : a,
    );
    return fail(first.keys, first.text);
  }
  for (const rule of Object.keys(parsed.data.rules ?? {})) {
    if (!ruleById(rule)) fail(['rules', rule], 'unknown rule id (see docs/rules/)');
  }
  (parsed.data.gates ?? []).forEach((gate, i) => {
    if (!known.gates.includes(gate)) {
      fail(['gates', i], `expected some of ${known.gates.join(', ')}, got "${gate}"`);
    }
  });
  return { config: parsed.data, path: shown };
}

/** The line of the key (or list item) at `keys`; for an unknown key, the line of that key. */
function lineOf(doc: Document, lines: LineCounter, keys: PropertyKey[]): number {
  const node = doc.getIn(keys.map(String), true) as { range?: [number, number] } | undefined;
  const pair = keys.length ? (doc.getIn(keys.slice(0, -1).map(String), true) as any) : undefined;
  const keyNode = pair?.items?.find?.(
    (i: any) => String(i.key?.value ?? i.key) === String(keys[keys.length - 1]),
  )?.key;
  const offset = keyNode?.range?.[0] ?? node?.range?.[0];
  return offset === undefined ? 1 : lines.linePos(offset).line;
}
