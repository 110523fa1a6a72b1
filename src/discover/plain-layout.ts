/**
 * Which `.sql` files of a plain folder are migrations. Besides the folder's own files, projects
 * keep one folder per release (memos: `0.1/00__init.sql`, `0.2/00__memo_id.sql`, …), applied in
 * version order and by file name within each; a file without a version beside such folders
 * (`LATEST.sql`, `schema.sql`) is the schema of a fresh install, not a step. Files in any other
 * subfolder are not read, and the notes name them: nothing below the folder is passed over silently.
 */
import { InputError } from '../core/errors.js';
import { listSqlFilesBelow, repoPath, type MigrationDir } from './files.js';

/** `0.1`, `0.31`, `1.2.3`, `v2`, `2024-01`, `007`: a folder named as a release. */
const VERSION_FOLDER = /^v?\d+(?:[._-]\d+)*$/i;
/** Sort-key slots for a version folder's numbers (1.2.3.4.5.6 at most); unused slots sort first. */
const VERSION_SLOTS = 6;
/** How many ignored files a note names before it counts the rest. */
const NAMED = 5;

export interface PlainLayout {
  /** Files that are migrations (or their downs), relative to the folder. */
  files: string[];
  /** Version folders that hold some of them, in version order. */
  versionFolders: string[];
  /** Unversioned files beside version folders: schema snapshots, not replayed. */
  snapshots: string[];
  /** `.sql` files in other subfolders, not read. */
  ignored: string[];
}

export async function plainLayout(abs: string): Promise<PlainLayout> {
  const own: string[] = [];
  const inVersions: string[] = [];
  const ignored: string[] = [];
  for (const path of await listSqlFilesBelow(abs)) {
    const parts = path.split('/');
    if (parts.length === 1) own.push(path);
    else if (parts.length === 2 && parts[0] === 'down') own.push(path);
    else if (parts.length === 2 && VERSION_FOLDER.test(parts[0])) inVersions.push(path);
    else ignored.push(path);
  }
  const versionFolders = [...new Set(inVersions.map((p) => p.split('/')[0]))].sort((a, b) =>
    compareParts(versionParts(a), versionParts(b)),
  );
  const unversioned = (p: string) => !p.includes('/') && !/^v?\d/i.test(p);
  const snapshots = versionFolders.length > 0 ? own.filter(unversioned) : [];
  return {
    files: [...own.filter((p) => !snapshots.includes(p)), ...inVersions],
    versionFolders,
    snapshots,
    ignored,
  };
}

function versionParts(folder: string): number[] {
  return (folder.match(/\d+/g) ?? []).map(Number);
}

function compareParts(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The ordering key of a file in a layout with version folders: the folder's numbers (0.2 before
 * 0.10, 0.2 before 0.2.1), then the file's natural key; the folder's own files come first.
 */
export function versionedKey(
  path: string,
  fileKey: (name: string) => Array<number | string>,
): Array<number | string> {
  const slash = path.indexOf('/');
  const folder = slash < 0 || path.startsWith('down/') ? '' : path.slice(0, slash);
  const parts = versionParts(folder);
  const slots = Array.from({ length: VERSION_SLOTS }, (_, i) => parts[i] ?? -1);
  return [...slots, ...fileKey(path.slice(slash + 1))];
}

/** What the format line adds about version folders and files not read. */
export function layoutReason(layout: PlainLayout, count: number): string {
  const { versionFolders: folders, snapshots, ignored } = layout;
  const range = folders.length > 1 ? `${folders[0]}/ to ${folders.at(-1)}/` : `${folders[0]}/`;
  const parts = [
    folders.length > 0
      ? `found ${count} .sql files in ${folders.length} version folder(s), ${range}, applied in version order, then by file name within each`
      : `found ${count} .sql files, applied in file-name order`,
    ...(snapshots.length > 0
      ? [`${snapshots.join(', ')} beside them is a snapshot, not replayed`]
      : []),
    ...(ignored.length > 0 ? [`${ignored.length} .sql file(s) in other subfolders not read`] : []),
  ];
  return parts.join('; ');
}

/** Notes naming the snapshots and the files in subfolders that are not read. */
export function layoutNotes(dir: MigrationDir, layout: PlainLayout): string[] {
  const { snapshots, ignored } = layout;
  const named = ignored.slice(0, NAMED).map((p) => repoPath(dir, p));
  const more = ignored.length > NAMED ? ` and ${ignored.length - NAMED} more` : '';
  return [
    ...snapshots.map(
      (s) =>
        `${repoPath(dir, s)} is beside version folders and has no version in its name: taken as a snapshot of the whole schema (what a fresh install creates), not a migration, and not replayed`,
    ),
    ...(ignored.length > 0
      ? [
          `${ignored.length} .sql file(s) in subfolders of ${dir.rel} are not read: ${named.join(', ')}${more}. Only the folder's own files, down/ and version folders (0.1/, 2/, v3/) hold migrations here; check a subfolder on its own to replay it`,
        ]
      : []),
  ];
}

/** Names projects give a dump of the whole schema (Rails' structure.sql, memos' LATEST.sql). */
const SNAPSHOT_NAME = /^(?:schema|structure|latest|dump|db[_-]?schema|schema[_-]dump)\.sql$/i;

/**
 * The folder's `.sql` files when every one is named as a whole-schema snapshot (a lone
 * `schema.sql` at a repository's root): such a folder holds no migrations. Undefined otherwise.
 */
export function snapshotsOnly(layout: PlainLayout): string[] | undefined {
  const own = layout.files.filter((p) => !p.includes('/'));
  if (layout.versionFolders.length > 0 || own.length === 0 || own.length < layout.files.length)
    return undefined;
  return own.every((p) => SNAPSHOT_NAME.test(p)) ? own : undefined;
}

/** The input error for a folder whose only .sql files are schema snapshots. */
export function snapshotsOnlyError(rel: string, snapshots: string[]): InputError {
  const files = snapshots.map((s) => (rel === '.' ? s : `${rel}/${s}`));
  const named = files.join(', ');
  const what = files.length === 1 ? 'is a schema snapshot' : 'are schema snapshots';
  return new InputError(
    `no migrations in ${rel}: ${named} ${what} by its name (the whole schema a fresh install creates), not a history of migrations to replay. Check the folder that holds the SQL migrations (schemagate check DIR, or migrations: DIR in .schemagate.yml; projects keep them in migrations/, db/migrations/, sql/migrations/ or internal/db/migrations/); to start that replay from this schema, set baseline: ${files[0]}`,
  );
}
