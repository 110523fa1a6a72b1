/**
 * Reading a migration directory: where it is, which files it holds, and each file's text, with
 * an InputError naming the file for anything that is not readable UTF-8 text.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { InputError, getErrorMessage } from '../core/errors.js';
import { relativeToRepo } from '../core/paths.js';

export { relativeToRepo };

/** A migration directory: absolute, and relative to the repository root with `/` separators. */
export interface MigrationDir {
  abs: string;
  rel: string;
}

export function locateDir(repoRoot: string, dir: string): MigrationDir {
  const abs = isAbsolute(dir) ? dir : resolve(repoRoot, dir);
  const rel = relativeToRepo(repoRoot, abs);
  return { abs, rel: rel === '' ? '.' : rel };
}

/** Path of a file in `dir` (or a subfolder of it) relative to the repository root. */
export function repoPath(dir: MigrationDir, ...parts: string[]): string {
  return posix.normalize(posix.join(dir.rel, ...parts));
}

export async function assertDirectory(dir: MigrationDir): Promise<void> {
  const info = await stat(dir.abs).catch(() => undefined);
  if (!info) throw new InputError(`migration directory ${dir.rel} does not exist`);
  if (!info.isDirectory()) throw new InputError(`${dir.rel} is not a directory`);
}

/** Names of the files (and symlinks) directly in `abs`, sorted; [] when it is not a folder. */
export async function listFileNames(abs: string): Promise<string[]> {
  const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => e.name)
    .sort();
}

/** Folders a migration tool never scans for scripts: hidden ones and installed packages. */
const PASSED_OVER = (name: string) => name.startsWith('.') || name === 'node_modules';

/**
 * `.sql` files in `abs` and its subfolders, relative to `abs` with `/` separators, sorted; files
 * more than `depth` folders down are not listed. [] when `abs` is not a folder.
 */
export async function listSqlFilesBelow(abs: string, depth = Infinity): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, level: number): Promise<void> => {
    const entries = await readdir(join(abs, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !PASSED_OVER(e.name) && level < depth) await walk(path, level + 1);
      else if ((e.isFile() || e.isSymbolicLink()) && e.name.endsWith('.sql')) out.push(path);
    }
  };
  await walk('', 0);
  return out.sort();
}

export async function hasEntries(abs: string): Promise<boolean> {
  return (await readdir(abs).catch(() => [])).length > 0;
}

/** A file's text for detection only: undefined when it cannot be read. */
export async function peekText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/**
 * The text of a migration file. A NUL byte (a binary file) or bytes that are not UTF-8 are
 * broken input: the production tool would send garbage to Postgres.
 */
export async function readMigrationFile(repoRoot: string, file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(repoRoot, file));
  } catch (error) {
    throw new InputError(`cannot read migration file ${file}: ${readFailure(error)}`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new InputError(
      `${file}: binary file (NUL byte on line ${lineOfByte(bytes, nul)}); a migration must be UTF-8 text`,
    );
  }
  const bad = firstNonUtf8Line(bytes);
  if (bad !== undefined) {
    throw new InputError(`${file}: not valid UTF-8 (line ${bad}); save the migration as UTF-8`);
  }
  return bytes.toString('utf8');
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file (a broken symbolic link?)';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? getErrorMessage(error);
}

function lineOfByte(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** A line is valid UTF-8 exactly when decoding and encoding it again gives the same bytes. */
function firstNonUtf8Line(bytes: Buffer): number | undefined {
  let start = 0;
  let line = 1;
  while (start <= bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl;
    const chunk = bytes.subarray(start, end);
    if (!Buffer.from(chunk.toString('utf8'), 'utf8').equals(chunk)) return line;
    if (nl < 0) return undefined;
    start = nl + 1;
    line++;
  }
  return undefined;
}

/** sha256 of a migration's up and down sources, what plan compares against the base. */
export function checksumOf(up: string, down?: string): string {
  const hash = createHash('sha256').update(up);
  if (down !== undefined) hash.update('\0').update(down);
  return hash.digest('hex');
}
