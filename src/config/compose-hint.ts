import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

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
}

const POSTGRES_IMAGES = /^(postgres|postgresql|postgis|timescaledb|timescaledb-ha|pgvector)$/;

/** `postgres:16.3-alpine` → 16; `timescale/timescaledb:2.14.2-pg16` → 16; `redis:7` → undefined. */
export function postgresMajorOfImage(image: string): string | undefined {
  const [path, tag = ''] = image.split('@')[0].split(/:(?=[^/]*$)/);
  const name = path.split('/').pop() ?? '';
  if (!POSTGRES_IMAGES.test(name)) return undefined;
  return (/(?:^|-)pg(\d{2})\b/.exec(tag) ?? /^(\d{1,2})(?:[.-]|$)/.exec(tag))?.[1];
}

/** A compose file at the repository root, parsed; undefined when there is none or it is broken. */
export function loadCompose(repoRoot: string): { file: string; doc: any } | undefined {
  for (const file of COMPOSE_FILES) {
    const path = join(repoRoot, file);
    if (!existsSync(path)) continue;
    try {
      return { file, doc: parse(readFileSync(path, 'utf8')) };
    } catch {
      return undefined; // a broken compose file is not ours to report
    }
  }
  return undefined;
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
    const image = typeof def?.image === 'string' ? def.image : undefined;
    const major = image ? postgresMajorOfImage(image) : undefined;
    if (image && major) return { major, file: compose.file, service, image };
  }
  return undefined;
}
