/**
 * Runs Alembic itself (offline `--sql` mode, through the project's env.py) to turn revisions
 * into SQL. The Python side lives in render_sql.py next to this file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../core/errors.js';

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
  /** Working directory (where alembic.ini is, as when a developer runs `alembic`). */
  cwd: string;
}

const INSTALL_HINT =
  'install Alembic for it: `apt-get install python3-alembic python3-sqlalchemy python3-psycopg2` or `pip install alembic psycopg2-binary`, or set alembic.python in .schemagate.yml to an interpreter that has it';

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
  });
  importChecks.set(python, r.status === 0);
  return r.status === 0;
}

/**
 * The configured interpreter, else the first of /usr/bin/python3 and python3 (PATH) that can
 * import Alembic. Debian's python3-alembic installs for /usr/bin/python3 only.
 */
export function findPython(configured: string | undefined): string {
  if (configured) {
    if (!importsAlembic(configured)) {
      throw new InputError(`alembic.python ${configured} cannot import alembic; ${INSTALL_HINT}`);
    }
    return configured;
  }
  const found = ['/usr/bin/python3', 'python3'].find(importsAlembic);
  if (!found) {
    throw new InputError(
      `Alembic migrations need Python with Alembic, but neither /usr/bin/python3 nor python3 can import alembic; ${INSTALL_HINT}`,
    );
  }
  return found;
}

/** Renders every requested revision's upgrade and downgrade in one Python process. */
export async function renderRevisions(
  python: string,
  request: RenderRequest,
): Promise<Map<string, RenderedRevision>> {
  const { cwd, ...body } = request;
  const { stdout, stderr, code } = await runPython(python, helperPath(), cwd, JSON.stringify(body));
  let answer: { revisions?: Record<string, RenderedRevision>; error?: string };
  try {
    answer = JSON.parse(stdout);
  } catch {
    const tail = stderr.trim().split('\n').slice(-5).join('\n');
    throw new InputError(`running Alembic with ${python} failed (exit ${code}): ${tail}`);
  }
  if (answer.error !== undefined) {
    if (answer.error.startsWith('import alembic')) {
      throw new InputError(`${python} cannot import alembic (${answer.error}); ${INSTALL_HINT}`);
    }
    throw new InputError(`Alembic could not load ${request.scriptLocation}: ${answer.error}`);
  }
  return new Map(Object.entries(answer.revisions ?? {}));
}

function runPython(
  python: string,
  script: string,
  cwd: string,
  input: string,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, [script], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
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
