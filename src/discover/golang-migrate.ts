/**
 * golang-migrate: `{version}_{title}.up.sql` and optional `{version}_{title}.down.sql`, ordered
 * by the unsigned integer version. Its Postgres driver sends a whole file as one multi-statement
 * string: one implicit transaction. A folder whose names carry a dialect or `.autocommit.`
 * (`1_x.postgres.up.sql`) is ory/pop's, read as pop runs it on Postgres (pop.ts).
 */
import { compareSortKeys, type Discovery, type Finding, type Migration } from '../core/model.js';
import {
  assertDirectory,
  checksumOf,
  listFileNames,
  locateDir,
  readMigrationFile,
  repoPath,
  type MigrationDir,
} from './files.js';
import {
  byVersion,
  downOrNothing,
  duplicateVersionFindings,
  scriptOf,
  type FormatModule,
} from './format.js';
import { orphanDownFinding } from '../rules/graph-findings.js';
import {
  isPopLayout,
  parsePopName,
  popNotes,
  popReason,
  selectForPostgres,
  type PopFile,
} from './pop.js';

const FILE = /^(\d+)_(.*)\.(up|down)\.sql$/;

interface NamedFile {
  name: string;
  version: string;
  title: string;
  direction: 'up' | 'down';
}

function parseName(name: string): NamedFile | undefined {
  const m = FILE.exec(name);
  return m ? { name, version: m[1], title: m[2], direction: m[3] as 'up' | 'down' } : undefined;
}

async function namedFiles(abs: string): Promise<NamedFile[]> {
  return (await listFileNames(abs)).flatMap((n) => parseName(n) ?? []);
}

async function detect(dir: string): Promise<string | undefined> {
  const names = await listFileNames(dir);
  if (isPopLayout(names)) return popReason(names.flatMap((n) => parsePopName(n) ?? []));
  const files = await namedFiles(dir);
  // `.down.sql` companions alone are plain ordered SQL with downs, not golang-migrate.
  if (!files.some((f) => f.direction === 'up')) return undefined;
  return `found ${files.length} files named {version}_{title}.up.sql or .down.sql`;
}

/** The down of an up: same version, and the same title when two ups share the version. */
function pairDowns(ups: NamedFile[], downs: NamedFile[]) {
  const pairs = new Map<NamedFile, NamedFile>();
  const orphans: NamedFile[] = [];
  for (const down of downs) {
    const sameVersion = ups.filter((u) => Number(u.version) === Number(down.version));
    const up = sameVersion.find((u) => u.title === down.title) ?? sameVersion[0];
    if (up && !pairs.has(up)) pairs.set(up, down);
    else orphans.push(down);
  }
  return { pairs, orphans };
}

async function toMigration(
  repoRoot: string,
  dir: MigrationDir,
  up: NamedFile,
  down: NamedFile | undefined,
): Promise<Migration> {
  const file = repoPath(dir, up.name);
  const downFile = down ? repoPath(dir, down.name) : undefined;
  const upSource = await readMigrationFile(repoRoot, file);
  const downSource = downFile ? await readMigrationFile(repoRoot, downFile) : undefined;
  return {
    id: up.version,
    name: up.title,
    format: 'golang-migrate',
    sortKey: [Number(up.version)],
    file,
    ...(downFile ? { downFile } : {}),
    up: scriptOf(file, upSource, 'implicit'),
    ...(downFile && downSource !== undefined
      ? { down: downOrNothing(scriptOf(downFile, downSource, 'implicit')) }
      : {}),
    checksum: checksumOf(upSource, downSource),
    state: 'new',
  };
}

async function discover(repoRoot: string, dirPath: string): Promise<Discovery> {
  const dir = locateDir(repoRoot, dirPath);
  await assertDirectory(dir);
  const names = await listFileNames(dir.abs);
  if (isPopLayout(names)) return discoverPop(repoRoot, dir, names);
  const files = await namedFiles(dir.abs);
  const ups = files.filter((f) => f.direction === 'up');
  const { pairs, orphans } = pairDowns(
    ups,
    files.filter((f) => f.direction === 'down'),
  );
  const migrations: Migration[] = [];
  for (const up of ups) migrations.push(await toMigration(repoRoot, dir, up, pairs.get(up)));
  migrations.sort(byVersion(compareSortKeys));
  const findings: Finding[] = [
    ...orphans.map((d) =>
      orphanDownFinding({ file: repoPath(dir, d.name), version: d.version }, 'golang-migrate'),
    ),
    ...duplicateVersionFindings(migrations, (m) => String(m.sortKey[0]), 'golang-migrate'),
  ];
  return { format: 'golang-migrate', reason: '', migrations, findings, notes: [] };
}

/** pop's files on Postgres: per version the most specific up and down, ordered as text. */
async function discoverPop(
  repoRoot: string,
  dir: MigrationDir,
  names: string[],
): Promise<Discovery> {
  const { chosen, shadowed, otherDialects } = selectForPostgres(
    names.flatMap((n) => parsePopName(n) ?? []),
  );
  const ups = chosen.filter((f) => f.direction === 'up');
  const downs = chosen.filter((f) => f.direction === 'down');
  const migrations: Migration[] = [];
  const paired = new Set<PopFile>();
  for (const up of ups) {
    const down = downs.find((d) => d.version === up.version && !paired.has(d));
    if (down) paired.add(down);
    migrations.push(await popMigration(repoRoot, dir, up, down));
  }
  migrations.sort(byVersion(compareSortKeys));
  const findings: Finding[] = [
    ...downs
      .filter((d) => !paired.has(d))
      .map((d) =>
        orphanDownFinding({ file: repoPath(dir, d.name), version: d.version }, 'ory/pop'),
      ),
    ...duplicateVersionFindings(migrations, (m) => m.id, 'ory/pop'),
  ];
  const autocommit = ups.filter((u) => u.autocommit).length;
  const notes = popNotes(dir.rel, otherDialects, shadowed, autocommit);
  // pop runs every version its table does not hold, a lower one too.
  return { format: 'golang-migrate', reason: '', migrations, findings, notes, outOfOrder: true };
}

/** A pop file runs in a transaction; an `.autocommit.` one is sent as one query string. */
async function popMigration(
  repoRoot: string,
  dir: MigrationDir,
  up: PopFile,
  down: PopFile | undefined,
): Promise<Migration> {
  const file = repoPath(dir, up.name);
  const downFile = down ? repoPath(dir, down.name) : undefined;
  const upSource = await readMigrationFile(repoRoot, file);
  const downSource = downFile ? await readMigrationFile(repoRoot, downFile) : undefined;
  const mode = (f: PopFile) => (f.autocommit ? 'implicit' : 'transaction');
  return {
    id: up.version,
    name: up.title,
    format: 'golang-migrate',
    sortKey: [up.version],
    file,
    ...(downFile ? { downFile } : {}),
    up: scriptOf(file, upSource, mode(up)),
    ...(down && downFile && downSource !== undefined
      ? { down: downOrNothing(scriptOf(downFile, downSource, mode(down))) }
      : {}),
    checksum: checksumOf(upSource, downSource),
    state: 'new',
  };
}

export const golangMigrate: FormatModule = {
  format: 'golang-migrate',
  priority: 10,
  expects: '{version}_{title}.up.sql (and optional .down.sql)',
  detect,
  discover,
};
