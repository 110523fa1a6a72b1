/**
 * Alembic revision files that import what the interpreter lacks (the application's requirements
 * are not installed) leave a base that cannot be built: a setup error, exit 3, at the import's
 * file and line, never an input error or a finding on the PR.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTitle, failureMessage } from '../src/action/publish.js';
import { resolveSettings } from '../src/config/settings.js';
import { InputError, SetupFailure } from '../src/core/errors.js';
import type { Report } from '../src/core/report.js';
import { findPython } from '../src/discover/alembic/python.js';
import { discoverMigrations } from '../src/discover/index.js';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderText } from '../src/report/text.js';
import { initSqlParser } from '../src/sql/split.js';
import { alembicTool, runsWith } from './helpers/tools.js';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../scripts/fixture-repo.mjs';

const FIXTURE = 'fixtures/setup/alembic-import';
const MERGED = 'migrations/versions/7f8e9d0c1b2a_add_accounts_email.py';
const withAlembic = runsWith(alembicTool(), 'Alembic revisions importing missing modules');

beforeAll(() => initSqlParser());

/** The remedy for `python` chosen for `why`, naming the repository's requirements file. */
function remedy(python: string, why: string, requirements = 'requirements.txt'): string {
  return `install the application's requirements for ${python} (${why}) before schemagate runs (actions/setup-python, then \`pip install -r ${requirements}\`), or set \`python:\` in .schemagate.yml to the project's interpreter that has them: Alembic loads every revision file and env.py, which import what the application imports.`;
}

const CAUSE = "a module the migrations' Python code imports that the interpreter lacks";

describe.runIf(withAlembic)(
  'the CLI on an Alembic base whose revisions import a missing module',
  () => {
    const scratch = mkdtempSync(join(tmpdir(), 'sg-alembic-import-'));
    const repo = makeFixtureRepo(`${FIXTURE}/base`, `${FIXTURE}/pr`);
    afterAll(() => {
      rmSync(scratch, { recursive: true, force: true });
      repo.dispose();
    });

    it('exits 3 with setupError at the merged import, in the terminal, JSON and markdown', () => {
      const json = join(scratch, 'report.json');
      const md = join(scratch, 'report.md');
      const args = ['check', '.', '--base', repo.base, '--provider', 'embedded'];
      // No virtualenv or configured interpreter: Python is found as on a bare runner.
      const env: NodeJS.ProcessEnv = { ...process.env, SCHEMAGATE_PROGRESS: 'off' };
      delete env.VIRTUAL_ENV;
      delete env.SCHEMAGATE_ALEMBIC_PYTHON;
      const r = spawnSync(
        process.execPath,
        [join(process.cwd(), 'dist/cli.js'), ...args, '--json', json, '--markdown', md],
        { cwd: repo.root, encoding: 'utf8', timeout: 120_000, env },
      );
      const fix = remedy(findPython(undefined), 'no python: setting and no virtualenv');
      const message = "ModuleNotFoundError: No module named 'sqlalchemy_utils'";
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `schemagate: error: could not build the base: ${MERGED}:10: ${message} (${CAUSE}). Fix: ${fix}\n`,
      );
      expect(r.status).toBe(3);

      const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
      expect(report.status).toBe('error');
      expect(report.error?.exitCode).toBe(3);
      expect(report.setupError).toEqual({
        file: MERGED,
        line: 10,
        message,
        cause: 'import-error',
        remedy: fix,
      });
      expect(report.findings).toEqual([]);
      expect(report.summary).toMatchObject({ blockers: 0, migrationsApplied: 0 });
      expect(report.steps.map((s) => [s.action, s.status])).toEqual([['discover', 'error']]);

      const markdown = readFileSync(md, 'utf8');
      expect(markdown).toContain('## ❌ schemagate could not build the base');
      expect(markdown).toContain(
        "Alembic could not load the migrations with this Python, so the pull request was not checked: the cause is how the check is set up (the application's requirements are not installed for it), not this pull request.",
      );
      expect(markdown).toContain(`| where | \`${MERGED}:10\` |`);
      expect(markdown).toContain(`| Python said | ${message} |`);
      expect(markdown).toContain(`| cause | ${CAUSE} (\`import-error\`) |`);
      expect(markdown).toContain(`| fix | ${fix} |`);
      expect(markdown).not.toMatch(/blocked|Postgres said/i);
      expect(renderMarkdown(report)).toBe(markdown);
      // The action: the job summary and the comment are this markdown; the check run and the step say so.
      expect(checkTitle(report)).toBe('schemagate could not build the base');
      expect(failureMessage(report, 'blocker')).toBe(`schemagate ${report.error?.message}`);

      // Postgres never started: the terminal report is the diagnosis and the error line.
      expect(renderText(report)).toBe(
        [
          `schemagate ${report.tool.version}`,
          '',
          'could not build the base',
          `  ${MERGED}:10`,
          `        ${message}`,
          `        cause: ${CAUSE} (import-error)`,
          `        → fix: ${fix}`,
          '  Alembic could not load the migrations with this Python: the PR was not checked, and nothing here is its finding.',
          '',
          `error: ${report.error?.message}`,
          '',
        ].join('\n'),
      );
    }, 120_000);
  },
);

/** The fixture's base as a plain folder, with `files` written over it. */
function projectWith(files: Record<string, string>): { root: string; dispose: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'sg-alembic-import-'));
  cpSync(resolve(`${FIXTURE}/base`), root, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

const MODELS = `"""The application's models."""
import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Account(SQLModel, table=True):
    id: int = Field(primary_key=True)
`;

describe.runIf(withAlembic)('an import Alembic cannot satisfy', () => {
  const python = () => findPython(undefined);
  const settings = () => resolveSettings({ python: python() });

  it("is reported where the application's own module imports it, with the revision that imported that", async () => {
    const repo = projectWith({
      'app/__init__.py': '',
      'app/models.py': MODELS,
      [MERGED]: readFileSync(`${FIXTURE}/base/${MERGED}`, 'utf8').replace(
        'import sqlalchemy_utils\n',
        'from app.models import Account\n',
      ),
    });
    try {
      const failure = await discoverMigrations(repo.root, '.', 'alembic', settings()).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(SetupFailure);
      expect((failure as SetupFailure).setupError).toEqual({
        file: 'app/models.py',
        line: 3,
        message: `ModuleNotFoundError: No module named 'sqlmodel' (imported from ${MERGED}:10)`,
        cause: 'import-error',
        remedy: remedy(python(), 'python: in .schemagate.yml'),
      });
    } finally {
      repo.dispose();
    }
  });

  it('is reported in env.py when env.py imports it', async () => {
    const env = readFileSync(`${FIXTURE}/base/migrations/env.py`, 'utf8');
    const repo = projectWith({
      'migrations/env.py': env.replace(
        'target_metadata = None\n',
        'import alembic_utils\n\ntarget_metadata = None\n',
      ),
      [MERGED]: readFileSync(`${FIXTURE}/base/${MERGED}`, 'utf8')
        .replace('import sqlalchemy_utils\n', '')
        .replace('sqlalchemy_utils.EmailType()', 'sa.Text()'),
    });
    // No requirements file: the remedy names none.
    rmSync(join(repo.root, 'requirements.txt'));
    try {
      const failure = await discoverMigrations(repo.root, '.', 'alembic', settings()).catch(
        (e: unknown) => e,
      );
      expect((failure as SetupFailure).setupError).toEqual({
        file: 'migrations/env.py',
        line: 11,
        message: "ModuleNotFoundError: No module named 'alembic_utils'",
        cause: 'import-error',
        remedy: remedy(python(), 'python: in .schemagate.yml').replace(
          '`pip install -r requirements.txt`',
          "`pip install -r requirements.txt` or the project's own install command",
        ),
      });
    } finally {
      repo.dispose();
    }
  });

  it('leaves a revision file that is not valid Python an input error (exit 2)', async () => {
    const repo = projectWith({
      [MERGED]: readFileSync(`${FIXTURE}/base/${MERGED}`, 'utf8').replace(
        'def upgrade() -> None:',
        'def upgrade() -> None',
      ),
    });
    try {
      const failure = await discoverMigrations(repo.root, '.', 'alembic', settings()).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(InputError);
      expect((failure as InputError).exitCode).toBe(2);
      expect((failure as InputError).message).toMatch(/^Alembic could not load .*SyntaxError/s);
    } finally {
      repo.dispose();
    }
  });
});
