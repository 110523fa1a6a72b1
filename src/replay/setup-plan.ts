import { basename, isAbsolute, relative } from 'node:path';
import { composePostgres, type ComposePostgres } from '../config/compose.js';
import { presetOf, type ChosenPreset } from '../config/preset.js';
import { InputError } from '../core/errors.js';
import { expandGlobs } from '../core/globs.js';
import type { Options } from '../core/options.js';

/**
 * What runs before the merged history, and why: a platform preset, the compose file's Postgres
 * (its superuser role, its init scripts) and the `setup:` files, in the order a real server gets
 * them: the platform exists first, the image's init scripts run on the empty server, then the
 * files the configuration names.
 */

export interface SetupFile {
  /** Path relative to the repository root (`.sql` or `.sql.gz`). */
  file: string;
  /** Where it was named, as the report says it. */
  from: string;
}

export interface SetupPlan {
  preset?: ChosenPreset;
  compose?: ComposePostgres;
  files: SetupFile[];
  /** Files found but not run, each with the reason (shell scripts, other kinds). */
  notes: string[];
}

const SQL = /\.sql(\.gz)?$/;

export function planSetup(options: Options): SetupPlan {
  const compose = composePostgres(options.repoRoot);
  const files: SetupFile[] = [];
  const notes: string[] = [];
  if (compose && !options.settings.composeInit) {
    const skipped = compose.init.map((e) => e.file);
    if (skipped.length > 0)
      notes.push(
        `${compose.file}: the init scripts of service ${compose.service} not run (composeInit: false): ${skipped.join(', ')}`,
      );
  } else if (compose) {
    for (const u of compose.unreadable)
      notes.push(
        `${compose.file}: ${u} (${u.includes('(COPY at ') ? 'copied' : 'mounted'} into /docker-entrypoint-initdb.d of service ${compose.service}) is not in the repository; not run`,
      );
    for (const e of compose.init) {
      if (e.kind === 'sql')
        files.push({
          file: e.file,
          from: e.copiedBy
            ? `${compose.file} service ${compose.service}, copied to ${e.target} at ${e.copiedBy}`
            : `${compose.file} service ${compose.service}, mounted at ${e.mount}`,
        });
      else notes.push(`${compose.file}: ${e.file} not run (${whyNotRun(e.kind, e.target)})`);
    }
  }
  for (const given of options.settings.setup) {
    const glob = inRepository(options.repoRoot, given);
    const matches = expandGlobs(options.repoRoot, [glob]);
    const sql = matches.filter((f) => SQL.test(f));
    if (sql.length === 0)
      throw new InputError(
        `setup: ${glob} matches no .sql or .sql.gz file under ${options.repoRoot}`,
      );
    for (const f of matches.filter((m) => !SQL.test(m)))
      notes.push(`setup: ${f} not run (only .sql and .sql.gz files are run)`);
    for (const file of sql)
      if (!files.some((x) => x.file === file)) files.push({ file, from: 'setup:' });
  }
  const preset = presetOf(options.repoRoot, options.dir, options.settings.preset);
  return { ...(preset ? { preset } : {}), ...(compose ? { compose } : {}), files, notes };
}

/** A setup path relative to the repository root; an absolute one must be inside it. */
function inRepository(repoRoot: string, given: string): string {
  if (!isAbsolute(given)) return given;
  const rel = relative(repoRoot, given);
  if (rel.startsWith('..') || isAbsolute(rel))
    throw new InputError(
      `setup: ${given} is outside the repository ${repoRoot}; setup files are read from the repository: commit the file and name it relative to the repository root`,
    );
  return rel;
}

function whyNotRun(kind: 'sh' | 'other', target: string): string {
  if (kind === 'sh')
    return 'shell scripts are not run; put the SQL in a .sql file or list it in setup:';
  if (/\.sql\.(xz|zst)$/.test(target))
    return 'only .sql and .sql.gz files are run; decompress it or list a .sql copy in setup:';
  if (!basename(target).includes('.')) return 'the entrypoint does not look into folders';
  return 'the entrypoint ignores files other than .sh, .sql and .sql.gz';
}
