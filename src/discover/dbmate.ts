/**
 * dbmate: `{version}_{name}.sql` with `-- migrate:up` and `-- migrate:down` sections, by default
 * in db/migrations. Each section runs in a transaction unless its marker says
 * `transaction:false`; then dbmate sends the section as one string, as golang-migrate does.
 */
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import {
  compareSortKeys,
  type Discovery,
  type Migration,
  type TransactionMode,
} from '../core/model.js';
import { splitOnMarkers, type Marker } from '../sql/sections.js';
import {
  assertDirectory,
  checksumOf,
  listFileNames,
  locateDir,
  peekText,
  readMigrationFile,
  repoPath,
} from './files.js';
import {
  byVersion,
  downOrNothing,
  duplicateVersionFindings,
  scriptFromStatements,
  type FormatModule,
} from './format.js';

const FILE = /^(\d+)_(.*)\.sql$/;
const MARKER = /^--\s*migrate:(up|down)\b(.*)$/;
const UP_MARKER = /^--\s*migrate:up\b/m;
export const DBMATE_DEFAULT_DIR = 'db/migrations';

async function countMarked(dir: string): Promise<number> {
  let count = 0;
  for (const name of (await listFileNames(dir)).filter((n) => FILE.test(n))) {
    if (UP_MARKER.test((await peekText(join(dir, name))) ?? '')) count++;
  }
  return count;
}

/** The directory itself, or its db/migrations (dbmate's default) when only that holds migrations. */
async function migrationsHome(dir: string): Promise<{ dir: string; sub: boolean; count: number }> {
  const here = await countMarked(dir);
  if (here > 0) return { dir, sub: false, count: here };
  const nested = join(dir, DBMATE_DEFAULT_DIR);
  return { dir: nested, sub: true, count: await countMarked(nested) };
}

async function detect(dir: string): Promise<string | undefined> {
  const home = await migrationsHome(dir);
  if (home.count === 0) return undefined;
  const where = home.sub ? ` in ${DBMATE_DEFAULT_DIR}` : '';
  return `found ${home.count} .sql files with a "-- migrate:up" section${where}`;
}

function modeOf(marker: Marker): TransactionMode {
  // dbmate then sends the section as one string: Postgres runs several statements in it as one
  // implicit transaction, so CONCURRENTLY only works alone in its section.
  return /\btransaction\s*:\s*false\b/i.test(marker.match[2]) ? 'implicit' : 'transaction';
}

async function toMigration(repoRoot: string, file: string, version: string, name: string) {
  const source = await readMigrationFile(repoRoot, file);
  const sections = splitOnMarkers(source, file, MARKER);
  const section = (which: 'up' | 'down') => {
    const found = sections.find((s) => s.marker.match[1] === which);
    return found && scriptFromStatements(file, found.statements, modeOf(found.marker));
  };
  const up = section('up');
  if (!up) {
    throw new InputError(
      `${file}: no "-- migrate:up" line; dbmate refuses a migration without one`,
    );
  }
  const written = section('down');
  const down = downOrNothing(written);
  const migration: Migration = {
    id: version,
    name,
    format: 'dbmate',
    sortKey: [Number(version)],
    file,
    up,
    ...(down ? { down } : written ? { emptyDown: true } : {}),
    checksum: checksumOf(source),
    state: 'new',
  };
  return migration;
}

async function discover(repoRoot: string, dirPath: string): Promise<Discovery> {
  const given = locateDir(repoRoot, dirPath);
  await assertDirectory(given);
  const home = await migrationsHome(given.abs);
  const nested = home.sub && home.count > 0;
  const dir = nested ? locateDir(repoRoot, home.dir) : given;
  const migrations: Migration[] = [];
  for (const name of await listFileNames(dir.abs)) {
    const m = FILE.exec(name);
    if (m) migrations.push(await toMigration(repoRoot, repoPath(dir, name), m[1], m[2]));
  }
  migrations.sort(byVersion(compareSortKeys));
  const findings = duplicateVersionFindings(migrations, (m) => m.id, 'dbmate');
  const notes = nested
    ? [`dbmate migrations read from ${dir.rel}, dbmate's default directory`]
    : [];
  return { format: 'dbmate', reason: '', migrations, findings, notes };
}

export const dbmate: FormatModule = {
  format: 'dbmate',
  priority: 40,
  expects: '{version}_{name}.sql with "-- migrate:up" / "-- migrate:down" sections',
  detect,
  discover,
};
