import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The checksum of a directory tree: sha256 over one line per entry, in name order, of its
 * relative path, type, permission bits, size and the sha256 of its content (a symbolic link: its
 * target). Any added, removed, renamed, re-permissioned or edited file changes it; owners do not
 * count (a copy is chowned to the server's user).
 */
export function dataDirChecksum(root: string): string {
  const hash = createHash('sha256');
  for (const line of manifestLines(root, '')) hash.update(`${line}\n`);
  return hash.digest('hex');
}

function* manifestLines(root: string, rel: string): Generator<string> {
  const names = readdirSync(join(root, rel)).sort();
  for (const name of names) {
    const path = rel ? `${rel}/${name}` : name;
    const full = join(root, path);
    const stat = lstatSync(full);
    const mode = (stat.mode & 0o7777).toString(8);
    if (stat.isDirectory()) {
      yield `d ${mode} ${JSON.stringify(path)}`;
      yield* manifestLines(root, path);
    } else if (stat.isSymbolicLink()) {
      yield `l ${mode} ${JSON.stringify(path)} ${JSON.stringify(readlinkSync(full))}`;
    } else if (stat.isFile()) {
      const content = createHash('sha256').update(readFileSync(full)).digest('hex');
      yield `f ${mode} ${JSON.stringify(path)} ${stat.size} ${content}`;
    } else {
      // A fifo, socket or device has no place in a data directory: never matches.
      yield `? ${mode} ${JSON.stringify(path)} ${stat.mode}`;
    }
  }
}
