import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createProvider,
  dockerEndpoints,
  dockerEngineAnswers,
  resolveAuto,
} from '../src/provision/providers.js';
import { embeddedProvider } from '../src/provision/embedded.js';
import { localProvider } from '../src/provision/local.js';
import { urlProvider } from '../src/provision/url.js';
import { InputError } from '../src/core/errors.js';
import type { ProviderName } from '../src/core/model.js';
import { silentLogger } from '../src/core/logger.js';
import { dockerTool, runsWith } from './helpers/tools.js';

describe('createProvider', () => {
  it('returns the provider of each name', () => {
    expect(createProvider('embedded')).toBe(embeddedProvider);
    expect(createProvider('local')).toBe(localProvider);
    expect(createProvider('url')).toBe(urlProvider);
    expect(createProvider('docker').name).toBe('docker');
  });

  it('rejects auto and unknown names as input errors', () => {
    expect(() => createProvider('auto')).toThrow(
      new InputError('--provider auto must be resolved with resolveAuto() first'),
    );
    expect(() => createProvider('podman' as ProviderName)).toThrow(
      new InputError('--provider: expected auto|embedded|docker|local|url, got podman'),
    );
  });
});

describe('finding a Docker engine', () => {
  const saved = process.env.DOCKER_HOST;
  let dir: string | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A unix-socket HTTP server standing in for the engine's API. */
  async function fakeEngine(status: number | 'silent'): Promise<string> {
    dir = mkdtempSync(join(tmpdir(), 'schemagate-engine-'));
    const socket = join(dir, 'docker.sock');
    server = createServer((req, res) => {
      if (status === 'silent') return;
      res.statusCode = req.url === '/_ping' ? status : 404;
      res.end('OK');
    });
    await new Promise<void>((r) => server!.listen(socket, r));
    process.env.DOCKER_HOST = `unix://${socket}`;
    return socket;
  }

  it('reads DOCKER_HOST', () => {
    expect(dockerEndpoints({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual([
      { socketPath: '/run/user/1000/docker.sock' },
    ]);
    expect(dockerEndpoints({ DOCKER_HOST: 'tcp://10.0.0.5:2376' })).toEqual([
      { host: '10.0.0.5', port: 2376 },
    ]);
  });

  it('answers only when the engine answers the ping', async () => {
    const socket = await fakeEngine(200);
    expect(await dockerEngineAnswers()).toBe(socket);
  });

  it('treats an error status or silence as no engine', async () => {
    await fakeEngine(500);
    expect(await dockerEngineAnswers()).toBeUndefined();
    await new Promise((r) => server!.close(r));
    rmSync(dir!, { recursive: true, force: true });
    await fakeEngine('silent');
    const started = Date.now();
    expect(await dockerEngineAnswers(300)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('picks docker where an engine answers, else the embedded binaries', async () => {
    const socket = await fakeEngine(200);
    const withEngine = await resolveAuto();
    expect(withEngine.provider.name).toBe('docker');
    expect(withEngine.reason).toBe(`a Docker engine answers at ${socket}`);
    process.env.DOCKER_HOST = `unix://${join(dir!, 'missing.sock')}`;
    const without = await resolveAuto();
    expect(without.provider).toBe(embeddedProvider);
    expect(without.reason).toBe('no Docker engine answers; using the embedded Postgres binaries');
  });
});

const withEngine = runsWith(await dockerTool(), 'auto on a real Docker engine');
describe.runIf(withEngine)('auto on an engine that cannot start the image', () => {
  it('runs on the embedded binaries and says why', async () => {
    const saved = process.env.SCHEMAGATE_POSTGRES_IMAGE;
    process.env.SCHEMAGATE_POSTGRES_IMAGE = 'schemagate/no-such-image:1';
    try {
      const { provider } = await resolveAuto();
      const cluster = await provider.start({ replicas: 0, logger: silentLogger });
      await cluster.stop();
      expect(cluster.provider).toBe('embedded');
      expect(cluster.notes[0]).toMatch(
        /^auto: Docker could not start Postgres \(could not start Postgres from schemagate\/no-such-image:1: .+\); used the embedded binaries instead$/,
      );
    } finally {
      if (saved === undefined) delete process.env.SCHEMAGATE_POSTGRES_IMAGE;
      else process.env.SCHEMAGATE_POSTGRES_IMAGE = saved;
    }
  });
});
