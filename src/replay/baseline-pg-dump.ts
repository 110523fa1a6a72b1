import { execFile } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { DOCKER_ENV, childEnv } from '../core/child-env.js';
import { InfrastructureError } from '../core/errors.js';
import { isExecutable } from '../core/paths.js';
import { embeddedBinaries } from '../provision/embedded.js';
import type { ConnectionInfo } from '../provision/provider.js';
import { dockerEngineAnswers } from '../provision/providers.js';

/**
 * pg_dump of the production server's major: installed (Debian's /usr/lib/postgresql/<major>/bin,
 * PATH, the embedded binaries' folder), else the official `postgres:<major>` image on a Docker
 * engine. A pg_dump of another major either refuses the server (older) or writes what an older
 * server cannot load (newer).
 */

export type PgDumpTool = { kind: 'binary'; path: string } | { kind: 'docker'; image: string };

export interface ToolPlaces {
  roots: string[];
  path: string | undefined;
  /** Whether to ask a Docker engine when no binary fits. */
  docker: boolean;
}

const DEFAULT_PLACES: ToolPlaces = {
  roots: ['/usr/lib/postgresql'],
  path: process.env.PATH,
  docker: true,
};

export async function findPgDump(
  major: string,
  places: ToolPlaces = DEFAULT_PLACES,
): Promise<PgDumpTool> {
  const candidates = [
    ...places.roots.map((r) => join(r, major, 'bin', 'pg_dump')),
    ...(places.path ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, 'pg_dump')),
    ...embeddedBin().map((d) => join(d, 'pg_dump')),
  ];
  for (const path of candidates.filter(isExecutable)) {
    if ((await majorOf(path)) === major) return { kind: 'binary', path };
  }
  if (places.docker && (await dockerEngineAnswers())) {
    return { kind: 'docker', image: `postgres:${major}` };
  }
  throw new InfrastructureError(
    `no pg_dump ${major} for this Postgres ${major} server: install its client (apt-get install postgresql-client-${major}, found at /usr/lib/postgresql/${major}/bin/pg_dump or on PATH), or start a Docker engine so that the image postgres:${major} runs it`,
  );
}

/** The folder of the embedded provider's binaries, when the package is installed. */
function embeddedBin(): string[] {
  try {
    return [dirname(embeddedBinaries().postgres)];
  } catch {
    return [];
  }
}

/** `pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → `15`. */
async function majorOf(path: string): Promise<string | undefined> {
  const out = await run(path, ['--version'], childEnv()).catch(() => '');
  const version = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(out);
  if (!version) return undefined;
  return Number(version[1]) >= 10 ? version[1] : `${version[1]}.${version[2]}`;
}

function run(file: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, maxBuffer: 1024 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message));
      else resolve(stdout);
    });
  });
}

/**
 * Runs `pg_dump --schema-only` with `args` (which schemas, which extensions) on the server and
 * returns its text. The password goes in the child's environment, never its arguments, and every
 * session it opens is read-only.
 */
export async function runPgDump(
  tool: PgDumpTool,
  server: ConnectionInfo,
  database: string,
  args: string[],
): Promise<string> {
  const conn = ['--host', server.host, '--port', String(server.port), '--username', server.user];
  const common = [...conn, '--dbname', database, '--schema-only', '--no-password', ...args];
  const env: Record<string, string> = {
    PGOPTIONS: '-c default_transaction_read_only=on',
    PGCONNECT_TIMEOUT: '10',
    ...(server.password ? { PGPASSWORD: server.password } : {}),
    ...(server.ssl ? { PGSSLMODE: 'require' } : {}),
  };
  try {
    if (tool.kind === 'binary') return await run(tool.path, common, childEnv(env));
    const passed = Object.keys(env).flatMap((name) => ['-e', name]);
    const docker = [
      'run',
      '--rm',
      '--network',
      'host',
      ...passed,
      tool.image,
      'pg_dump',
      ...common,
    ];
    return await run('docker', docker, childEnv(env, DOCKER_ENV));
  } catch (error) {
    const message = (error as Error).message;
    const hidden = server.password ? message.split(server.password).join('****') : message;
    // pg_dump locks each table it dumps (ACCESS SHARE), which needs a privilege on it.
    const locks = /permission denied for (?:table|relation) /.test(hidden)
      ? '; pg_dump takes an ACCESS SHARE lock on every table it dumps, which needs SELECT on it even with --schema-only: GRANT pg_read_all_data TO the role (it reads no row)'
      : '';
    throw new InfrastructureError(`pg_dump of ${database} failed: ${hidden.trim()}${locks}`);
  }
}
