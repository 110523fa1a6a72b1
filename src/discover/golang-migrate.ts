/**
 * golang-migrate: `{version}_{title}.up.sql` and optional `{version}_{title}.down.sql`, ordered
 * by the unsigned integer version. Its Postgres driver sends a whole file as one multi-statement
 * string: one implicit transaction.
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

export const golangMigrate: FormatModule = {
  format: 'golang-migrate',
  priority: 10,
  expects: '{version}_{title}.up.sql (and optional .down.sql)',
  detect,
  discover,
};
