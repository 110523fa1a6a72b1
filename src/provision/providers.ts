import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ProviderName } from '../core/model.js';
import { InputError, getErrorMessage } from '../core/errors.js';
import type { Provider, StartOptions } from './provider.js';
import { embeddedBinaries, embeddedProvider } from './embedded.js';
import { localProvider } from './local.js';
import { urlProvider } from './url.js';

/**
 * The provider factory. The docker provider loads testcontainers only when it starts, so the
 * other providers (and `auto` on a machine without Docker) never pay for it.
 */
export function createProvider(name: ProviderName): Provider {
  switch (name) {
    case 'embedded':
      return embeddedProvider;
    case 'local':
      return localProvider;
    case 'url':
      return urlProvider;
    case 'docker':
      return lazyDockerProvider;
    case 'auto':
      throw new InputError('--provider auto must be resolved with resolveAuto() first');
    default:
      throw new InputError(
        `--provider: expected auto|embedded|docker|local|url, got ${String(name)}`,
      );
  }
}

const lazyDockerProvider: Provider = {
  name: 'docker',
  async start(options: StartOptions) {
    const { dockerProvider } = await import('./docker.js');
    return dockerProvider.start(options);
  },
};

/** Docker where an engine answers, else the embedded binaries, else installed Postgres. */
export async function resolveAuto(): Promise<{ provider: Provider; reason: string }> {
  const engine = await dockerEngineAnswers();
  if (engine) return { provider: dockerOrFallback, reason: `a Docker engine answers at ${engine}` };
  if (embeddedAvailable())
    return {
      provider: embeddedProvider,
      reason: 'no Docker engine answers; using the embedded Postgres binaries',
    };
  return {
    provider: localProvider,
    reason:
      'no Docker engine answers and the embedded Postgres package is missing; using installed Postgres',
  };
}

function embeddedAvailable(): boolean {
  try {
    embeddedBinaries();
    return true;
  } catch {
    return false;
  }
}

/**
 * `auto` with an engine: an engine that answers may still be unable to start the image (no
 * registry access, as on offline machines). Then the embedded binaries run the check instead,
 * and the report says why.
 */
const dockerOrFallback: Provider = {
  name: 'docker',
  async start(options: StartOptions) {
    try {
      return await lazyDockerProvider.start(options);
    } catch (error) {
      const why = getErrorMessage(error).split('\n')[0];
      if (embeddedAvailable()) {
        const cluster = await embeddedProvider.start(options);
        cluster.notes.unshift(
          `auto: Docker could not start Postgres (${why}); used the embedded binaries instead`,
        );
        return cluster;
      }
      // The Action's bundle has no embedded binaries; runners have Postgres installed.
      const cluster = await localProvider.start(options).catch(() => {
        throw error;
      });
      cluster.notes.unshift(
        `auto: Docker could not start Postgres (${why}); used the installed Postgres instead`,
      );
      return cluster;
    }
  },
};

type Endpoint = { socketPath: string } | { host: string; port: number };

/** Where a Docker engine may listen: DOCKER_HOST, else the usual sockets (rootful, rootless). */
export function dockerEndpoints(env: NodeJS.ProcessEnv = process.env): Endpoint[] {
  const host = env.DOCKER_HOST;
  if (host?.startsWith('unix://')) return [{ socketPath: host.slice('unix://'.length) }];
  if (host?.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    return [{ host: url.hostname, port: Number(url.port || 2375) }];
  }
  const sockets = [
    '/var/run/docker.sock',
    env.XDG_RUNTIME_DIR && join(env.XDG_RUNTIME_DIR, 'docker.sock'),
    join(homedir(), '.docker/run/docker.sock'),
  ];
  return sockets
    .filter((s): s is string => !!s && existsSync(s))
    .map((socketPath) => ({ socketPath }));
}

/** The endpoint of the first engine that answers `GET /_ping` within the timeout. */
export async function dockerEngineAnswers(timeoutMs = 1500): Promise<string | undefined> {
  for (const endpoint of dockerEndpoints()) {
    if (await ping(endpoint, timeoutMs))
      return 'socketPath' in endpoint ? endpoint.socketPath : `${endpoint.host}:${endpoint.port}`;
  }
  return undefined;
}

function ping(endpoint: Endpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { ...endpoint, path: '/_ping', method: 'GET', timeout: timeoutMs },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
