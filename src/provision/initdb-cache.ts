import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childEnv } from '../core/child-env.js';
import { dataDirChecksum } from './manifest.js';
import { initDataDir, makeWorkDir, type Binaries, type OsUser } from './server.js';

/**
 * initdb takes 0.6–2 s on a busy 2-core machine; copying an initialised directory takes a
 * fraction of that. The temp dir keeps one pristine initialised cluster per set of binaries
 * (keyed by their content, so checkouts with the same binaries share it) and per user running
 * schemagate: `schemagate-initdb-<key>/{data,meta.json}`. It is built in the run's directory and
 * renamed into place complete, so a concurrent run sees either no entry or a complete one. It
 * belongs to the user running schemagate (root when that is root), never to the server's user:
 * no server ever runs on it, each cluster gets a copy owned by the server's user. Entries whose
 * binaries are gone or changed, and the older `sg-initdb-cache-*` layout, are removed.
 * meta.json records a checksum of the data directory (every path, type, mode, size and content,
 * see manifest.ts) taken when the entry is made; it is checked before every copy, and an entry
 * that no longer matches is discarded and rebuilt (with a note in the report): the servers run
 * the PR's SQL, so nothing they could have touched is reused unchecked.
 * SCHEMAGATE_INITDB_CACHE=off always runs initdb.
 */

export const CACHE_PREFIX = 'schemagate-initdb-';
const LEGACY_PREFIX = 'sg-initdb-cache-';

const execFileAsync = promisify(execFile);

interface EntryMeta {
  version: string;
  postgres: string;
  size: number;
  mtimeMs: number;
  /** sha256 of the data directory's manifest (dataDirChecksum). */
  checksum?: string;
}

/** Initialises `dataDir`, from the cache when it can; returns a note when the cache was bad. */
export async function initDataDirCached(
  bins: Binaries,
  dataDir: string,
  user: OsUser | undefined,
): Promise<string | undefined> {
  if (process.env.SCHEMAGATE_INITDB_CACHE === 'off') {
    await initDataDir(bins, dataDir, user);
    return undefined;
  }
  const entry = join(tmpdir(), `${CACHE_PREFIX}${await cacheKey(bins)}`);
  removeStaleEntries(entry, user);
  if (existsSync(entry) && !ownedByUs(entry)) {
    await initDataDir(bins, dataDir, user);
    return undefined;
  }
  if (!isComplete(entry)) await fillCache(bins, entry, user);
  const check = verifyEntry(entry);
  let note: string | undefined;
  if (check !== 'ok') {
    if (check === 'changed')
      note = `the cached initdb cluster ${entry} no longer matched its checksum; it was discarded and rebuilt`;
    removeEntry(entry);
    await fillCache(bins, entry, user);
  }
  try {
    if (check !== 'ok' && verifyEntry(entry) !== 'ok') throw new Error('unverified');
    await copyEntry(entry, dataDir, user);
  } catch {
    // The entry vanished, is unreadable or changed again: fall back to initdb.
    rmSync(dataDir, { recursive: true, force: true });
    await initDataDir(bins, dataDir, user);
  }
  return note;
}

/**
 * `ok` when the entry's data directory matches the checksum it was made with; `changed` when it
 * does not; `unknown` when there is no checksum to check (an entry of an older version).
 */
function verifyEntry(entry: string): 'ok' | 'changed' | 'unknown' {
  let meta: EntryMeta;
  try {
    meta = JSON.parse(readFileSync(join(entry, 'meta.json'), 'utf8')) as EntryMeta;
  } catch {
    return 'unknown';
  }
  if (!meta.checksum) return 'unknown';
  try {
    return dataDirChecksum(join(entry, 'data')) === meta.checksum ? 'ok' : 'changed';
  } catch {
    return 'changed';
  }
}

const keys = new Map<string, string>();

/** The binaries' content, the initdb options' version and the user the entry belongs to. */
export async function cacheKey(bins: Binaries): Promise<string> {
  const id = [bins.initdb, bins.postgres].map((f) => fileId(f)).join('|');
  let key = keys.get(id);
  if (!key) {
    const hash = createHash('sha256').update(`v2\0${process.getuid?.() ?? ''}\0`);
    for (const file of [bins.initdb, bins.postgres]) hash.update(await readFile(file));
    key = hash.digest('hex').slice(0, 16);
    keys.set(id, key);
  }
  return key;
}

function fileId(file: string): string {
  const real = realpathSync(file);
  const stat = statSync(real);
  return `${real}\0${stat.size}\0${stat.mtimeMs}`;
}

function isComplete(entry: string): boolean {
  return existsSync(join(entry, 'meta.json')) && existsSync(join(entry, 'data', 'PG_VERSION'));
}

/**
 * A directory of ours, writable by us alone: another user's entry (names in the temp dir are
 * predictable) is neither copied nor removed.
 */
function ownedByUs(path: string): boolean {
  return ownedBy(path, { uid: process.getuid?.() ?? -1, gid: 0 });
}

function ownedBy(path: string, user: OsUser | undefined): boolean {
  try {
    const stat = lstatSync(path);
    return stat.isDirectory() && stat.uid === user?.uid && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Initialises into the run's directory, then renames it into place (atomic; first one wins). */
async function fillCache(bins: Binaries, entry: string, user: OsUser | undefined) {
  const staging = makeWorkDir(user, 'initdb-');
  try {
    await initDataDir(bins, join(staging, 'data'), user);
    // From now on the server's user can neither write nor read it.
    if (user)
      await execFileAsync('chown', ['-R', `${process.getuid?.()}:${process.getgid?.()}`, staging], {
        env: childEnv(),
      });
    const postgres = realpathSync(bins.postgres);
    const stat = statSync(postgres);
    const meta: EntryMeta = {
      version: readFileSync(join(staging, 'data', 'PG_VERSION'), 'utf8').trim(),
      postgres,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      checksum: dataDirChecksum(join(staging, 'data')),
    };
    writeFileSync(join(staging, 'meta.json'), JSON.stringify(meta) + '\n');
    if (existsSync(entry)) removeEntry(entry); // incomplete: replaced
    renameSync(staging, entry);
  } catch {
    // Another run filled it first, or the temp dir is read-only: copying falls back to initdb.
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** `cp -a` keeps the 0700 mode Postgres insists on; the copy then belongs to the server's user. */
async function copyEntry(entry: string, dataDir: string, user: OsUser | undefined) {
  await execFileAsync('cp', ['-a', join(entry, 'data'), dataDir], { env: childEnv() });
  if (user)
    await execFileAsync('chown', ['-R', `${user.uid}:${user.gid}`, dataDir], { env: childEnv() });
}

/** Removes other entries whose binaries are gone or changed, and entries of the older layout. */
export function removeStaleEntries(keep: string, legacyOwner: OsUser | undefined): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(tmpdir(), name);
    if (path === keep) continue;
    if (name.startsWith(CACHE_PREFIX) && ownedByUs(path) && isStale(path)) removeEntry(path);
    // The older layout belonged to the server's user.
    if (name.startsWith(LEGACY_PREFIX) && (ownedByUs(path) || ownedBy(path, legacyOwner)))
      removeEntry(path);
  }
}

function isStale(entry: string): boolean {
  if (entry.includes('.trash-')) return true;
  let meta: EntryMeta;
  try {
    meta = JSON.parse(readFileSync(join(entry, 'meta.json'), 'utf8')) as EntryMeta;
  } catch {
    return true; // entries are renamed into place with their meta.json: this one is broken
  }
  try {
    const stat = statSync(meta.postgres);
    return stat.size !== meta.size || stat.mtimeMs !== meta.mtimeMs;
  } catch {
    return true;
  }
}

/** Renamed away first, so that a concurrent copy fails (and falls back) instead of copying half. */
function removeEntry(entry: string): void {
  const trash = entry.includes('.trash-')
    ? entry
    : `${entry}.trash-${randomBytes(4).toString('hex')}`;
  try {
    if (trash !== entry) renameSync(entry, trash);
    rmSync(trash, { recursive: true, force: true });
  } catch {
    // Someone else's (sticky temp dir), or already being removed.
  }
}
