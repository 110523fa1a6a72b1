import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { StartedTestContainer } from 'testcontainers';
import { InfrastructureError } from '../core/errors.js';
import type { ConnectionInfo } from './provider.js';
import { withClient } from './replicas.js';

/**
 * A base backup of a running primary in Docker, made without pg_basebackup: the offline test
 * image has no pg_basebackup (the embedded binaries do not ship it), and one way for both images
 * keeps replicas identical on a laptop and on GitHub's runners. It is the documented low-level
 * backup: pg_backup_start() on the primary, a copy of its data directory inside its container,
 * pg_backup_stop() whose backup_label goes into the copy, then the copy leaves through the
 * Docker archive API and is put into each replica container before that container starts. The
 * replica's entrypoint finds an initialised PGDATA, skips initdb and starts postgres, which sees
 * standby.signal and streams from the primary (the WAL since the backup start is kept by a
 * physical slot per replica, created first).
 */
export interface BaseBackup {
  /** Directory of the replica container to extract the archive into. */
  target: string;
  /** A fresh tar stream of the backup (one per replica). */
  archive(): Readable;
}

const STAGING = '/tmp/schemagate-base';

// $1 = data directory, $2 = copy. Leaves out what pg_basebackup leaves out.
const COPY_DATA_DIR = `set -e
rm -rf "$2"; mkdir -p "$(dirname "$2")"
cp -a "$1" "$2"
cd "$2"
rm -rf postmaster.pid postmaster.opts pg_replslot/* pg_wal/0* pg_wal/*.history pg_wal/*.partial
touch standby.signal`;

export async function takeBaseBackup(
  primary: StartedTestContainer,
  info: ConnectionInfo,
  slots: string[],
): Promise<BaseBackup> {
  const { dataDir, labelfile } = await withClient(info, async (c) => {
    for (const slot of slots)
      await c.query('select pg_create_physical_replication_slot($1, true)', [slot]);
    const dir = (
      await c.query<{ d: string }>('select current_setting($1) as d', ['data_directory'])
    ).rows[0].d;
    const num = Number((await c.query('show server_version_num')).rows[0].server_version_num);
    const modern = num >= 150000; // pg_start_backup/pg_stop_backup were renamed in 15
    await c.query(
      modern
        ? `select pg_backup_start('schemagate', true)`
        : `select pg_start_backup('schemagate', true, false)`,
    );
    await exec(primary, ['sh', '-c', COPY_DATA_DIR, 'sh', dir, STAGING + dir]);
    const stop = await c.query<{ labelfile: string }>(
      modern
        ? 'select labelfile from pg_backup_stop(false)'
        : 'select labelfile from pg_stop_backup(false, false)',
    );
    return { dataDir: dir, labelfile: stop.rows[0].labelfile };
  });
  const copy = STAGING + dataDir;
  await exec(primary, ['sh', '-c', 'printf "%s" "$1" > "$2/backup_label"', 'sh', labelfile, copy]);
  // The archive API names entries after the archived directory, so archive the first directory
  // below a parent that exists in every replica container.
  const target = dataDir.startsWith('/var/lib/postgresql/')
    ? '/var/lib/postgresql'
    : posix.dirname(dataDir);
  const top = posix.relative(target, dataDir).split('/')[0];
  const tar = await toBuffer(await primary.copyArchiveFromContainer(`${STAGING}${target}/${top}`));
  await exec(primary, ['rm', '-rf', STAGING]);
  return { target, archive: () => Readable.from(tar) };
}

async function exec(container: StartedTestContainer, command: string[]): Promise<void> {
  const result = await container.exec(command);
  if (result.exitCode !== 0)
    throw new InfrastructureError(
      `base backup step failed in the primary container (exit ${result.exitCode}): ${result.output.trim()}`,
    );
}

async function toBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
