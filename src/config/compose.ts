import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, normalize, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isPostgresService, loadCompose } from './compose-hint.js';
import { INIT_DIR, postgresDockerfile, type PostgresDockerfile } from './dockerfile.js';

/**
 * What the repository's compose file says about its Postgres beyond the version: the scripts the
 * image runs on an empty data directory (`/docker-entrypoint-initdb.d`), the superuser and
 * database the image creates, and the services streaming from it. schemagate builds the same
 * server before it replays the merged history (src/replay/base-setup.ts).
 */

export interface InitEntry {
  /** Path relative to the repository root. */
  file: string;
  /** Where the entrypoint sees it: `/docker-entrypoint-initdb.d/<name>`; it runs them sorted by this. */
  target: string;
  /** The mount that brings it in: /docker-entrypoint-initdb.d (a folder) or …/<name> (a file). */
  mount: string;
  /** For a file the service's Dockerfile copies in: that Dockerfile and the COPY's line. */
  copiedBy?: string;
  /** `sql` runs through psql, `sh` is a shell script, `other` the entrypoint ignores or we cannot run. */
  kind: 'sql' | 'sh' | 'other';
}

export interface ComposePostgres {
  file: string;
  service: string;
  image?: string;
  /** For a service built from a Dockerfile: that Dockerfile, whose FROM gives `image`. */
  dockerfile?: PostgresDockerfile;
  /** The init scripts in the order the entrypoint runs them (sorted by their name in the container). */
  init: InitEntry[];
  /** Mounts that name something missing or outside the repository: said in the report. */
  unreadable: string[];
  /** `POSTGRES_USER` (the image's superuser), or bitnami's `POSTGRESQL_USERNAME` (the database owner). */
  user?: { name: string; superuser: boolean; variable: string };
  /** `POSTGRES_DB` (default: the user's name), or bitnami's `POSTGRESQL_DATABASE`. */
  database?: string;
  /** Services streaming from this one (another Postgres naming it as its primary). */
  replicas: string[];
}

/** The primary Postgres service of the repository's compose file, if any. */
export function composePostgres(repoRoot: string): ComposePostgres | undefined {
  const compose = loadCompose(repoRoot);
  const services: Record<string, any> = compose?.doc?.services ?? {};
  if (!compose || typeof services !== 'object') return undefined;
  const postgres = Object.entries(services).filter(([name, def]) =>
    isPostgresService(repoRoot, name, def),
  );
  const replicaOf = (name: string, def: any) =>
    postgres.find(([primary]) => primary !== name && streamsFrom(def, primary))?.[0];
  const primary = postgres.find(([name, def]) => !replicaOf(name, def));
  if (!primary) return undefined;
  const [service, def] = primary;
  const env = environmentOf(def);
  const { init, unreadable } = initEntries(repoRoot, def);
  // `image:` with `build:` names the image the build makes; the Dockerfile says what is in it.
  const dockerfile = def?.build !== undefined ? postgresDockerfile(repoRoot, def.build) : undefined;
  if (dockerfile) {
    for (const copy of dockerfile.copies) {
      const copiedBy = `${dockerfile.file}:${copy.line}`;
      if (copy.file) init.push({ ...entry(copy.file, copy.target, INIT_DIR), copiedBy });
      else unreadable.push(`${copy.source} (COPY at ${copiedBy})`);
    }
    init.sort(byTarget);
  }
  const image = dockerfile ? dockerfile.fromDeclared : def?.image;
  return {
    file: compose.file,
    service,
    ...(typeof image === 'string' && image ? { image } : {}),
    ...(dockerfile ? { dockerfile } : {}),
    init,
    unreadable,
    ...userOf(env),
    replicas: postgres.filter(([n, d]) => replicaOf(n, d) === service).map(([n]) => n),
  };
}

/** `${VAR:-default}` → default; a bare `${VAR}` is unknown here (it comes from the shell or .env). */
export function interpolated(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = String(value);
  const resolved = text.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _v, d?: string) => d ?? '\0');
  return resolved.includes('\0') || resolved === '' ? undefined : resolved;
}

/** `environment:` in either form: a mapping, or a list of `KEY=value`. */
export function environmentOf(def: any): Record<string, string> {
  const env: Record<string, string> = {};
  const raw = def?.environment;
  const pairs: Array<[string, unknown]> = Array.isArray(raw)
    ? raw.map((item: unknown) => {
        const [key, ...value] = String(item).split('=');
        return [key, value.length ? value.join('=') : undefined];
      })
    : Object.entries(raw ?? {});
  for (const [key, value] of pairs) {
    const v = interpolated(value);
    if (v !== undefined) env[key.trim()] = v;
  }
  return env;
}

function userOf(env: Record<string, string>): Pick<ComposePostgres, 'user' | 'database'> {
  if (env.POSTGRES_USER || env.POSTGRES_DB) {
    const name = env.POSTGRES_USER ?? 'postgres';
    return {
      user: { name, superuser: true, variable: 'POSTGRES_USER' },
      database: env.POSTGRES_DB ?? name,
    };
  }
  const name = env.POSTGRESQL_USERNAME ?? env.POSTGRESQL_USER;
  return {
    ...(name ? { user: { name, superuser: false, variable: 'POSTGRESQL_USERNAME' } } : {}),
    ...(env.POSTGRESQL_DATABASE ? { database: env.POSTGRESQL_DATABASE } : {}),
  };
}

/**
 * Whether a Postgres service replicates from `primary`: its environment or command names the
 * primary as the host it streams from (bitnami's POSTGRESQL_MASTER_HOST with REPLICATION_MODE
 * slave, a `primary_conninfo`, a `pg_basebackup -h primary`).
 */
function streamsFrom(def: any, primary: string): boolean {
  const env = environmentOf(def);
  const hostKey = Object.entries(env).some(
    ([k, v]) => /(MASTER|PRIMARY)_HOST$/i.test(k) && v === primary,
  );
  const mode = Object.entries(env).some(
    ([k, v]) => /REPLICATION_MODE$/i.test(k) && /^(slave|replica|standby)$/i.test(v),
  );
  if (hostKey && (mode || !Object.keys(env).some((k) => /REPLICATION_MODE$/i.test(k)))) return true;
  const text = [def?.command, def?.entrypoint, Object.values(env)].flat(3).join(' ');
  const host = new RegExp(`(host=|-h\\s*|--host[= ]|@)${primary.replace(/\W/g, '\\$&')}\\b`);
  return /primary_conninfo|pg_basebackup|standby/i.test(text) && host.test(text);
}

interface Mount {
  source: string;
  target: string;
}

function mountsOf(def: any): Mount[] {
  const out: Mount[] = [];
  for (const v of Array.isArray(def?.volumes) ? def.volumes : []) {
    if (typeof v === 'string') {
      const [source, target] = v.split(':');
      if (source && target) out.push({ source, target });
    } else if (v && typeof v.source === 'string' && typeof v.target === 'string') {
      if (v.type === undefined || v.type === 'bind')
        out.push({ source: v.source, target: v.target });
    }
  }
  return out;
}

/** Bind mounts into /docker-entrypoint-initdb.d, expanded to the files the entrypoint sees. */
function initEntries(repoRoot: string, def: any): Pick<ComposePostgres, 'init' | 'unreadable'> {
  const entries: InitEntry[] = [];
  const unreadable: string[] = [];
  for (const { source, target } of mountsOf(def)) {
    const t = normalize(target).replace(/\/$/, '');
    if (t !== INIT_DIR && !t.startsWith(`${INIT_DIR}/`)) continue;
    // A named volume (no path) holds nothing the repository has.
    if (!/^[./~]/.test(source)) continue;
    const abs = isAbsolute(source) ? source : join(repoRoot, source);
    const file = relative(repoRoot, abs);
    if (source.startsWith('~') || file.startsWith('..') || !existsSync(abs)) {
      unreadable.push(source);
      continue;
    }
    if (!statSync(abs).isDirectory()) entries.push(entry(file, t, t));
    else if (t === INIT_DIR)
      for (const name of readdirSync(abs).sort()) {
        if (statSync(join(abs, name)).isFile())
          entries.push(entry(join(file, name), `${t}/${name}`, t));
      }
    else entries.push({ file, target: t, mount: t, kind: 'other' }); // the entrypoint does not descend
  }
  entries.sort(byTarget);
  return { init: entries, unreadable };
}

/** The order the entrypoint runs its scripts in: by their name in the container. */
function byTarget(a: InitEntry, b: InitEntry): number {
  return a.target < b.target ? -1 : a.target > b.target ? 1 : 0;
}

function entry(file: string, target: string, mount: string): InitEntry {
  const name = basename(target);
  const kind = /\.sql(\.gz)?$/.test(name) ? 'sql' : name.endsWith('.sh') ? 'sh' : 'other';
  return { file, target, mount, kind };
}

/** The text of a setup SQL file (gunzipped when it ends in .gz). */
export function readSqlFile(abs: string): string {
  const bytes = readFileSync(abs);
  return (abs.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Databases the init scripts create (`CREATE DATABASE x`), in order, each once. */
export function databasesCreatedBy(repoRoot: string, init: InitEntry[]): string[] {
  const names: string[] = [];
  for (const e of init.filter((i) => i.kind === 'sql')) {
    const text = readSqlFile(join(repoRoot, e.file)).replace(/--[^\n]*/g, '');
    for (const m of text.matchAll(/\bcreate\s+database\s+(?:"([^"]+)"|([A-Za-z_][\w$]*))/gi)) {
      const name = m[1] ?? m[2].toLowerCase();
      if (!names.includes(name)) names.push(name);
    }
    // The idiom for "if not exists": SELECT 'CREATE DATABASE x' WHERE NOT EXISTS (…)\gexec
    for (const m of text.matchAll(/'create\s+database\s+([A-Za-z_][\w$]*)'/gi)) {
      const name = m[1].toLowerCase();
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}
