/**
 * A compose service built from a Dockerfile of its own: the image its final stage starts FROM and
 * the files it copies into /docker-entrypoint-initdb.d, as docker would build it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { composeHint } from '../src/config/compose-hint.js';
import { composePostgres } from '../src/config/compose.js';
import { dockerfilePathOf, postgresDockerfile } from '../src/config/dockerfile.js';
import { composeImage, imageOf } from '../src/config/image.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function repo(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'sg-dockerfile-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('postgresDockerfile', () => {
  it('resolves the FROM with the compose file’s build args over the ARG default', () => {
    repo({
      'db/Dockerfile':
        'ARG PG_MAJOR=17\nFROM postgres:${PG_MAJOR}-alpine\nCOPY init.sql /docker-entrypoint-initdb.d/\n',
      'db/init.sql': 'CREATE ROLE app;\n',
    });
    expect(postgresDockerfile(root, { context: 'db', args: { PG_MAJOR: '15' } })).toEqual({
      file: 'db/Dockerfile',
      from: 'postgres:15-alpine',
      fromDeclared: 'postgres:${PG_MAJOR}-alpine',
      copies: [
        {
          file: 'db/init.sql',
          source: 'init.sql',
          target: '/docker-entrypoint-initdb.d/init.sql',
          line: 3,
        },
      ],
      runs: [],
    });
    expect(postgresDockerfile(root, 'db')?.from).toBe('postgres:17-alpine');
    // A variable with no value anywhere leaves the image unknown.
    writeFileSync(join(root, 'db/Dockerfile'), 'ARG TAG\nFROM postgres:${TAG}\n');
    expect(postgresDockerfile(root, 'db')).toMatchObject({ fromDeclared: 'postgres:${TAG}' });
    expect(postgresDockerfile(root, 'db')?.from).toBeUndefined();
  });

  it('follows the final stage back to the image it starts from, with the RUN steps on the way', () => {
    repo({
      'docker/pg.Dockerfile': [
        'FROM golang:1.22 AS tools',
        'RUN go install example.com/tool@latest',
        'FROM postgis/postgis:16-3.4 AS base',
        'RUN apt-get update && apt-get install -y postgresql-16-cron',
        'FROM base',
        'WORKDIR /docker-entrypoint-initdb.d',
        'COPY ["sql/10 roles.sql", "./10-roles.sql"]',
        'COPY --from=tools /go/bin/tool /usr/local/bin/tool',
        'COPY --from=tools /seed.sql /docker-entrypoint-initdb.d/',
        'COPY sql/*.sh ./',
        '',
      ].join('\n'),
      'docker/sql/10 roles.sql': 'CREATE ROLE app;\n',
      'docker/sql/20-ext.sh': 'psql -c "CREATE EXTENSION pg_cron"\n',
      'docker/sql/30-data.sh': 'echo\n',
    });
    const built = postgresDockerfile(root, { context: 'docker', dockerfile: 'pg.Dockerfile' });
    expect(built).toEqual({
      file: 'docker/pg.Dockerfile',
      from: 'postgis/postgis:16-3.4',
      fromDeclared: 'postgis/postgis:16-3.4',
      copies: [
        {
          file: 'docker/sql/10 roles.sql',
          source: 'sql/10 roles.sql',
          target: '/docker-entrypoint-initdb.d/10-roles.sql',
          line: 7,
        },
        // From another stage: not a file of the repository.
        { source: '/seed.sql', target: '/docker-entrypoint-initdb.d/seed.sql', line: 9 },
        {
          file: 'docker/sql/20-ext.sh',
          source: 'sql/*.sh',
          target: '/docker-entrypoint-initdb.d/20-ext.sh',
          line: 10,
        },
        {
          file: 'docker/sql/30-data.sh',
          source: 'sql/*.sh',
          target: '/docker-entrypoint-initdb.d/30-data.sh',
          line: 10,
        },
      ],
      runs: [{ line: 4, text: 'apt-get update && apt-get install -y postgresql-16-cron' }],
    });
    // `target:` builds another stage.
    expect(
      postgresDockerfile(root, {
        context: 'docker',
        dockerfile: 'pg.Dockerfile',
        target: 'tools',
      })?.from,
    ).toBe('golang:1.22');
  });

  it('copies a folder’s files, and reads an inline Dockerfile', () => {
    repo({ 'initdb/01.sql': 'SELECT 1;\n', 'initdb/02.sql.gz': '' });
    expect(
      postgresDockerfile(root, {
        context: '.',
        dockerfile_inline: 'FROM postgres:16\nCOPY initdb /docker-entrypoint-initdb.d\n',
      })?.copies.map((c) => [c.file, c.target]),
    ).toEqual([
      ['initdb/01.sql', '/docker-entrypoint-initdb.d/01.sql'],
      ['initdb/02.sql.gz', '/docker-entrypoint-initdb.d/02.sql.gz'],
    ]);
  });

  it('names no Dockerfile outside the repository or in a remote context', () => {
    expect(dockerfilePathOf('.')).toBe('Dockerfile');
    expect(dockerfilePathOf({ context: './db', dockerfile: '../Dockerfile.pg' })).toBe(
      'Dockerfile.pg',
    );
    expect(dockerfilePathOf({ context: '..' })).toBeUndefined();
    expect(dockerfilePathOf('https://github.com/org/db.git#main')).toBeUndefined();
    expect(dockerfilePathOf({ dockerfile_inline: 'FROM postgres' })).toBeUndefined();
    repo({});
    expect(postgresDockerfile(root, 'missing')).toBeUndefined();
  });
});

describe('a compose service built from a Dockerfile', () => {
  const compose = (service: string, build: string) =>
    `services:\n  ${service}:\n    build: ${build}\n    environment:\n      POSTGRES_DB: shop\n`;

  it('is the Postgres service whatever its name, with the init files its Dockerfile copies', () => {
    repo({
      'docker-compose.yml': compose('pg-main', './ops/pg'),
      'ops/pg/Dockerfile':
        'FROM postgres:16.4\nCOPY 01-schema.sql /docker-entrypoint-initdb.d/\nRUN echo hi\n',
      'ops/pg/01-schema.sql': 'CREATE SCHEMA shop;\n',
    });
    const pg = composePostgres(root);
    expect(pg).toMatchObject({
      file: 'docker-compose.yml',
      service: 'pg-main',
      image: 'postgres:16.4',
      init: [
        {
          file: 'ops/pg/01-schema.sql',
          target: '/docker-entrypoint-initdb.d/01-schema.sql',
          mount: '/docker-entrypoint-initdb.d',
          kind: 'sql',
          copiedBy: 'ops/pg/Dockerfile:2',
        },
      ],
      database: 'shop',
    });
    expect(composeHint(root)).toEqual({
      major: '16',
      file: 'docker-compose.yml',
      service: 'pg-main',
      image: 'postgres:16.4',
      dockerfile: 'ops/pg/Dockerfile',
    });
    expect(composeImage(root)?.image).toBe('postgres:16.4');
    expect(imageOf({}, root)).toEqual({
      name: 'postgres:16.4',
      source:
        'docker-compose.yml service pg-main, built FROM it in ops/pg/Dockerfile (its 1 RUN step is not in that image)',
    });
  });

  it('is not a Postgres service when its Dockerfile builds something else', () => {
    repo({
      'docker-compose.yml': compose('app', '.'),
      Dockerfile: 'FROM node:20\nCOPY . .\n',
    });
    expect(composePostgres(root)).toBeUndefined();
    expect(composeHint(root)).toBeUndefined();
  });
});
