import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildOptions, type RawInputs } from '../src/config/build-options.js';
import { imageOf } from '../src/config/image.js';
import { diagnoseSetupFailure } from '../src/check/setup-error.js';
import { InputError } from '../src/core/errors.js';
import type { Options } from '../src/core/options.js';
import type { StatementTrace } from '../src/core/trace.js';
import { knownIds } from '../src/gates/index.js';
import { imageToRun } from '../src/provision/image.js';
import { fixtureOptions } from './helpers/run.js';

/**
 * Which image the docker provider runs: `--image` > `image:` > the compose file's Postgres
 * service > `postgres:<major>` (SCHEMAGATE_POSTGRES_IMAGE replacing that default), and which
 * image a missing extension's diagnosis names.
 */

const root = mkdtempSync(join(tmpdir(), 'sg-image-'));
execFileSync('git', ['init', '-q', root]);
mkdirSync(join(root, 'migrations'));
writeFileSync(join(root, 'migrations', '001_a.up.sql'), 'create table a (id int);\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function repo(files: { compose?: string; config?: string }): void {
  rmSync(join(root, 'docker-compose.yml'), { force: true });
  rmSync(join(root, '.schemagate.yml'), { force: true });
  if (files.compose) writeFileSync(join(root, 'docker-compose.yml'), files.compose);
  if (files.config) writeFileSync(join(root, '.schemagate.yml'), files.config);
}

const options = (raw: RawInputs = {}): Options =>
  buildOptions({ dir: join(root, 'migrations'), ...raw }, knownIds(), root);

const service = (image: string, name = 'db') =>
  `services:\n  cache:\n    image: redis:7\n  ${name}:\n    image: ${image}\n`;

describe('the docker image: flag, setting, compose file, default', () => {
  const saved = process.env.SCHEMAGATE_POSTGRES_IMAGE;
  beforeEach(() => {
    delete process.env.SCHEMAGATE_POSTGRES_IMAGE;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.SCHEMAGATE_POSTGRES_IMAGE;
    else process.env.SCHEMAGATE_POSTGRES_IMAGE = saved;
  });

  it('takes --image over image: over the compose file', () => {
    repo({ compose: service('pgvector/pgvector:pg17'), config: 'image: postgis/postgis:16-3.4\n' });
    expect(options({ image: 'timescale/timescaledb:latest-pg16' }).image).toEqual({
      name: 'timescale/timescaledb:latest-pg16',
      source: '--image',
    });
    expect(options().image).toEqual({ name: 'postgis/postgis:16-3.4', source: '.schemagate.yml' });
    repo({ compose: service('pgvector/pgvector:pg17') });
    expect(options().image).toEqual({
      name: 'pgvector/pgvector:pg17',
      source: 'docker-compose.yml service db',
    });
    repo({});
    expect(options().image).toBeUndefined();
  });

  it('says in the note which image runs and where it came from', () => {
    repo({ compose: service('supabase/postgres:15.8.1.060', 'postgres') });
    const o = options();
    expect(imageToRun(o.image, o.pgVersion)).toEqual({
      image: 'supabase/postgres:15.8.1.060',
      note: 'image supabase/postgres:15.8.1.060 from docker-compose.yml service postgres',
    });
    expect(imageToRun({ name: 'x/pg:1', source: '--image' }, '16').note).toBe(
      'image x/pg:1 from --image',
    );
  });

  it('falls back to postgres:<major>, or SCHEMAGATE_POSTGRES_IMAGE in tests and CI', () => {
    expect(imageToRun(undefined, '16')).toEqual({
      image: 'postgres:16',
      note: 'image postgres:16',
    });
    expect(imageToRun(undefined, undefined).image).toBe('postgres:18');
    process.env.SCHEMAGATE_POSTGRES_IMAGE = 'schemagate/postgres-test:18';
    expect(imageToRun(undefined, '16').image).toBe('schemagate/postgres-test:18');
    // The override replaces the default only: a chosen image still wins.
    expect(imageToRun({ name: 'pgvector/pgvector:pg17', source: '--image' }, '17').image).toBe(
      'pgvector/pgvector:pg17',
    );
  });

  it("passes over a compose image that does not follow the official image's contract, and says why", () => {
    repo({ compose: service('bitnami/postgresql:16') });
    const o = options();
    expect(o.image).toEqual({
      skipped:
        "docker-compose.yml service db runs bitnami/postgresql:16, which does not follow the official postgres image's contract; set image: to one that does",
    });
    expect(imageToRun(o.image, o.pgVersion)).toEqual({
      image: 'postgres:16',
      note: "image postgres:16 (docker-compose.yml service db runs bitnami/postgresql:16, which does not follow the official postgres image's contract; set image: to one that does)",
    });
  });

  it("runs a team's own image named postgresql, which is not bitnami's", () => {
    repo({ compose: service('openremote/postgresql:${POSTGRESQL_VERSION:-latest-slim}') });
    expect(options().image).toEqual({
      name: 'openremote/postgresql:latest-slim',
      source: 'docker-compose.yml service db',
    });
  });

  it('lets an explicit Postgres version that disagrees with the compose image win', () => {
    repo({ compose: service('postgres:16-alpine') });
    expect(options({ pgVersion: '16' }).image).toEqual({
      name: 'postgres:16-alpine',
      source: 'docker-compose.yml service db',
    });
    const o = options({ pgVersion: '17' });
    expect(o.image).toEqual({
      skipped:
        'docker-compose.yml service db runs postgres:16-alpine (Postgres 16) and Postgres 17 is asked for',
    });
    expect(imageToRun(o.image, o.pgVersion).image).toBe('postgres:17');
  });

  it("resolves the compose file's ${VAR:-default}, and passes over a variable without one", () => {
    repo({ compose: service('"pgvector/pgvector:${PG_TAG:-pg17}"') });
    expect(options().image).toEqual({
      name: 'pgvector/pgvector:pg17',
      source: 'docker-compose.yml service db',
    });
    repo({ compose: service('"${PG_IMAGE}"', 'postgres') });
    expect(imageOf({}, root)).toBeUndefined(); // not recognisably Postgres: nothing to say
    repo({ compose: service('"postgres:${PG_TAG}"') });
    expect(imageOf({}, root)).toEqual({
      skipped:
        "docker-compose.yml service db's image postgres:${PG_TAG} names a variable without a default",
    });
  });

  it('rejects an image reference that is not one, naming the flag or the key', () => {
    repo({});
    expect(() => options({ image: 'pgvector/pgvector:pg17 --privileged' })).toThrow(
      new InputError(
        '--image: expected an image NAME:TAG, e.g. pgvector/pgvector:pg17, got "pgvector/pgvector:pg17 --privileged"',
      ),
    );
    repo({ config: 'image: "-v /:/host"\n' });
    expect(() => options()).toThrow(
      /\.schemagate\.yml:1: image: expected an image NAME:TAG, e.g\. pgvector\/pgvector:pg17, got "-v \/:\/host"/,
    );
  });
});

describe('the image a missing extension names', () => {
  const remedy = (extension: string, provider = 'embedded', o: Partial<Options> = {}) => {
    const trace = {
      file: 'db/1_x.sql',
      line: 1,
      endLine: 1,
      migrationId: '1',
      error: { sqlstate: '0A000', message: `extension "${extension}" is not available` },
    } as StatementTrace;
    const statement = {
      sql: `create extension ${extension}`,
      ...{ file: 'db/1_x.sql', line: 1, endLine: 1, kind: 'CreateExtensionStmt', ignores: [] },
    };
    const options = { ...fixtureOptions('db', {}), repoRoot: root, ...o };
    const f = { trace, statement, findings: [], format: 'goose' as const, options, provider };
    return diagnoseSetupFailure({ ...f, postgresVersion: '18.4' }).remedy;
  };

  it("names the compose file's image when it may have the extension", () => {
    repo({ compose: service('ghcr.io/acme/postgres:16-ext') });
    expect(remedy('sg_test_vector')).toBe(
      'the embedded Postgres does not ship sg_test_vector: use --provider docker, which runs ghcr.io/acme/postgres:16-ext, the image your docker-compose.yml uses.',
    );
    repo({ compose: service('supabase/postgres:15.8.1.060') });
    expect(remedy('pg_net')).toBe(
      'the embedded Postgres does not ship pg_net: use --provider docker, which runs supabase/postgres:15.8.1.060, the image your docker-compose.yml uses.',
    );
  });

  it("names the extension's own image, at the compose file's major, when the compose image lacks it", () => {
    repo({ compose: service('postgres:16-alpine') });
    expect(remedy('vector')).toBe(
      'the embedded Postgres does not ship vector: use --provider docker with `image: pgvector/pgvector:pg16` (or the image your docker-compose file uses).',
    );
    repo({ compose: service('postgis/postgis:17-3.5') });
    expect(remedy('vector')).toContain('`image: pgvector/pgvector:pg17`');
    repo({ compose: service('bitnami/postgresql:16') });
    expect(remedy('vector')).toContain('`image: pgvector/pgvector:pg16`');
    repo({ compose: service('postgres:16') });
    expect(remedy('sg_test_vector')).toBe(
      "the embedded Postgres does not ship sg_test_vector: use --provider docker with `image:` set to an image that has sg_test_vector installed (the one production's database runs, or the one your docker-compose file uses).",
    );
  });

  it('on docker, names the image that ran and never proposes it again', () => {
    repo({ compose: service('ghcr.io/acme/postgres:16-ext') });
    const ran = {
      image: { name: 'ghcr.io/acme/postgres:16-ext', source: 'docker-compose.yml service db' },
    };
    expect(remedy('sg_test_vector', 'docker', ran)).toBe(
      "the docker image ghcr.io/acme/postgres:16-ext does not have sg_test_vector installed: use `image:` set to an image that has sg_test_vector installed (the one production's database runs, or the one your docker-compose file uses).",
    );
    const other = { image: { name: 'schemagate/postgres-test:18', source: '--image' } };
    expect(remedy('sg_test_vector', 'docker', other)).toBe(
      'the docker image schemagate/postgres-test:18 does not have sg_test_vector installed: use `image: ghcr.io/acme/postgres:16-ext` (the image your docker-compose.yml uses).',
    );
  });
});
