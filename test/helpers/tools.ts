/**
 * The machine's optional tools (a Docker engine, Python with Alembic, Debian's Postgres), found
 * the way the code under test finds them, so every test that needs one uses the same check.
 *
 * A test that needs a missing tool skips and says why in one line. CI installs the tools and
 * sets SCHEMAGATE_REQUIRE_<TOOL>=1 (.ci/run): then the tests run anyway, so a missing tool
 * fails them, and one more test names the variable and the reason.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findPython } from '../../src/discover/alembic/python.js';
import { findLocalBinaries } from '../../src/provision/local.js';
import { dockerEngineAnswers } from '../../src/provision/providers.js';

export interface Tool {
  /** What the tests need, as the skip line and the required test name it. */
  name: string;
  /** The variable with which CI requires the tool. */
  variable: string;
  /** Why the tool is missing; undefined when it is there. */
  missing: string | undefined;
}

function tool(name: string, variable: string, find: () => unknown): Tool {
  try {
    find();
    return { name, variable, missing: undefined };
  } catch (e) {
    return { name, variable, missing: e instanceof Error ? e.message : String(e) };
  }
}

/** Python that can import Alembic, chosen as the Alembic format chooses it without settings. */
export function alembicTool(): Tool {
  return tool('Python with Alembic', 'SCHEMAGATE_REQUIRE_ALEMBIC', () => findPython(undefined));
}

/** initdb and postgres installed on the machine, as the local provider finds them. */
export function localPostgresTool(): Tool {
  return tool('installed Postgres binaries', 'SCHEMAGATE_REQUIRE_LOCAL_POSTGRES', () =>
    findLocalBinaries(undefined),
  );
}

/** A Docker engine that answers, as provider auto-detection asks; with `image`, also that image. */
export async function dockerTool(image?: string): Promise<Tool> {
  const engine = await dockerEngineAnswers();
  const name = image ? `a Docker engine with the image ${image}` : 'a Docker engine';
  return tool(name, 'SCHEMAGATE_REQUIRE_DOCKER', () => {
    if (!engine) throw new Error('no Docker engine answers');
    if (image && !execFileSync('docker', ['images', '-q', image], { encoding: 'utf8' }).trim()) {
      throw new Error(`image ${image} is missing; build it with scripts/docker-image.sh`);
    }
  });
}

/**
 * Whether the tests of `what` that need `needed` run: yes when it is there or CI requires it.
 * Logs one line when they skip; when CI requires a missing tool, adds a failing test instead.
 * Call once per file, at the top level.
 */
export function runsWith(needed: Tool, what: string): boolean {
  const required = process.env[needed.variable] === '1';
  if (required) {
    describe(`${needed.name}, required by ${needed.variable}=1`, () => {
      it('is installed', () => {
        expect(needed.missing, `${needed.name} is missing: ${needed.missing}`).toBeUndefined();
      });
    });
  }
  if (needed.missing === undefined || required) return true;
  console.log(
    `skipping ${what}: ${needed.missing} (set ${needed.variable}=1 to fail instead of skipping)`,
  );
  return false;
}
