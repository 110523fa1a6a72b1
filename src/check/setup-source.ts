import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { composePostgres } from '../config/compose.js';
import { escapeRegExp } from '../core/regexp.js';

/**
 * Where in the repository a schema or role that the merged history expects is made, outside the
 * migrations: a shell init script of the compose file's Postgres (which schemagate does not run),
 * or an SQL file (a `hack/init_postgres.sql`, a `db/init.sql`) that a Dockerfile or a script
 * feeds to the server before the migrations run. The setup diagnosis names it, so the one
 * setting it gives is the file the team already keeps.
 */

export interface SetupSource {
  /** Path relative to the repository root. */
  file: string;
  /** How the server gets it, as the remedy says it. */
  how: 'compose-shell' | 'sql';
  /** The compose file that mounts it (compose-shell only). */
  compose?: string;
  /** The Dockerfile line that copies it in instead (compose-shell only). */
  copiedBy?: string;
}

/** What a statement that makes the object looks like, for the kinds a script makes before migrations. */
function makes(kind: string, name: string): RegExp | undefined {
  const ident = `(?:"${escapeRegExp(name)}"|${escapeRegExp(name)}(?![\\w$]))`;
  if (kind === 'schema')
    return new RegExp(`\\bcreate\\s+schema\\s+(?:if\\s+not\\s+exists\\s+)?${ident}`, 'i');
  if (kind === 'role') return new RegExp(`\\bcreate\\s+(?:role|user)\\s+${ident}`, 'i');
  return undefined;
}

/** The repository's file that makes schema or role `name`, outside the migrations folder. */
export function setupSourceOf(
  repoRoot: string,
  migrationsDir: string,
  kind: string,
  name: string,
): SetupSource | undefined {
  const pattern = makes(kind, name);
  if (!pattern) return undefined;
  const compose = composePostgres(repoRoot);
  // A shell script names it through a variable (`CREATE SCHEMA ${SCHEMA_NAME}`, set above).
  const named = new RegExp(`(^|[^\\w$])${escapeRegExp(name)}([^\\w$]|$)`, 'm');
  const creates = kind === 'schema' ? /\bcreate\s+schema\b/i : /\bcreate\s+(?:role|user)\b/i;
  for (const e of compose?.init ?? []) {
    const text = e.kind === 'sh' ? readText(join(repoRoot, e.file)) : undefined;
    if (text && (pattern.test(text) || (creates.test(text) && named.test(text))))
      return {
        file: e.file,
        how: 'compose-shell',
        compose: compose!.file,
        ...(e.copiedBy ? { copiedBy: e.copiedBy } : {}),
      };
  }
  const inMigrations = (file: string) =>
    migrationsDir !== '.' && (file === migrationsDir || file.startsWith(`${migrationsDir}/`));
  for (const file of sqlFiles(repoRoot))
    if (!inMigrations(file) && readText(join(repoRoot, file))?.match(pattern))
      return { file, how: 'sql' };
  return undefined;
}

/** The remedy that names the file: as the setting's value, or as the SQL to put in one. */
export function setupSourceRemedy(source: SetupSource, kind: string, name: string): string {
  if (source.how === 'sql')
    return `\`setup: [${source.file}]\` in .schemagate.yml: ${source.file} creates ${kind} ${name}, and production's server ran it before the migrations (setup runs it before the merged history).`;
  const brings = source.copiedBy
    ? `${source.copiedBy} (the Dockerfile ${source.compose} builds Postgres from) copies ${source.file}`
    : `${source.compose} mounts ${source.file}`;
  return `${brings} into /docker-entrypoint-initdb.d, a shell script schemagate does not run, and it creates ${kind} ${name}: put its SQL in a .sql file and list that in \`setup:\` in .schemagate.yml (an ALTER DATABASE … SET search_path there is followed: name the database as POSTGRES_DB does, or with current_database() in a DO block).`;
}

/** Folders whose SQL is not what prepares a server: dependencies, outputs, tests, other migrations. */
const SKIP =
  /^(node_modules|vendor|dist|build|target|testdata|tests?|__tests__|spec|fixtures|examples?|docs?|migrations?|migrate)$/i;

/** What a file that prepares the server before migrations is called (`hack/init_postgres.sql`). */
const PREPARES = /(init|setup|bootstrap|prepare|roles)/i;
const MAX_DEPTH = 4;
const MAX_FILES = 2000;
const MAX_BYTES = 1 << 20;

/**
 * `.sql` files of the repository named as a server's preparation, shallow first, within bounds (a
 * monorepo can be large).
 */
function sqlFiles(repoRoot: string): string[] {
  const out: string[] = [];
  let seen = 0;
  let level = [repoRoot];
  for (let depth = 0; depth <= MAX_DEPTH && level.length && seen < MAX_FILES; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith('.') || SKIP.test(name) || ++seen > MAX_FILES) continue;
        const abs = join(dir, name);
        const stat = statSafe(abs);
        if (stat?.isDirectory()) next.push(abs);
        else if (
          stat?.isFile() &&
          /\.sql$/.test(name) &&
          PREPARES.test(name) &&
          stat.size <= MAX_BYTES
        )
          out.push(relative(repoRoot, abs));
      }
    }
    level = next;
  }
  return out;
}

function statSafe(abs: string) {
  try {
    return statSync(abs);
  } catch {
    return undefined;
  }
}

function readText(abs: string): string | undefined {
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
}
