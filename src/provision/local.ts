import { readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { InfrastructureError } from '../core/errors.js';
import { isExecutable } from '../core/paths.js';
import type { Provider } from './provider.js';
import { startFromBinaries } from './embedded.js';
import type { Binaries } from './server.js';

/**
 * Postgres installed on the machine: `initdb` and `postgres` from
 * /usr/lib/postgresql/<major>/bin (Debian and Ubuntu, GitHub's Ubuntu runners) or from PATH.
 */
export const localProvider: Provider = {
  name: 'local',
  start: (options) => startFromBinaries('local', findLocalBinaries(options.pgVersion), options),
};

export interface SearchPlaces {
  /** Directories holding one `<major>/bin` per installed version. */
  versionRoots: string[];
  /** The PATH to search, `process.env.PATH` by default. */
  path: string | undefined;
}

export const DEFAULT_PLACES: SearchPlaces = {
  versionRoots: ['/usr/lib/postgresql'],
  path: process.env.PATH,
};

/**
 * The requested major's directory first; then PATH; then the highest installed major. A
 * version other than the requested one is noted in the report by startFromBinaries.
 */
export function findLocalBinaries(
  pgVersion: string | undefined,
  places: SearchPlaces = DEFAULT_PLACES,
): Binaries {
  const majors = installedMajors(places.versionRoots);
  const requested = pgVersion ? majors.find((m) => m.major === pgVersion) : undefined;
  const found =
    (requested && binariesIn(requested.bin)) ??
    binariesOnPath(places.path) ??
    majors.map((m) => binariesIn(m.bin)).find((b) => b !== undefined);
  if (found) return found;
  const roots = places.versionRoots.map((r) => `${r}/*/bin`).join(', ');
  throw new InfrastructureError(
    `the local provider found no initdb and postgres on PATH or under ${roots}; install PostgreSQL (e.g. apt-get install postgresql) or use --provider embedded|docker`,
  );
}

/** Installed majors, highest first (numerically: 9.6 < 10 < 18). */
function installedMajors(roots: string[]): { major: string; bin: string }[] {
  const majors: { major: string; bin: string }[] = [];
  for (const root of roots) {
    let entries: string[] = [];
    try {
      entries = readdirSync(root);
    } catch {
      continue;
    }
    for (const major of entries.filter((e) => /^\d+(\.\d+)?$/.test(e)))
      majors.push({ major, bin: join(root, major, 'bin') });
  }
  return majors.sort((a, b) => parseFloat(b.major) - parseFloat(a.major));
}

function binariesOnPath(path: string | undefined): Binaries | undefined {
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const found = binariesIn(dir);
    if (found) return found;
  }
  return undefined;
}

function binariesIn(dir: string): Binaries | undefined {
  const bins = { initdb: join(dir, 'initdb'), postgres: join(dir, 'postgres') };
  return isExecutable(bins.initdb) && isExecutable(bins.postgres) ? bins : undefined;
}
