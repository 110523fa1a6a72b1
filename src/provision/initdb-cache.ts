import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { initDataDir, makeWorkDir, type Binaries, type OsUser } from './server.js';

/**
 * initdb takes 0.6–2 s on a busy 2-core machine; copying an initialised directory takes a
 * fraction of that. The first start for a given set of binaries and OS user keeps a pristine
 * initialised directory in the system temp dir, and later starts copy it (every cluster is
 * still a fresh directory of its own). SCHEMAGATE_INITDB_CACHE=off always runs initdb.
 */

const execFileAsync = promisify(execFile);

export async function initDataDirCached(
  bins: Binaries,
  dataDir: string,
  user: OsUser | undefined,
): Promise<void> {
  if (process.env.SCHEMAGATE_INITDB_CACHE === 'off') return initDataDir(bins, dataDir, user);
  const cached = join(tmpdir(), `sg-initdb-cache-${cacheKey(bins, user)}`);
  if (!existsSync(join(cached, 'PG_VERSION'))) await fillCache(bins, cached, user);
  try {
    // cp -a keeps the owner (the server's user) and the 0700 mode Postgres insists on.
    await execFileAsync('cp', ['-a', cached, dataDir]);
  } catch {
    // The cache vanished or is unreadable: fall back to initdb.
    rmSync(dataDir, { recursive: true, force: true });
    await initDataDir(bins, dataDir, user);
  }
}

function cacheKey(bins: Binaries, user: OsUser | undefined): string {
  const hash = createHash('sha256');
  for (const file of [bins.initdb, bins.postgres]) {
    const real = realpathSync(file);
    const stat = statSync(real);
    hash.update(`${real}\0${stat.size}\0${stat.mtimeMs}\0`);
  }
  hash.update(`${user?.uid ?? process.getuid?.() ?? ''}`);
  return hash.digest('hex').slice(0, 16);
}

/** Initialises into a private directory, then renames it into place (atomic; first one wins). */
async function fillCache(bins: Binaries, cached: string, user: OsUser | undefined) {
  const staging = makeWorkDir(user);
  try {
    await initDataDir(bins, join(staging, 'data'), user);
    renameSync(join(staging, 'data'), cached);
  } catch {
    // Another process filled it first, or the temp dir is read-only: copying falls back.
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
