import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { postgresDockerfile } from './dockerfile.js';

/**
 * The Postgres major version a repository already runs locally: the image tag of a `postgres`
 * service in its docker-compose file. Used as the default `--pg-version`, so the check runs the
 * major that development (and usually production) runs.
 */

const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export interface ComposeHint {
  major: string;
  file: string;
  service: string;
  image: string;
  /** The Dockerfile the service is built from, whose FROM names the image. */
  dockerfile?: string;
}

/** The names a service built from a Dockerfile of its own (usually `FROM postgres`) goes by. */
export const POSTGRES_SERVICE_NAME = /^(postgres|postgresql|db|database)$/i;

const POSTGRES_IMAGES = /^(postgres|postgresql|postgis|timescaledb|timescaledb-ha|pgvector)$/;

/** `postgres:16.3-alpine` → 16; `timescale/timescaledb:2.14.2-pg16` → 16; `redis:7` → undefined. */
export function postgresMajorOfImage(image: string): string | undefined {
  const [path, tag = ''] = image.split('@')[0].split(/:(?=[^/]*$)/);
  const name = path.split('/').pop() ?? '';
  if (!POSTGRES_IMAGES.test(name)) return undefined;
  return (/(?:^|-)pg(\d{2})\b/.exec(tag) ?? /^(\d{1,2})(?:[.-]|$)/.exec(tag))?.[1];
}

/**
 * A compose file at the repository root, parsed; undefined when there is none or it is broken.
 * The standard names first; else a variant (`docker-compose.local.yml`, `docker-compose-dev.yml`,
 * `compose.prod.yaml`), the first by name that has a Postgres service, as repositories that keep
 * one compose file per environment have it.
 */
export function loadCompose(repoRoot: string): { file: string; doc: any } | undefined {
  for (const file of COMPOSE_FILES) {
    if (existsSync(join(repoRoot, file))) return parseCompose(repoRoot, file);
  }
  for (const file of composeVariants(repoRoot)) {
    const compose = parseCompose(repoRoot, file);
    if (compose && hasPostgresService(repoRoot, compose.doc)) return compose;
  }
  return undefined;
}

function parseCompose(repoRoot: string, file: string): { file: string; doc: any } | undefined {
  try {
    return { file, doc: parse(readFileSync(join(repoRoot, file), 'utf8')) };
  } catch {
    return undefined; // a broken compose file is not ours to report
  }
}

const COMPOSE_VARIANT = /^(?:docker-)?compose[.-][\w.-]+\.ya?ml$/;

function composeVariants(repoRoot: string): string[] {
  try {
    return readdirSync(repoRoot)
      .filter((name) => COMPOSE_VARIANT.test(name) && !COMPOSE_FILES.includes(name))
      .sort();
  } catch {
    return [];
  }
}

/** A service of a Postgres image, or built from a Dockerfile and named for what it is. */
function hasPostgresService(repoRoot: string, doc: any): boolean {
  const services: Record<string, any> = doc?.services ?? {};
  if (typeof services !== 'object') return false;
  return Object.entries(services).some(([name, def]) => isPostgresService(repoRoot, name, def));
}

/**
 * A Postgres service: one of a Postgres image, or built FROM one, or built from a Dockerfile
 * that cannot be read and named for what it is.
 */
export function isPostgresService(repoRoot: string, name: string, def: any): boolean {
  const image = serviceImage(repoRoot, def);
  if (image && isPostgresImage(image)) return true;
  return def?.build !== undefined && POSTGRES_SERVICE_NAME.test(name);
}

/**
 * The image a service runs as the compose file writes it: for one built from a Dockerfile, the
 * image its final stage starts FROM (an `image:` beside `build:` only names the result).
 */
export function serviceImage(repoRoot: string, def: any): string | undefined {
  return (
    builtImage(repoRoot, def)?.image ?? (typeof def?.image === 'string' ? def.image : undefined)
  );
}

function builtImage(repoRoot: string, def: any): { image: string; dockerfile: string } | undefined {
  if (def?.build === undefined) return undefined;
  const dockerfile = postgresDockerfile(repoRoot, def.build);
  const image = dockerfile?.from ?? dockerfile?.fromDeclared;
  return image ? { image, dockerfile: dockerfile!.file } : undefined;
}

/** Whether an image is a Postgres server (any tag): `postgres`, `bitnami/postgresql`, `supabase/postgres`. */
export function isPostgresImage(image: string): boolean {
  const path = image.split('@')[0].split(/:(?=[^/]*$)/)[0];
  return POSTGRES_IMAGES.test(path.split('/').pop() ?? '');
}

export function composeHint(repoRoot: string): ComposeHint | undefined {
  const compose = loadCompose(repoRoot);
  if (!compose) return undefined;
  for (const [service, def] of Object.entries<any>(compose.doc?.services ?? {})) {
    const built = builtImage(repoRoot, def);
    const image = built?.image ?? (typeof def?.image === 'string' ? def.image : undefined);
    const major = image ? postgresMajorOfImage(image) : undefined;
    if (image && major)
      return {
        major,
        file: compose.file,
        service,
        image,
        ...(built ? { dockerfile: built.dockerfile } : {}),
      };
  }
  return undefined;
}
