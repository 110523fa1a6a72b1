/**
 * goose's `-- +goose ENVSUB ON` / `OFF`: between the two annotations goose expands environment
 * variables the way a shell does before it splits and sends the SQL: `${VAR}`, `$VAR`,
 * `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, and `$$` for a literal `$`. An unset
 * variable expands to nothing, which production may not intend, so each one is a finding.
 */
import { placeholderEnv } from '../core/child-env.js';
import type { Finding } from '../core/model.js';
import { REPLAY, finding } from '../rules/index.js';

const ENVSUB = /^\s*--\s*\+goose\s+envsub\s+(on|off)\s*$/i;
const EXPANSION =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-|:?\?)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export interface Expanded {
  source: string;
  findings: Finding[];
}

function unsetFinding(file: string, line: number, name: string, required: boolean): Finding {
  return finding(REPLAY.gooseEnvsubUnset, {
    severity: required ? 'blocker' : 'warning',
    file,
    line,
    endLine: line,
    message: required
      ? `\${${name}} is required (ENVSUB) and not set in the check's environment: goose stops at this migration without it`
      : `\${${name}} is not set in the check's environment, so goose's ENVSUB expands it to an empty string; the migration was replayed that way`,
    help: `Set ${name} for the check as the deploy sets it, or give it a default: \${${name}:-value}.`,
  });
}

/** Expands the ENVSUB regions of a goose file, line by line, so lines stay where they were. */
export function expandEnvsub(
  source: string,
  file: string,
  env: NodeJS.ProcessEnv = placeholderEnv(),
): Expanded {
  const findings: Finding[] = [];
  let on = false;
  const lines = source.split('\n').map((text, i) => {
    const toggle = ENVSUB.exec(text);
    if (toggle) {
      on = toggle[1].toLowerCase() === 'on';
      return text;
    }
    if (!on) return text;
    return text.replace(
      EXPANSION,
      (whole, braced?: string, op?: string, word?: string, bare?: string) => {
        if (whole === '$$') return '$';
        const name = (braced ?? bare)!;
        const value = env[name];
        const empty = value === undefined || (op?.startsWith(':') && value === '');
        if (op?.endsWith('-')) return empty ? (word ?? '') : value!;
        if (value === undefined || (op === ':?' && empty)) {
          findings.push(unsetFinding(file, i + 1, name, op !== undefined));
          return '';
        }
        return value;
      },
    );
  });
  return { source: lines.join('\n'), findings };
}
