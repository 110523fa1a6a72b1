/**
 * ory/pop's SQL migrations (gobuffalo/pop and Ory's popx, used by Kratos, Hydra and Keto):
 * golang-migrate-like names with a dialect and an autocommit flag,
 * `{version}_{name}[.{dialect}][.autocommit].{up|down}.sql`. For each version and direction the
 * migrator keeps the files for its dialect or for every dialect (no dialect in the name), and
 * runs the most specific one only: `x.postgres.up.sql` when there is one, else `x.up.sql`.
 * Versions are compared as text and recorded in `schema_migration (version varchar(48))`.
 * Each file runs in a transaction; an `.autocommit.` file is sent as it is, without one.
 */
import type { Migration } from '../core/model.js';

/** Dialect names pop and popx accept in a file name, and the database each one is. */
const DIALECTS: Record<string, string> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  pg: 'postgres',
  pgx: 'postgres',
  mysql: 'mysql',
  mariadb: 'mariadb',
  cockroach: 'cockroach',
  cockroachdb: 'cockroach',
  crdb: 'cockroach',
  sqlite: 'sqlite3',
  sqlite3: 'sqlite3',
  mssql: 'sqlserver',
  sqlserver: 'sqlserver',
  clickhouse: 'clickhouse',
};

const POP_FILE = /^(\d+)_(.*?)(?:\.([a-z0-9]+))?(\.autocommit)?\.(up|down)\.sql$/;

/** The largest version golang-migrate reads (uint64); a longer one is pop's. */
const UINT64_MAX = 18446744073709551615n;

export interface PopFile {
  name: string;
  version: string;
  title: string;
  direction: 'up' | 'down';
  /** `all` when the name has no dialect. */
  dialect: string;
  autocommit: boolean;
}

/** A file name read as pop reads it, or undefined when it is not one of pop's. */
export function parsePopName(name: string): PopFile | undefined {
  const m = POP_FILE.exec(name);
  if (!m) return undefined;
  const [, version, title, dialectOrFlag, flag, direction] = m;
  // `x.autocommit.up.sql`: the flag in the dialect's place, as popx reads it.
  const autocommit = flag !== undefined || dialectOrFlag === 'autocommit';
  const infix = dialectOrFlag === 'autocommit' && !flag ? undefined : dialectOrFlag;
  // An infix that is no dialect belongs to the title (`1_add.users.up.sql` in golang-migrate).
  if (infix !== undefined && !DIALECTS[infix]) return undefined;
  return {
    name,
    version,
    title,
    direction: direction as 'up' | 'down',
    dialect: infix === undefined ? 'all' : DIALECTS[infix],
    autocommit,
  };
}

/** Names that only pop gives: a dialect or `.autocommit.`, or a version past uint64. */
export function isPopLayout(names: string[]): boolean {
  return names.some((n) => {
    const f = parsePopName(n);
    return (
      f !== undefined && (f.dialect !== 'all' || f.autocommit || BigInt(f.version) > UINT64_MAX)
    );
  });
}

/**
 * The files pop runs on Postgres, per version and direction the most specific, and the files of
 * other dialects that it never runs, counted by dialect.
 */
export function selectForPostgres(files: PopFile[]): {
  chosen: PopFile[];
  shadowed: PopFile[];
  otherDialects: Map<string, number>;
} {
  const otherDialects = new Map<string, number>();
  const best = new Map<string, PopFile[]>();
  for (const f of files) {
    if (f.dialect !== 'all' && f.dialect !== 'postgres') {
      otherDialects.set(f.dialect, (otherDialects.get(f.dialect) ?? 0) + 1);
      continue;
    }
    const key = `${f.direction} ${f.version}`;
    const held = best.get(key) ?? [];
    const rank = (x: PopFile) => (x.dialect === 'postgres' ? 1 : 0);
    if (held.length === 0 || rank(f) > rank(held[0])) best.set(key, [f]);
    else if (rank(f) === rank(held[0])) held.push(f);
  }
  const chosen = [...best.values()].flat();
  const shadowed = files.filter(
    (f) => (f.dialect === 'all' || f.dialect === 'postgres') && !chosen.includes(f),
  );
  return { chosen, shadowed, otherDialects };
}

/**
 * A migration read from pop's layout: its sort key is the version as text, as pop compares
 * versions (and as no golang-migrate migration's is). The version table follows from it.
 */
export function isPopMigration(m: Migration): boolean {
  return m.format === 'golang-migrate' && typeof m.sortKey[0] === 'string';
}

/** What the format line says about a pop folder. */
export function popReason(files: PopFile[]): string {
  const { chosen, otherDialects } = selectForPostgres(files);
  const ups = chosen.filter((f) => f.direction === 'up').length;
  const others = [...otherDialects.keys()].sort().join(', ');
  return `ory/pop layout: found ${files.length} files named {version}_{name}[.dialect][.autocommit].up.sql or .down.sql; ${ups} up migration(s) run on PostgreSQL (the .postgres. file of a version, else the one without a dialect)${others ? `; files for ${others} not read` : ''}`;
}

/** Notes: the dialect files passed over and the generic files a Postgres one replaces. */
export function popNotes(
  dirRel: string,
  otherDialects: Map<string, number>,
  shadowed: PopFile[],
  autocommit: number,
): string[] {
  const counts = [...otherDialects.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([d, n]) => `${n} ${d}`)
    .join(', ');
  return [
    ...(counts
      ? [
          `${dirRel}: files for other databases are not replayed (${counts}); ory/pop runs only the files of its dialect and those without one`,
        ]
      : []),
    ...(shadowed.length > 0
      ? [
          `${dirRel}: ${shadowed.length} file(s) without a dialect are not replayed because a .postgres. file of the same version replaces them on PostgreSQL (${shadowed
            .slice(0, 3)
            .map((f) => f.name)
            .join(', ')}${shadowed.length > 3 ? ', …' : ''})`,
        ]
      : []),
    ...(autocommit > 0
      ? [
          `${dirRel}: ${autocommit} .autocommit. migration(s) run without a transaction, each file sent as one query string`,
        ]
      : []),
  ];
}
