import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerProvider } from '../src/provision/docker.js';
import { silentLogger } from '../src/core/logger.js';
import type { Report } from '../src/core/report.js';
import type { Cluster } from '../src/provision/provider.js';
import { eventually, query } from './providers-support.js';
import { dockerTool, runsWith } from './helpers/tools.js';
// @ts-expect-error plain ESM helper shared with the demo
import { makeFixtureRepo } from '../scripts/fixture-repo.mjs';

/**
 * `image:`: the docker provider runs the image a repository's compose file names (any image with
 * the official postgres image's contract), primary and replicas alike. The offline test image
 * schemagate/postgres:18-testext (scripts/docker-image.sh) has the pure-SQL extension
 * sg_test_vector, which the embedded binaries and schemagate/postgres-test:18 do not.
 */

const EXT_IMAGE = 'schemagate/postgres:18-testext';
const BASE_IMAGE = 'schemagate/postgres-test:18';
const FIXTURE = 'fixtures/setup/image-extension';
const MIGRATION = 'db/migrations/000001_create_items.up.sql';
const PR_MIGRATION = 'db/migrations/000002_add_item_centroid.up.sql';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).trim();

// CI sets SCHEMAGATE_REQUIRE_DOCKER=1 where it built the images: then a missing one fails.
const runDocker = runsWith(await dockerTool(EXT_IMAGE), 'docker image tests');

/** The image of every container of the cluster whose primary publishes `port` on the host. */
function imagesOfCluster(port: number): Record<string, string> {
  const rows = docker('ps', '--format', '{{.Names}}\t{{.Image}}\t{{.Ports}}')
    .split('\n')
    .map((l) => l.split('\t'));
  const primary = rows.find(
    ([n, , ports]) => n.endsWith('-primary') && ports.includes(`:${port}->`),
  );
  const prefix = primary![0].replace(/primary$/, '');
  return Object.fromEntries(
    rows.filter(([n]) => n.startsWith(prefix)).map(([n, image]) => [n.slice(prefix.length), image]),
  );
}

describe.runIf(runDocker)('the docker provider with a chosen image', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    const image = { name: EXT_IMAGE, source: 'docker-compose.yml service db' };
    cluster = await dockerProvider.start({ replicas: 1, image, logger: silentLogger });
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs the primary and the replica from it, and says where it came from', () => {
    expect(cluster.notes).toEqual([`image ${EXT_IMAGE} from docker-compose.yml service db`]);
    expect(imagesOfCluster(cluster.primary.port)).toEqual({
      primary: EXT_IMAGE,
      replica_1: EXT_IMAGE,
    });
  });

  it("has the image's extension on both, usable on the primary and replayed to the replica", async () => {
    const available = `select name, default_version from pg_available_extensions where name = 'sg_test_vector'`;
    const row = { name: 'sg_test_vector', default_version: '1.0' };
    expect(await query(cluster.primary, available)).toEqual([row]);
    // The control file is read from the replica container's own disk: same image.
    expect(await query(cluster.replicas[0], available)).toEqual([row]);
    await query(cluster.primary, 'create extension sg_test_vector');
    await query(
      cluster.primary,
      `create table points as select '{3,4}'::sg_vector as p, '{0,0}'::sg_vector as origin`,
    );
    const distance = 'select sg_vector_l2(p, origin) as d, sg_vector_dims(p) as n from points';
    expect(await query(cluster.primary, distance)).toEqual([{ d: 5, n: 2 }]);
    const replica = cluster.replicas[0];
    await eventually(
      async () => (await query(replica, `select to_regclass('points') is not null as ok`))[0].ok,
    );
    expect(await query(replica, distance)).toEqual([{ d: 5, n: 2 }]);
  });
});

describe('a repository whose compose file runs an image with an extension', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sg-image-'));
  const repo = makeFixtureRepo(`${FIXTURE}/base`, `${FIXTURE}/pr`);
  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
    repo.dispose();
  });

  function check(...flags: string[]): { status: number | null; stderr: string; report: Report } {
    const json = join(scratch, 'report.json');
    rmSync(json, { force: true });
    const args = ['check', 'db/migrations', '--base', repo.base, '--json', json, ...flags];
    const r = spawnSync(process.execPath, [join(process.cwd(), 'dist/cli.js'), ...args], {
      cwd: repo.root,
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, SCHEMAGATE_PROGRESS: 'off' },
    });
    return { status: r.status, stderr: r.stderr, report: JSON.parse(readFileSync(json, 'utf8')) };
  }

  const missing = (remedy: string) => ({
    file: MIGRATION,
    line: 1,
    message: 'extension "sg_test_vector" is not available (SQLSTATE 0A000)',
    cause: 'missing-extension',
    remedy,
  });

  it('on embedded Postgres, ends as a setup error whose remedy is the compose image', () => {
    const { status, stderr, report } = check('--provider', 'embedded', '--replicas', '0');
    const remedy = `the embedded Postgres does not ship sg_test_vector: use --provider docker, which runs ${EXT_IMAGE}, the image your docker-compose.yml uses.`;
    expect(stderr).toBe(
      `schemagate: error: could not build the base: ${MIGRATION}:1: extension "sg_test_vector" is not available (SQLSTATE 0A000) (an extension this Postgres does not have). Fix: ${remedy}\n`,
    );
    expect(status).toBe(3);
    expect(report.status).toBe('error');
    expect(report.setupError).toEqual(missing(remedy));
    expect(report.findings).toEqual([]);
    // No docker ran, so nothing is said about an image.
    expect(report.notes.filter((n) => n.startsWith('image '))).toEqual([]);
  }, 180_000);

  it.runIf(runDocker)(
    'with --provider docker, runs the compose image and reaches the gates',
    () => {
      const { status, report } = check('--provider', 'docker');
      expect(report.status).toBe('blocked');
      expect(status).toBe(1);
      expect(report.setupError).toBeUndefined();
      expect(report.topology).toMatchObject({ provider: 'docker', replicas: 1 });
      expect(report.notes).toContain(`image ${EXT_IMAGE} from docker-compose.yml service db`);
      expect(report.summary).toMatchObject({ migrationsApplied: 1, tenantsValidated: 2 });
      // The extension's domain has a CHECK, so adding a column of it rewrites the table: only a
      // server with the extension can show that.
      const locks = report.findings.filter((f) => f.gate === 'locks');
      expect(locks.map((f) => [f.rule, f.severity, f.file, f.line])).toEqual([
        ['table-rewrite', 'blocker', PR_MIGRATION, 1],
        ['missing-lock-timeout', 'warning', PR_MIGRATION, 1],
      ]);
      expect(locks[0].message).toMatch(/^ALTER TABLE items rewrites pre-existing table items /);
      expect(report.findings.filter((f) => !['locks', 'replica'].includes(f.gate))).toEqual([]);
      const replica = report.steps.find((s) => s.action === 'gate replica');
      expect(replica?.status).toBe('ok');
      expect(replica?.details).toMatch(/replica_1: replayed in \d+ ms/);
    },
    180_000,
  );

  it.runIf(runDocker)(
    'with --image of an image without the extension, names the compose image instead',
    () => {
      const { status, report } = check(
        '--provider',
        'docker',
        '--image',
        BASE_IMAGE,
        '--replicas',
        '0',
      );
      expect(status).toBe(3);
      expect(report.notes).toContain(`image ${BASE_IMAGE} from --image`);
      expect(report.setupError).toEqual(
        missing(
          `the docker image ${BASE_IMAGE} does not have sg_test_vector installed: use \`image: ${EXT_IMAGE}\` (the image your docker-compose.yml uses).`,
        ),
      );
    },
    180_000,
  );
});
