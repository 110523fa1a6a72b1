/**
 * Plain ordered `.sql` files, applied in natural file-name order (`2_x.sql` before `10_x.sql`),
 * each in a transaction (`transaction: none`: each statement on its own), except a file with a
 * runner's no-transaction directive. Downs are `X.down.sql`, `X_down.sql` or `down/X.sql`, paired with the
 * up `X.sql` (or `X.up.sql`, `X_up.sql`) when exactly one up and one down share the name.
 * A file with sql-migrate's `-- +migrate Up` / `-- +migrate Down` sections, or tern's
 * `---- create above / drop below ----`, holds its own down; Atlas' `-- atlas:txmode none`
 * sends a file without a transaction (plain-runners.ts).
 * Release folders (`0.1/`, `0.2/`, …) are read too, in version order (plain-layout.ts).
 */
import { compareSortKeys, type Discovery, type Finding, type Migration } from '../core/model.js';
import type { Settings } from '../core/settings.js';
import { journalListsNone } from './drizzle.js';
import {
  assertDirectory,
  checksumOf,
  locateDir,
  peekText,
  readMigrationFile,
  repoPath,
  type MigrationDir,
} from './files.js';
import { byVersion, downOrNothing, scriptOf, type FormatModule } from './format.js';
import {
  SQL_MIGRATE_UP,
  TERN_SPLIT,
  atlasTxMode,
  runnerSections,
  transactionOf,
} from './plain-runners.js';
import { orphanDownFinding } from '../rules/graph-findings.js';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import {
  layoutNotes,
  layoutReason,
  plainLayout,
  snapshotsOnly,
  snapshotsOnlyError,
  versionedKey,
  type PlainLayout,
} from './plain-layout.js';

const DOWN_SUFFIX = /[._]down$/i;
const UP_SUFFIX = /[._]up$/i;

interface SqlFile {
  /** Name relative to the migration directory (`down/x.sql` for the down folder). */
  path: string;
  stem: string;
}

/** `2_x` → [2, '_x']: numbers compare as numbers, the rest as text. */
export function naturalKey(name: string): Array<number | string> {
  return (name.match(/\d+|\D+/g) ?? []).map((part) => (/^\d/.test(part) ? Number(part) : part));
}

async function sqlFiles(abs: string) {
  const ups: SqlFile[] = [];
  const downs: SqlFile[] = [];
  const layout = await plainLayout(abs);
  for (const path of layout.files) {
    const base = path.slice(0, -'.sql'.length);
    if (path.startsWith('down/')) {
      downs.push({ path, stem: base.slice('down/'.length).replace(DOWN_SUFFIX, '') });
    } else if (DOWN_SUFFIX.test(base)) {
      downs.push({ path, stem: base.replace(DOWN_SUFFIX, '') });
    } else ups.push({ path, stem: base.replace(UP_SUFFIX, '') });
  }
  return { ups, downs, layout };
}

async function detect(dir: string): Promise<string | undefined> {
  const { ups, layout } = await sqlFiles(dir);
  if (ups.length === 0) return undefined;
  if (layout.versionFolders.length > 0 || layout.ignored.length > 0) {
    return layoutReason(layout, ups.length);
  }
  const unlisted = await journalListsNone(dir);
  if (unlisted !== undefined) {
    return `meta/_journal.json lists none of the ${unlisted} .sql files: read as plain SQL`;
  }
  const texts = await Promise.all(ups.map((u) => peekText(join(dir, u.path))));
  const count = (test: (t: string) => boolean) => texts.filter((t) => t && test(t)).length;
  const sqlMigrate = count((t) => SQL_MIGRATE_UP.test(t));
  const found = `found ${ups.length} .sql files, applied in file-name order`;
  return [
    sqlMigrate > 0 ? `${found} (${sqlMigrate} with sql-migrate's "-- +migrate Up" section)` : found,
    ...runnerReasons(dir, count),
  ].join('; ');
}

/** What the format line says about tern and Atlas folders. */
function runnerReasons(dir: string, count: (test: (t: string) => boolean) => number): string[] {
  const tern = count((t) => t.includes(TERN_SPLIT));
  const atlasNone = count((t) => atlasTxMode(t) === 'none');
  const ternConf = existsSync(join(dir, 'tern.conf'));
  const atlasSum = existsSync(join(dir, 'atlas.sum'));
  const none = `${atlasNone} with "-- atlas:txmode none" run each statement on its own`;
  return [
    ...(tern > 0
      ? [
          `tern${ternConf ? ' (tern.conf)' : ''}: ${tern} split at "${TERN_SPLIT}", the up above and the down below`,
        ]
      : []),
    ...(atlasSum
      ? [`Atlas (atlas.sum): each file in a transaction${atlasNone > 0 ? `, ${none}` : ''}`]
      : atlasNone > 0
        ? [none]
        : []),
  ];
}

function pairDowns(dir: MigrationDir, ups: SqlFile[], downs: SqlFile[]) {
  const pairs = new Map<SqlFile, SqlFile>();
  const findings: Finding[] = [];
  const notes: string[] = [];
  const count = (list: SqlFile[], stem: string) => list.filter((f) => f.stem === stem).length;
  for (const down of downs) {
    const matching = ups.filter((u) => u.stem === down.stem);
    if (matching.length === 0) {
      findings.push(
        orphanDownFinding({ file: repoPath(dir, down.path), version: down.stem }, 'plain'),
      );
    } else if (matching.length === 1 && count(downs, down.stem) === 1) {
      pairs.set(matching[0], down);
    } else {
      notes.push(
        `${repoPath(dir, down.path)} matches more than one up or down file; it is not used as a down`,
      );
    }
  }
  return { pairs, findings, notes };
}

async function toMigration(
  repoRoot: string,
  dir: MigrationDir,
  setting: Settings['transaction'],
  layout: PlainLayout,
  up: SqlFile,
  down?: SqlFile,
) {
  const file = repoPath(dir, up.path);
  const downFile = down ? repoPath(dir, down.path) : undefined;
  const source = await readMigrationFile(repoRoot, file);
  const downSource = downFile ? await readMigrationFile(repoRoot, downFile) : undefined;
  const sections = runnerSections(source, file, setting);
  const downScript = sections
    ? downOrNothing(sections.down)
    : downFile && downSource !== undefined
      ? downOrNothing(scriptOf(downFile, downSource, transactionOf(downSource, setting)))
      : undefined;
  const migration: Migration = {
    id: up.stem,
    name: posix.basename(up.stem).replace(/^\d+[._-]*/, '') || posix.basename(up.stem),
    format: 'plain',
    sortKey:
      layout.versionFolders.length > 0 ? versionedKey(up.stem, naturalKey) : naturalKey(up.stem),
    file,
    ...(downFile ? { downFile } : {}),
    up: sections?.up ?? scriptOf(file, source, transactionOf(source, setting)),
    ...(downScript ? { down: downScript } : {}),
    checksum: checksumOf(source, downSource),
    state: 'new',
  };
  return migration;
}

async function discover(
  repoRoot: string,
  dirPath: string,
  settings?: Settings,
): Promise<Discovery> {
  const setting = settings?.transaction ?? 'file';
  const dir = locateDir(repoRoot, dirPath);
  await assertDirectory(dir);
  const { ups, downs, layout } = await sqlFiles(dir.abs);
  // A lone schema.sql is no history: say so rather than replay it as one migration.
  const snapshots = snapshotsOnly(layout);
  if (snapshots) throw snapshotsOnlyError(dir.rel, snapshots);
  const { pairs, findings, notes } = pairDowns(dir, ups, downs);
  const migrations: Migration[] = [];
  for (const up of ups) {
    migrations.push(await toMigration(repoRoot, dir, setting, layout, up, pairs.get(up)));
  }
  migrations.sort(byVersion(compareSortKeys));
  return {
    format: 'plain',
    reason: '',
    migrations,
    findings,
    notes: [...layoutNotes(dir, layout), ...notes],
    ...(layout.snapshots.length > 0
      ? { snapshots: layout.snapshots.map((s) => posix.join(dir.rel, s)) }
      : {}),
  };
}

export const plain: FormatModule = {
  format: 'plain',
  priority: 1000,
  expects: '.sql files applied in file-name order',
  detect,
  discover,
};
