/**
 * Runs Alembic itself (offline `--sql` mode, through the project's env.py) to turn revisions
 * into SQL. The Python side lives in render_sql.py next to this file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childEnv } from '../../core/child-env.js';
import { InputError, SetupFailure } from '../../core/errors.js';
import { relativeToRepo } from '../../core/paths.js';

/** One piece of SQL Alembic wrote while the revision file's `line`..`endLine` was executing. */
export interface SqlChunk {
  sql: string;
  line: number;
  endLine: number;
}

export interface RenderedRevision {
  up: SqlChunk[];
  down: SqlChunk[];
  upError?: string;
  downError?: string;
}

export interface RenderRequest {
  scriptLocation: string;
  ini: string | undefined;
  /** Folders put on sys.path so env.py can import the application's models. */
  paths: string[];
  revisions: string[];
  /** The one folder of revision files when it is not what alembic.ini names (a dialect's folder). */
  versionLocation?: string;
  /** Working directory (where alembic.ini is, as when a developer runs `alembic`). */
  cwd: string;
  /** The repository root: import failures are reported in the project's own files. */
  repoRoot: string;
  /** Environment variables env.py may see besides the base allowlist (`passEnv:`). */
  passEnv: string[];
}

const INSTALL_HINT =
  'install Alembic for it: `apt-get install python3-alembic python3-sqlalchemy python3-psycopg2` or `pip install alembic psycopg2-binary`, or set python: in .schemagate.yml to an interpreter that has it';

/** The helper script, beside this module in src/ or copied next to the bundle in dist/. */
function helperPath(): string {
  const candidates = [
    './alembic/render_sql.py',
    './render_sql.py',
    '../src/discover/alembic/render_sql.py',
  ].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found)
    throw new InputError(`cannot find render_sql.py (looked at ${candidates.join(', ')})`);
  return found;
}

const importChecks = new Map<string, boolean>();

/** Whether `python` can import Alembic; asked once per interpreter and process. */
function importsAlembic(python: string): boolean {
  const known = importChecks.get(python);
  if (known !== undefined) return known;
  const r = spawnSync(python, ['-c', 'import alembic, sqlalchemy'], {
    stdio: 'ignore',
    timeout: 30_000,
    env: pythonEnv([]),
  });
  importChecks.set(python, r.status === 0);
  return r.status === 0;
}

/** The interpreter Alembic runs under and why that one. */
export interface ChosenPython {
  python: string;
  why: string;
}

/** `python3` as the shell would find it on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The project's interpreter: the configured one, else `$VIRTUAL_ENV/bin/python`, else the
 * repository's `.venv/bin/python` or `venv/bin/python`, the first that exists (that is where
 * the application's requirements are installed; it must have Alembic too). Without any of
 * those, python3 on PATH or /usr/bin/python3, whichever can import Alembic.
 */
export function resolvePython(
  repoRoot: string,
  configured: ChosenPython | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ChosenPython {
  const project = projectPython(repoRoot, configured, env);
  if (project) {
    if (!importsAlembic(project.python)) {
      throw new InputError(
        `${project.python} (${project.why}) cannot import alembic; ${INSTALL_HINT}`,
      );
    }
    return project;
  }
  return { python: findPython(undefined), why: 'no python: setting and no virtualenv' };
}

function projectPython(
  repoRoot: string,
  configured: ChosenPython | undefined,
  env: NodeJS.ProcessEnv,
): ChosenPython | undefined {
  if (configured) {
    const path = configured.python.includes('/')
      ? resolve(repoRoot, configured.python)
      : configured.python;
    return { python: path, why: configured.why };
  }
  if (env.VIRTUAL_ENV && existsSync(join(env.VIRTUAL_ENV, 'bin/python'))) {
    return { python: join(env.VIRTUAL_ENV, 'bin/python'), why: '$VIRTUAL_ENV is set' };
  }
  for (const venv of ['.venv', 'venv']) {
    const path = join(repoRoot, venv, 'bin/python');
    if (existsSync(path)) return { python: path, why: `the repository's ${venv}/` };
  }
  return undefined;
}

/**
 * The configured interpreter, else the first of python3 on PATH and /usr/bin/python3 that can
 * import Alembic. Debian's python3-alembic installs for /usr/bin/python3 only.
 */
export function findPython(configured: string | undefined): string {
  if (configured) {
    if (!importsAlembic(configured)) {
      throw new InputError(`python ${configured} cannot import alembic; ${INSTALL_HINT}`);
    }
    return configured;
  }
  const candidates = [onPath('python3'), '/usr/bin/python3'].filter(
    (p, i, all): p is string => p !== undefined && all.indexOf(p) === i,
  );
  const found = candidates.find(importsAlembic);
  if (!found) {
    throw new InputError(
      `Alembic migrations need Python with Alembic, but neither python3 on PATH nor /usr/bin/python3 can import alembic; ${INSTALL_HINT}`,
    );
  }
  return found;
}

/** Python's own variables, passed on like the base allowlist (core/child-env.ts). */
const PYTHON_ENV = ['PYTHONPATH', 'VIRTUAL_ENV'];

/**
 * The environment of a Python child: the one allowlist of every child process, so that tokens
 * of the CI job (INPUT_*, GITHUB_*, ACTIONS_*, RUNNER_* and anything else) never reach the
 * project's env.py unless passEnv names them.
 */
export function pythonEnv(
  passEnv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  // No __pycache__ folders written into the checked repository.
  return childEnv({ PYTHONDONTWRITEBYTECODE: '1' }, [...PYTHON_ENV, ...passEnv], env);
}

/** An import the revision files (or env.py) make that the interpreter cannot satisfy. */
interface ImportFailure {
  module: string;
  message: string;
  /** The deepest frame in the project's own files, and the outer project frames (callers). */
  frames: Array<{ file: string; line: number }>;
}

type Answer = {
  revisions?: Record<string, RenderedRevision>;
  error?: string;
  importError?: ImportFailure;
};

/** Renders every requested revision's upgrade and downgrade in one Python process. */
export async function renderRevisions(
  chosen: ChosenPython,
  request: RenderRequest,
): Promise<Map<string, RenderedRevision>> {
  const { cwd, passEnv, ...body } = request;
  const { python } = chosen;
  const run = await runPython(python, helperPath(), cwd, JSON.stringify(body), pythonEnv(passEnv));
  let answer: Answer;
  try {
    answer = JSON.parse(run.stdout);
  } catch {
    const tail = run.stderr.trim().split('\n').slice(-5).join('\n');
    throw new InputError(`running Alembic with ${python} failed (exit ${run.code}): ${tail}`);
  }
  if (answer.importError) throw missingModule(chosen, request, answer.importError);
  if (answer.error !== undefined) {
    if (answer.error.startsWith('import alembic')) {
      throw new InputError(`${python} cannot import alembic (${answer.error}); ${INSTALL_HINT}`);
    }
    throw new InputError(`Alembic could not load ${request.scriptLocation}: ${answer.error}`);
  }
  return new Map(Object.entries(answer.revisions ?? {}));
}

/**
 * A base Alembic cannot load is the check's setting, not the PR's doing (exit 3, `setupError`):
 * the import's file and line in the project (the files that imported that one follow Python's
 * message), and the interpreter to install the application's requirements for.
 */
function missingModule(
  chosen: ChosenPython,
  request: RenderRequest,
  failure: ImportFailure,
): SetupFailure {
  const shown = failure.frames.map((f) => ({
    file: relativeToRepo(request.repoRoot, f.file),
    line: f.line,
  }));
  const [where, ...callers] = shown.reverse();
  const via = callers.length
    ? ` (imported from ${callers.map((c) => `${c.file}:${c.line}`).join(', from ')})`
    : '';
  return new SetupFailure({
    ...(where ? { file: where.file, line: where.line } : {}),
    message: `${failure.message}${via}`,
    cause: 'import-error',
    remedy: importRemedy(chosen, request),
  });
}

/** The project's requirements file: beside alembic.ini (where `alembic` runs), else at the root. */
function requirementsFile(request: RenderRequest): string | undefined {
  const found = [request.cwd, request.repoRoot]
    .map((dir) => join(dir, 'requirements.txt'))
    .find((p) => existsSync(p));
  return found && relativeToRepo(request.repoRoot, found);
}

function importRemedy(chosen: ChosenPython, request: RenderRequest): string {
  const file = requirementsFile(request);
  const install = file
    ? `\`pip install -r ${file}\``
    : "`pip install -r requirements.txt` or the project's own install command";
  return (
    `install the application's requirements for ${chosen.python} (${chosen.why}) before schemagate runs ` +
    `(actions/setup-python, then ${install}), or set \`python:\` in .schemagate.yml to the project's interpreter that has them: ` +
    'Alembic loads every revision file and env.py, which import what the application imports.'
  );
}

function runPython(
  python: string,
  script: string,
  cwd: string,
  input: string,
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, [script], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new InputError(`cannot run ${python}: ${e.message}`)));
    child.on('close', (code) =>
      resolvePromise({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
      }),
    );
    child.stdin.end(input);
  });
}
