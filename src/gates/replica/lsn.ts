import pg from 'pg';
import type { ConnectionInfo } from '../../provision/provider.js';

/** WAL positions: where the primary is, and how far a replica has replayed. */

/**
 * A superuser session on a node, for WAL positions and cancelling our own reader only: whatever
 * reads user tables connects with `ctx.databases.connectNode` (the migration role).
 */
export async function connectNode(node: ConnectionInfo, database: string): Promise<pg.Client> {
  const client = new pg.Client({ ...node, database, application_name: 'schemagate' });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/**
 * The end of the primary's WAL, once flushed: the point a replica that has replayed every change
 * made so far reaches. Commits are asynchronous here, and the WAL writer flushes up to the last
 * commit only, so one synchronous commit flushes everything before it. The end is taken after a
 * record, never just after a page header: when the last record fills its page exactly, the
 * insert position is past the next page's header, which no replica reaches until more WAL comes
 * (a standby snapshot, up to 15 s later). Another commit then moves the end off the boundary.
 */
export async function primaryFlushedLsn(primary: pg.Client): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    await primary.query('begin; set local synchronous_commit = on; select txid_current(); commit');
    const r = await primary.query<{ lsn: string; header: boolean }>(
      `select lsn::text,
              (pg_wal_lsn_diff(lsn, '0/0') % current_setting('wal_block_size')::numeric)
                in (24, 40) as header
         from pg_current_wal_insert_lsn() as lsn`,
    );
    if (!r.rows[0].header || attempt === 3) return r.rows[0].lsn;
  }
}

/** Bytes the replica still has to replay to reach `target` (0 when it has). */
export async function bytesBehind(replica: pg.Client, target: string): Promise<number> {
  const r = await replica.query<{ behind: string | null }>(
    'select greatest(0, pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()))::text as behind',
    [target],
  );
  return Number(r.rows[0].behind ?? Number.MAX_SAFE_INTEGER);
}

export interface CatchUp {
  reached: boolean;
  waitedMs: number;
  behindBytes: number;
}

/** Polls until the replica has replayed up to `target`, for at most `timeoutMs`. */
export async function waitForReplay(
  replica: pg.Client,
  target: string,
  timeoutMs: number,
): Promise<CatchUp> {
  const started = Date.now();
  for (;;) {
    const behind = await bytesBehind(replica, target);
    const waitedMs = Date.now() - started;
    if (behind === 0) return { reached: true, waitedMs, behindBytes: 0 };
    if (waitedMs >= timeoutMs) return { reached: false, waitedMs, behindBytes: behind };
    await new Promise((r) => setTimeout(r, 20));
  }
}
