import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { dockerImage, dockerProvider, serverArgs } from '../src/provision/docker.js';
import { InfrastructureError } from '../src/core/errors.js';
import { memoryLogger, silentLogger } from '../src/core/logger.js';
import type { Cluster } from '../src/provision/provider.js';
import {
  eventually,
  exitOf,
  lineFrom,
  query,
  repoRoot,
  spawnTypeScript,
} from './providers-support.js';
import { dockerTool, runsWith } from './helpers/tools.js';

const IMAGE = process.env.SCHEMAGATE_POSTGRES_IMAGE || 'schemagate/postgres-test:18';
process.env.SCHEMAGATE_POSTGRES_IMAGE = IMAGE;

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const lines = (text: string) => text.split('\n').filter(Boolean);

// CI sets SCHEMAGATE_REQUIRE_DOCKER=1 where it started an engine: then a missing one fails.
const runDocker = runsWith(await dockerTool(IMAGE), 'docker provider tests');

/** The containers and network of the cluster whose primary publishes `port` on the host. */
function resourcesOf(port: number): { prefix: string; network: string } {
  const published = lines(docker('ps', '--format', '{{.Names}}\t{{.Ports}}'));
  // Docker may publish IPv4 and IPv6 on different host ports, so another container's IPv6
  // mapping can carry the primary's IPv4 port: look among the primaries only.
  const [name] = published
    .map((l) => l.split('\t'))
    .find(([n, ports]) => n.endsWith('primary') && ports.includes(`:${port}->5432/tcp`))!;
  const network = docker(
    'inspect',
    name,
    '--format',
    '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}',
  );
  return { prefix: name.replace(/primary$/, ''), network };
}
const containersNamed = (prefix: string) =>
  lines(docker('ps', '-a', '--filter', `name=${prefix}`, '--format', '{{.Names}}')).sort();
const networkExists = (name: string) =>
  lines(docker('network', 'ls', '--format', '{{.Name}}')).includes(name);

describe('docker image and arguments', () => {
  it('takes the image from SCHEMAGATE_POSTGRES_IMAGE, else the official one', () => {
    expect(dockerImage('16')).toBe(IMAGE);
    delete process.env.SCHEMAGATE_POSTGRES_IMAGE;
    expect(dockerImage('16')).toBe('postgres:16');
    expect(dockerImage(undefined)).toBe('postgres:18');
    process.env.SCHEMAGATE_POSTGRES_IMAGE = IMAGE;
  });

  it('passes the replication settings as postgres arguments', () => {
    const args = serverArgs();
    for (const setting of ['wal_level=replica', 'max_wal_senders=10', 'hot_standby=on'])
      expect(args[args.indexOf(setting) - 1]).toBe('-c');
    expect(args.filter((a) => a.includes("'"))).toEqual([]); // no literal quotes from the conf
    expect(args.some((a) => a.startsWith('listen_addresses') || a.startsWith('log_min'))).toBe(
      false,
    );
  });
});

describe.runIf(runDocker)('docker provider with a streaming replica', () => {
  let cluster: Cluster;
  let prefix: string;
  let network: string;

  beforeAll(async () => {
    cluster = await dockerProvider.start({ replicas: 1, logger: silentLogger });
    ({ prefix, network } = resourcesOf(cluster.primary.port));
    console.log(`docker primary + 1 replica started in ${cluster.startMs} ms`);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs the primary and the replica on one private network', () => {
    expect(cluster.provider).toBe('docker');
    expect(cluster.postgresVersion).toMatch(/^18\.\d+$/);
    expect(cluster.notes).toEqual([`image ${IMAGE}`]);
    expect(cluster.replicas.map((r) => r.name)).toEqual(['replica_1']);
    expect(containersNamed(prefix)).toEqual([`${prefix}primary`, `${prefix}replica_1`]);
    expect(network).toBe(prefix.slice(0, -1));
    expect(network).toMatch(/^schemagate-[0-9a-f]{8}$/);
  });

  it('streams to the replica, which replays a new table', async () => {
    const rows = await query(
      cluster.primary,
      'select application_name, state from pg_stat_replication',
    );
    expect(rows).toEqual([{ application_name: 'replica_1', state: 'streaming' }]);
    const replica = cluster.replicas[0];
    expect(await query(replica, 'select pg_is_in_recovery() as standby')).toEqual([
      { standby: true },
    ]);
    await query(cluster.primary, `create table replicated as select 'from the primary' as origin`);
    await eventually(
      async () =>
        (await query(replica, `select to_regclass('replicated') is not null as ok`))[0].ok,
    );
    expect(await query(replica, 'select origin from replicated')).toEqual([
      { origin: 'from the primary' },
    ]);
  });

  it('removes the containers and the network on stop', async () => {
    await cluster.stop();
    expect(containersNamed(prefix)).toEqual([]);
    expect(networkExists(network)).toBe(false);
  });
});

describe.runIf(runDocker)('docker provider cleanup', () => {
  it('removes the network when the image cannot be started', async () => {
    process.env.SCHEMAGATE_POSTGRES_IMAGE = 'schemagate/no-such-image:1';
    const logger = memoryLogger();
    try {
      const start = dockerProvider.start({ replicas: 1, logger });
      await expect(start).rejects.toThrow(InfrastructureError);
      await expect(start).rejects.toThrow(
        /^could not start Postgres from schemagate\/no-such-image:1: /,
      );
    } finally {
      process.env.SCHEMAGATE_POSTGRES_IMAGE = IMAGE;
    }
    const created = logger.lines.find((l) => l.startsWith('debug: docker: network '));
    const network = created!.split(' ')[3].replace(/,$/, '');
    expect(network).toMatch(/^schemagate-[0-9a-f]{8}$/);
    expect(networkExists(network)).toBe(false);
    expect(containersNamed(`${network}-`)).toEqual([]);
  });

  it('removes the containers and the network when the process gets SIGTERM', async () => {
    let prefix = '';
    let network = '';
    const child = spawnTypeScript(
      'docker-signal',
      `import { dockerProvider } from ${JSON.stringify(join(repoRoot, 'src/provision/docker.ts'))};
       import { silentLogger } from ${JSON.stringify(join(repoRoot, 'src/core/logger.ts'))};
       const cluster = await dockerProvider.start({ replicas: 1, logger: silentLogger });
       console.log('READY ' + cluster.primary.port);
       setInterval(() => {}, 1000);`,
    );
    try {
      const port = Number(await lineFrom(child, 'READY '));
      ({ prefix, network } = resourcesOf(port));
      expect(containersNamed(prefix)).toEqual([`${prefix}primary`, `${prefix}replica_1`]);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exitOf(child)).toBe(143);
    expect(containersNamed(prefix)).toEqual([]);
    expect(networkExists(network)).toBe(false);
  });
});
