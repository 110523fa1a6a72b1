/**
 * The PR's SQL runs as a superuser inside the docker provider's containers: they get nothing of
 * the host (no bind mount, no added capability, not privileged, no setuid gain, a private
 * network) and only the POSTGRES_* variables the image contract reads, never our environment.
 * Needs a Docker engine and the test image (scripts/docker-image.sh).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { CONTAINER_ENV, dockerProvider } from '../src/provision/docker.js';
import type { Cluster } from '../src/provision/provider.js';
import { query } from './providers-support.js';
import { dockerTool, runsWith } from './helpers/tools.js';

const IMAGE = process.env.SCHEMAGATE_POSTGRES_IMAGE || 'schemagate/postgres-test:18';
process.env.SCHEMAGATE_POSTGRES_IMAGE = IMAGE;
const runDocker = runsWith(await dockerTool(IMAGE), 'docker isolation tests');

const TOKEN = 'ghs_secretvalue123';
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

interface Inspected {
  Name: string;
  Config: { Env: string[] };
  Mounts: Array<{ Type: string; Source: string; Destination: string }>;
  HostConfig: {
    Binds: string[] | null;
    Privileged: boolean;
    CapAdd: string[] | null;
    SecurityOpt: string[] | null;
    NetworkMode: string;
    PidMode: string;
    IpcMode: string;
    Devices: unknown[] | null;
  };
}

describe.runIf(runDocker)("the docker provider's containers", () => {
  let cluster: Cluster;
  let containers: Inspected[];
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { GITHUB_TOKEN: TOKEN, 'INPUT_GITHUB-TOKEN': TOKEN });
    cluster = await dockerProvider.start({ replicas: 1, logger: silentLogger });
    const port = cluster.primary.port;
    const primary = docker('ps', '--format', '{{.Names}} {{.Ports}}')
      .split('\n')
      .find((l) => l.includes(`:${port}->5432/tcp`) && l.split(' ')[0].endsWith('-primary'))!
      .split(' ')[0];
    const prefix = primary.replace(/primary$/, '');
    const names = docker('ps', '--filter', `name=${prefix}`, '--format', '{{.Names}}').split('\n');
    containers = JSON.parse(docker('inspect', ...names)) as Inspected[];
  }, 180_000);
  afterAll(async () => {
    process.env = { ...saved };
    await cluster?.stop();
  });

  it('mount nothing of the host, add no capability and run unprivileged on a private network', () => {
    expect(containers).toHaveLength(2);
    for (const c of containers) {
      const h = c.HostConfig;
      expect(
        c.Mounts.filter((m) => m.Type === 'bind'),
        c.Name,
      ).toEqual([]);
      expect([h.Binds ?? [], h.Privileged, h.CapAdd ?? [], h.Devices ?? []], c.Name).toEqual([
        [],
        false,
        [],
        [],
      ]);
      expect(h.SecurityOpt, c.Name).toEqual(['no-new-privileges:true']);
      expect(h.NetworkMode, c.Name).toMatch(/^schemagate-[0-9a-f]{8}$/);
      expect(
        [h.PidMode, h.IpcMode].filter((m) => m === 'host'),
        c.Name,
      ).toEqual([]);
    }
  });

  it("get the image's environment and the POSTGRES_* variables, nothing of ours", () => {
    const imageEnv = JSON.parse(
      docker('image', 'inspect', IMAGE, '--format', '{{json .Config.Env}}'),
    ) as string[];
    const ours = Object.entries(CONTAINER_ENV).map(([k, v]) => `${k}=${v}`);
    for (const c of containers)
      expect(c.Config.Env.sort(), c.Name).toEqual([...imageEnv, ...ours].sort());
  });

  it("show a superuser's COPY … FROM PROGRAM 'env' no token", async () => {
    await query(cluster.primary, 'create table environ (line text)');
    await query(cluster.primary, "copy environ from program 'env'");
    const lines = (await query<{ line: string }>(cluster.primary, 'select line from environ')).map(
      (r) => r.line,
    );
    expect(lines.some((l) => l.startsWith('PATH='))).toBe(true);
    expect(
      lines.filter((l) => l.includes(TOKEN) || /^(GITHUB_|INPUT_|ACTIONS_|RUNNER_)/.test(l)),
    ).toEqual([]);
  });
});
