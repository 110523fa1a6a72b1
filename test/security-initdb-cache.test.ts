/**
 * The initdb cache is reused by every run, and the servers made from it run untrusted SQL: it
 * belongs to the user running schemagate, the server's user cannot write (or read) it, and
 * every copy is checked against the checksum taken when the entry was made.
 */
import {
  appendFileSync,
  chmodSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedBinaries } from '../src/provision/embedded.js';
import { CACHE_PREFIX, initDataDirCached } from '../src/provision/initdb-cache.js';
import { dataDirChecksum } from '../src/provision/manifest.js';
import { makeWorkDir, serverUser } from '../src/provision/server.js';

const savedTmp = process.env.TMPDIR;
// A temp dir of its own: the test tampers with the cache entry, which other runs share.
const tmp = mkdtempSync(join(tmpdir(), 'schemagate-cache-test-'));

beforeAll(() => {
  chmodSync(tmp, 0o711);
  process.env.TMPDIR = tmp;
  delete process.env.SCHEMAGATE_INITDB_CACHE;
});
afterAll(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(tmp, { recursive: true, force: true });
});

function entryDir(): string {
  const names = readdirSync(tmp).filter((n) => n.startsWith(CACHE_PREFIX) && !n.includes('.trash'));
  expect(names).toHaveLength(1);
  return join(tmp, names[0]);
}

const meta = (entry: string) =>
  JSON.parse(readFileSync(join(entry, 'meta.json'), 'utf8')) as { checksum: string };

describe('the initdb cache', () => {
  const bins = embeddedBinaries();
  const user = serverUser();

  it("is ours, closed to the server's user, and recorded with a checksum", async () => {
    const work = makeWorkDir(user);
    expect(await initDataDirCached(bins, join(work, 'a'), user)).toBeUndefined();
    const entry = entryDir();
    const stat = statSync(entry);
    expect(stat.uid).toBe(process.getuid!());
    expect(stat.mode & 0o022).toBe(0);
    expect(statSync(join(entry, 'data')).mode & 0o777).toBe(0o700);
    expect(meta(entry).checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(dataDirChecksum(join(entry, 'data'))).toBe(meta(entry).checksum);
    // The copy belongs to the server's user, the entry does not.
    expect(statSync(join(work, 'a')).uid).toBe(user?.uid ?? process.getuid!());
  }, 60_000);

  it('discards an entry that no longer matches its checksum, rebuilds it and says so', async () => {
    const entry = entryDir();
    appendFileSync(join(entry, 'data/postgresql.conf'), "\nshared_preload_libraries = 'evil'\n");
    const work = makeWorkDir(user);
    const note = await initDataDirCached(bins, join(work, 'b'), user);
    expect(note).toBe(
      `the cached initdb cluster ${entry} no longer matched its checksum; it was discarded and rebuilt`,
    );
    expect(readFileSync(join(work, 'b/postgresql.conf'), 'utf8')).not.toContain('evil');
    const rebuilt = entryDir();
    expect(readFileSync(join(rebuilt, 'data/postgresql.conf'), 'utf8')).not.toContain('evil');
    expect(dataDirChecksum(join(rebuilt, 'data'))).toBe(meta(rebuilt).checksum);
    // The next run copies it without a note.
    expect(await initDataDirCached(bins, join(work, 'c'), user)).toBeUndefined();
  }, 60_000);

  it('counts a new symbolic link, a mode and a byte as changes', () => {
    const data = join(entryDir(), 'data');
    const before = dataDirChecksum(data);
    symlinkSync('/etc', join(data, 'etc'));
    const linked = dataDirChecksum(data);
    rmSync(join(data, 'etc'));
    expect(dataDirChecksum(data)).toBe(before);
    chmodSync(join(data, 'PG_VERSION'), 0o666);
    const moded = dataDirChecksum(data);
    chmodSync(join(data, 'PG_VERSION'), 0o600);
    expect(new Set([before, linked, moded]).size).toBe(3);
  });
});
