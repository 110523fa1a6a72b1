import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { Finding } from '../engine/model.js';

/**
 * Flyway `${name}` placeholders, replaced the way Flyway replaces them before it sends a script.
 * Values come from `flyway.conf` (`flyway.placeholders.name=value`), `FLYWAY_PLACEHOLDERS_NAME`
 * environment variables and `flyway: { placeholders: { name: value } }` in .schemagate.yml, plus
 * Flyway's built-ins. Replacements never add lines, so reported lines stay those of the file.
 */

const PLACEHOLDER = /\$\{([A-Za-z0-9_.:-]+)\}/g;

export type Placeholders = Map<string, string>;

function fromConf(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*flyway\.placeholders\.([A-Za-z0-9_.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out.push([m[1].toLowerCase(), m[2]]);
  }
  return out;
}

/** Custom placeholder values visible to a Flyway project rooted at `dirAbs` / `repoRoot`. */
export function loadPlaceholders(
  repoRoot: string,
  dirAbs: string,
  configured: unknown,
): Placeholders {
  const values: Placeholders = new Map();
  // flyway.conf (or conf/flyway.conf) anywhere from the repository root down to the scripts;
  // the nearest one wins.
  for (const dir of foldersDown(resolve(repoRoot), resolve(dirAbs))) {
    for (const conf of [join(dir, 'conf', 'flyway.conf'), join(dir, 'flyway.conf')]) {
      if (existsSync(conf))
        for (const [k, v] of fromConf(readFileSync(conf, 'utf8'))) values.set(k, v);
    }
  }
  for (const [key, value] of Object.entries(process.env)) {
    const m = /^FLYWAY_PLACEHOLDERS_(.+)$/.exec(key);
    if (m && value !== undefined) values.set(m[1].toLowerCase(), value);
  }
  const fromConfig = (configured as { placeholders?: Record<string, unknown> } | undefined)
    ?.placeholders;
  for (const [k, v] of Object.entries(fromConfig ?? {})) values.set(k.toLowerCase(), String(v));
  return values;
}

function foldersDown(root: string, leaf: string): string[] {
  const rel = relative(root, leaf);
  if (rel.startsWith('..')) return [leaf];
  const parts = rel.split(sep).filter(Boolean);
  return [root, ...parts.map((_, i) => join(root, ...parts.slice(0, i + 1)))];
}

/** Built-ins whose value depends on the script. `defaultSchema` is handled by substitute(). */
function builtIn(name: string, file: string): string | undefined {
  switch (name) {
    case 'flyway:user':
      return 'CURRENT_USER';
    case 'flyway:database':
      return 'postgres';
    case 'flyway:timestamp':
      return '2000-01-01 00:00:00';
    case 'flyway:filename':
      return basename(file);
    case 'flyway:table':
      return 'flyway_schema_history';
    case 'flyway:workingdirectory':
      return '.';
    default:
      return undefined;
  }
}

export interface Substitution {
  source: string;
  findings: Finding[];
}

/**
 * Replaces the placeholders of one script. `${flyway:defaultSchema}.x` becomes `x`, so the object
 * lands in the schema being migrated (each tenant's, through its search_path); elsewhere the
 * default schema is `public`. An unknown placeholder is a blocker: Flyway refuses the script.
 */
export function substitute(source: string, file: string, values: Placeholders): Substitution {
  const findings: Finding[] = [];
  const lines = source.split('\n');
  const out = lines.map((line, i) =>
    line
      .replace(/"?\$\{flyway:defaultSchema\}"?\./gi, '')
      .replace(PLACEHOLDER, (whole, raw: string) => {
        const name = raw.toLowerCase();
        if (name === 'flyway:defaultschema') return 'public';
        const value = values.get(name) ?? builtIn(name, file);
        if (value !== undefined) return value;
        findings.push(unknownPlaceholder(file, i + 1, raw));
        return whole;
      }),
  );
  return { source: out.join('\n'), findings };
}

function unknownPlaceholder(file: string, line: number, name: string): Finding {
  return {
    gate: 'replay',
    rule: 'flyway-placeholder',
    severity: 'blocker',
    file,
    line,
    endLine: line,
    message: `no value for Flyway placeholder \${${name}}: Flyway refuses to run ${basename(file)} without one`,
    help: `Set flyway.placeholders.${name} in flyway.conf, FLYWAY_PLACEHOLDERS_${name.toUpperCase()} in the environment, or flyway: { placeholders: { ${name}: ... } } in .schemagate.yml.`,
    docs: 'docs/rules/flyway-placeholder.md',
  };
}

/** Whether a statement still holds a placeholder (reported as such, not as a syntax error). */
export function hasPlaceholder(sql: string): boolean {
  return /\$\{[A-Za-z0-9_.:-]+\}/.test(sql);
}
