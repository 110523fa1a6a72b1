/**
 * graphile-migrate's `.gmrc` (JSON5): its `placeholders`, keys written with their colon
 * (`":DATABASE_VISITOR"`), which graphile-migrate replaces verbatim in every migration before it
 * runs it. A value of `"!ENV"` is the environment variable of the same name without the colon.
 * graphile-migrate also sets `:DATABASE_NAME` and `:DATABASE_OWNER` itself. The nearest `.gmrc`
 * from the migration folder up to the repository root is the project's (graphile/starter keeps
 * it in `@app/db/`, beside `migrations/`).
 */
import { placeholderEnv } from '../core/child-env.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import { relativeToRepo } from '../core/paths.js';

export interface GraphileConfig {
  /** Repository-relative path of the `.gmrc`. */
  file: string;
  /** Values by key, the colon included. */
  values: Map<string, string>;
  /** Keys whose `!ENV` variable is not set here, with the variable's name. */
  unsetEnv: Map<string, string>;
}

/**
 * What graphile-migrate gives its built-ins, for a replay: the role migrations run as, and the
 * database Flyway's `${flyway:database}` also stands for.
 */
const BUILT_INS: Array<[string, string]> = [
  [':DATABASE_OWNER', 'CURRENT_USER'],
  [':DATABASE_NAME', 'postgres'],
];

/** The `.gmrc` of the graphile-migrate project the migrations in `dirAbs` belong to, if any. */
export function readGraphileConfig(repoRoot: string, dirAbs: string): GraphileConfig | undefined {
  const path = nearestGmrc(resolve(repoRoot), resolve(dirAbs));
  if (!path) return undefined;
  const file = relativeToRepo(resolve(repoRoot), path);
  const placeholders = parseJson5(readFileSync(path, 'utf8'), file).placeholders;
  const values = new Map(BUILT_INS);
  const unsetEnv = new Map<string, string>();
  const env = placeholderEnv();
  if (placeholders && typeof placeholders === 'object') {
    for (const [key, value] of Object.entries(placeholders as Record<string, unknown>)) {
      if (value !== '!ENV') {
        if (typeof value === 'string') values.set(key, value);
        continue;
      }
      const variable = key.replace(/^:/, '');
      const set = env[variable];
      if (set === undefined) unsetEnv.set(key, variable);
      else values.set(key, set);
    }
  }
  return { file, values, unsetEnv };
}

function nearestGmrc(root: string, dir: string): string | undefined {
  if (relative(root, dir).startsWith('..')) return undefined;
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, '.gmrc'))) return join(at, '.gmrc');
    if (at === root || dirname(at) === at) return undefined;
  }
}

/**
 * JSON5 as `.gmrc` files write it: comments and trailing commas removed, single-quoted strings
 * and bare keys quoted, then JSON. Strings are
 * skipped whole, so `//` in a command or a URL stays.
 */
function parseJson5(text: string, file: string): Record<string, unknown> {
  const json = withQuotedKeys(withoutTrailingCommas(withoutComments(text)));
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch (error) {
    throw new InputError(
      `${file}: not valid JSON5 as graphile-migrate reads it (${(error as Error).message})`,
    );
  }
}

const STRING_OR_COMMENT = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\/\/[^\n]*|\/\*[\s\S]*?\*\//g;

function withoutComments(text: string): string {
  return text.replace(STRING_OR_COMMENT, (m) => {
    if (m.startsWith('"')) return m;
    if (m.startsWith("'")) return JSON.stringify(m.slice(1, -1).replace(/\\'/g, "'"));
    return m.replace(/[^\n]/g, ' ');
  });
}

function withoutTrailingCommas(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|,(\s*[}\]])/g, (m, closing?: string) =>
    closing === undefined ? m : closing,
  );
}

function withQuotedKeys(text: string): string {
  return text.replace(
    /"(?:[^"\\]|\\.)*"|([{,]\s*)([A-Za-z_$][\w$]*)(\s*:)/g,
    (m, before?: string, key?: string, colon?: string) =>
      key === undefined ? m : `${before}"${key}"${colon}`,
  );
}
