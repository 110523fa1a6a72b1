import { execFileSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { GenericContainer, StartedNetwork, StartedTestContainer } from 'testcontainers';
import { DOCKER_ENV, childEnv } from '../core/child-env.js';
import { InfrastructureError, getErrorMessage } from '../core/errors.js';
import { registerCleanup } from '../core/cleanup.js';
import { recordDockerResource } from '../core/run-dir.js';
import type { Cluster, ConnectionInfo, Provider, ReplicaInfo, StartOptions } from './provider.js';
import { serverVersion, versionNotes } from './embedded.js';
import { pollUntil, replicaName, waitForReplay, waitForStreaming, withClient } from './replicas.js';
import { EPHEMERAL_SETTINGS, lastLines } from './server.js';
import { takeBaseBackup, type BaseBackup } from './docker-basebackup.js';
import { imageToRun } from './image.js';

/**
 * Postgres in Docker through testcontainers, using only the official `postgres:<major>` image
 * contract (POSTGRES_* environment, /docker-entrypoint-initdb.d, port 5432, extra arguments
 * passed to postgres), so the offline test image built by scripts/docker-image.sh works the same,
 * and so does any image built on it (pgvector, PostGIS, TimescaleDB, Supabase's; image.ts).
 * Containers share a private network; replicas are made from a base backup (see
 * docker-basebackup.ts).
 */
export const dockerProvider: Provider = {
  name: 'docker',
  start: startInDocker,
};

export { DEFAULT_PG_MAJOR, dockerImage } from './image.js';
const PASSWORD = 'schemagate';
const READY = /database system is ready to accept connections/;
const READY_READ_ONLY = /database system is ready to accept read-only connections/;

/** The server settings of an ephemeral primary, as `-c name=value` arguments. */
export function serverArgs(): string[] {
  const skip = new Set(['listen_addresses', 'log_min_messages']); // the image listens on *, logs "ready"
  return (
    Object.entries(EPHEMERAL_SETTINGS)
      .filter(([name]) => !skip.has(name))
      // postgresql.conf quotes string values; on the command line the quotes would be literal.
      .flatMap(([name, value]) => ['-c', `${name}=${value.replace(/^'(.*)'$/, '$1')}`])
  );
}

// Runs as part of the image's first start; allows replication connections from the network.
const REPLICATION_HBA = `#!/bin/sh\necho "host replication all all trust" >> "$PGDATA/pg_hba.conf"\n`;

/** Everything one cluster started, removed by `remove()` or, on a signal, synchronously. */
class DockerResources {
  readonly runId = randomBytes(4).toString('hex');
  private names: string[] = [];
  private containers: StartedTestContainer[] = [];
  private network?: StartedNetwork;
  private forget: (() => void)[] = [];
  private logs = new Map<string, () => string>();

  get networkName(): string {
    return `schemagate-${this.runId}`;
  }

  containerName(role: string): string {
    return `${this.networkName}-${role}`;
  }

  /** Registers the removal by name before the container exists, so a failed start is covered. */
  expectContainer(name: string): void {
    // Also noted for the run's reaper, which removes it should this process be killed.
    recordDockerResource('container', name);
    this.names.push(name);
    this.forget.push(
      registerCleanup(`docker rm ${name}`, () => dockerSync(['rm', '-f', '-v', name])),
    );
  }

  addNetwork(network: StartedNetwork): void {
    this.network = network;
    const name = network.getName();
    this.forget.push(
      registerCleanup(`docker network ${name}`, () => dockerSync(['network', 'rm', name])),
    );
  }

  addContainer(container: StartedTestContainer): void {
    this.containers.push(container);
  }

  /** Keeps the end of a container's log, for the message of a failed start. */
  collectLog(name: string): (stream: Readable) => void {
    return (stream) => {
      let log = '';
      this.logs.set(name, () => lastLines(log, 15));
      stream.on('data', (d: Buffer | string) => {
        log = (log + d.toString()).slice(-8000);
      });
      stream.on('error', () => {});
    };
  }

  lastLogLines(): string {
    return [...this.logs]
      .map(([name, log]) => (log() ? `Last lines of ${name}'s log:\n${log()}` : ''))
      .filter(Boolean)
      .join('\n');
  }

  async remove(): Promise<void> {
    await Promise.all(this.containers.map((c) => c.stop({ timeout: 0 }).catch(() => {})));
    // A container whose start failed is not in `containers`; remove it by name.
    if (this.containers.length < this.names.length) dockerSync(['rm', '-f', '-v', ...this.names]);
    await this.network?.stop().catch(() => {});
    for (const forget of this.forget) forget();
    this.names = [];
    this.containers = [];
    this.network = undefined;
    this.forget = [];
  }
}

function dockerSync(args: string[]): void {
  try {
    execFileSync('docker', args, {
      stdio: 'ignore',
      timeout: 30_000,
      env: childEnv({}, DOCKER_ENV),
    });
  } catch {
    // Already gone, or no docker CLI: nothing more we can do synchronously.
  }
}

async function startInDocker(options: StartOptions): Promise<Cluster> {
  const started = Date.now();
  // One image for the primary and every replica (see image.ts for which one).
  const { image, note } = imageToRun(options.image, options.pgVersion);
  // We remove every container ourselves (also on signals), so the reaper container is not needed.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  const tc = await import('testcontainers');
  const resources = new DockerResources();
  const stop = () => resources.remove();
  try {
    recordDockerResource('network', resources.networkName);
    const network = await new tc.Network({ nextUuid: () => resources.networkName }).start();
    resources.addNetwork(network);
    options.logger.debug(`docker: network ${network.getName()}, image ${image}`);
    const primary = await startPrimary(tc, image, network, resources);
    options.logger.debug(`docker: primary ready after ${Date.now() - started} ms`);
    const primaryInfo = connectionTo(primary);
    const postgresVersion = await serverVersion(primaryInfo);
    const replicas = options.replicas
      ? await startReplicas(tc, image, network, primary, resources, options.replicas)
      : [];
    return {
      provider: 'docker',
      postgresVersion,
      primary: primaryInfo,
      replicas,
      notes: [note, ...versionNotes('docker', options.pgVersion, postgresVersion)],
      startMs: Date.now() - started,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    const logs = resources.lastLogLines();
    await stop();
    const message =
      error instanceof InfrastructureError
        ? error.message
        : `could not start Postgres from ${image}: ${getErrorMessage(error)}`;
    throw new InfrastructureError(logs ? `${message}\n${logs}` : message);
  }
}

type Testcontainers = typeof import('testcontainers');

/** The whole environment we give a container. */
export const CONTAINER_ENV: Record<string, string> = {
  POSTGRES_USER: 'postgres',
  POSTGRES_PASSWORD: PASSWORD,
  POSTGRES_HOST_AUTH_METHOD: 'trust',
};

function postgresContainer(
  tc: Testcontainers,
  image: string,
  network: StartedNetwork,
  name: string,
): GenericContainer {
  // The PR's SQL runs in here as a superuser, so the container gets nothing of the host: no
  // bind mount or volume (files go in by copy, see withCopy*), no added capability, not
  // privileged, no setuid gain, and only the POSTGRES_* variables the image contract reads (a
  // container never inherits our environment). test/providers-docker.test.ts inspects it.
  return new tc.GenericContainer(image)
    .withName(name)
    .withNetwork(network)
    .withSecurityOpt('no-new-privileges:true')
    .withEnvironment(CONTAINER_ENV)
    .withExposedPorts(5432)
    .withStartupTimeout(120_000);
}

async function startPrimary(
  tc: Testcontainers,
  image: string,
  network: StartedNetwork,
  resources: DockerResources,
): Promise<StartedTestContainer> {
  const name = resources.containerName('primary');
  resources.expectContainer(name);
  const container = await postgresContainer(tc, image, network, name)
    .withLogConsumer(resources.collectLog(name))
    .withCommand(serverArgs())
    .withCopyContentToContainer([
      {
        content: REPLICATION_HBA,
        target: '/docker-entrypoint-initdb.d/schemagate-replication.sh',
        mode: 0o755,
      },
    ])
    // The first start logs "ready" twice: once for the init scripts' temporary server.
    .withWaitStrategy(tc.Wait.forLogMessage(READY, 2))
    .start();
  resources.addContainer(container);
  await waitForQueries(connectionTo(container));
  return container;
}

async function startReplicas(
  tc: Testcontainers,
  image: string,
  network: StartedNetwork,
  primary: StartedTestContainer,
  resources: DockerResources,
  count: number,
): Promise<ReplicaInfo[]> {
  const names = Array.from({ length: count }, (_, i) => replicaName(i));
  const primaryInfo = connectionTo(primary);
  const backup = await takeBaseBackup(primary, primaryInfo, names);
  const primaryHost = primary.getIpAddress(network.getName());
  const containers = await Promise.all(
    names.map((name) => startReplica(tc, image, network, resources, backup, name, primaryHost)),
  );
  const replicas = containers.map((c, i) => ({ ...connectionTo(c), name: names[i] }));
  const logs = () => resources.lastLogLines();
  await waitForStreaming(primaryInfo, replicas, logs);
  await waitForReplay(primaryInfo, replicas, logs);
  return replicas;
}

async function startReplica(
  tc: Testcontainers,
  image: string,
  network: StartedNetwork,
  resources: DockerResources,
  backup: BaseBackup,
  name: string,
  primaryHost: string,
): Promise<StartedTestContainer> {
  const containerName = resources.containerName(name);
  resources.expectContainer(containerName);
  const conninfo = `host=${primaryHost} port=5432 user=postgres password=${PASSWORD} application_name=${name}`;
  const container = await postgresContainer(tc, image, network, containerName)
    .withLogConsumer(resources.collectLog(containerName))
    .withCommand([
      ...serverArgs(),
      '-c',
      `primary_conninfo=${conninfo}`,
      '-c',
      `primary_slot_name=${name}`,
    ])
    .withCopyArchivesToContainer([{ tar: backup.archive(), target: backup.target }])
    .withCopyToContainerOptions({ copyUIDGID: true })
    .withWaitStrategy(tc.Wait.forLogMessage(READY_READ_ONLY))
    .start();
  resources.addContainer(container);
  return container;
}

function connectionTo(container: StartedTestContainer): ConnectionInfo {
  return {
    host: container.getHost(),
    port: container.getMappedPort(5432),
    user: 'postgres',
    password: PASSWORD,
    database: 'postgres',
  };
}

/** The log line can come before the published port forwards; wait for a real query. */
async function waitForQueries(info: ConnectionInfo): Promise<void> {
  await pollUntil(
    `Postgres in Docker did not answer on ${info.host}:${info.port}`,
    () => withClient(info, async (c) => (await c.query('select 1')).rowCount === 1),
    () => '',
  );
}
