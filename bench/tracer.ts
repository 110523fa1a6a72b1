/**
 * Tracer overhead: the same migrations replayed plainly (statements sent one by one inside the
 * migration's transaction) and through the tracing ScriptRunner (pg_locks and relfilenode reads
 * around every statement), on fresh copies of one seeded database, alternating, in one run.
 * Reports medians and the ratio traced/plain; no absolute claim is made without its baseline.
 */
import pg from 'pg';
import { embeddedProvider } from '../src/provision/embedded.js';
import { silentLogger } from '../src/core/logger.js';
import { ScriptRunner, relationOids } from '../src/replay/script-runner.js';
import { initSqlParser, splitStatements } from '../src/sql/split.js';
import type { Migration } from '../src/core/model.js';

const TABLES = 20;
const ROWS = 2000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

function schemaSql(): string {
  const out: string[] = [];
  for (let i = 0; i < TABLES; i++) {
    out.push(
      `create table t${i} (id bigserial primary key, account_id bigint not null, name text not null, created_at timestamptz not null default now());`,
    );
    out.push(`create index t${i}_account_idx on t${i} (account_id);`);
    out.push(
      `insert into t${i} (account_id, name) select g % 50, 'row ' || g from generate_series(1, ${ROWS}) g;`,
    );
  }
  return out.join('\n');
}

function migrations(): Migration[] {
  const list: Migration[] = [];
  for (let i = 0; i < TABLES; i++) {
    const sql = [
      `alter table t${i} add column note text;`,
      `alter table t${i} add column score integer not null default 0;`,
      `create index t${i}_name_idx on t${i} (name);`,
      `update t${i} set note = 'n' where id % 10 = 0;`,
      `alter table t${i} add constraint t${i}_score_check check (score >= 0) not valid;`,
    ].join('\n');
    const file = `bench/m${i}.sql`;
    const statements = splitStatements(sql, file);
    list.push({
      id: String(i),
      name: `m${i}`,
      format: 'plain',
      sortKey: [i],
      file,
      up: { file, transaction: 'transaction', statements },
      checksum: '',
      state: 'new',
    });
  }
  return list;
}

async function connect(port: number, database: string): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database });
  await c.connect();
  return c;
}

async function plain(client: pg.Client, ms: Migration[]): Promise<number> {
  const t0 = performance.now();
  for (const m of ms) {
    await client.query('begin');
    for (const s of m.up.statements) await client.query(s.sql);
    await client.query('commit');
  }
  return performance.now() - t0;
}

async function traced(client: pg.Client, ms: Migration[]): Promise<number> {
  const runner = new ScriptRunner(client, {
    tenant: 'bench',
    schemas: ['public'],
    preexisting: await relationOids(client, ['public']),
  });
  await runner.init();
  const t0 = performance.now();
  for (const m of ms) await runner.run(m, m.up);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await initSqlParser();
const cluster = await embeddedProvider.start({ replicas: 0, logger: silentLogger });
try {
  const port = cluster.primary.port;
  const admin = await connect(port, 'postgres');
  await admin.query('create database bench_base');
  const base = await connect(port, 'bench_base');
  await base.query(schemaSql());
  await base.end();
  const ms = migrations();
  const statements = ms.reduce((n, m) => n + m.up.statements.length, 0);
  const times = { plain: [] as number[], traced: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0
      ? (['plain', 'traced'] as const)
      : (['traced', 'plain'] as const)) {
      const db = `bench_${mode}_${round}`;
      await admin.query(`create database ${db} template bench_base`);
      const client = await connect(port, db);
      times[mode].push(await (mode === 'plain' ? plain(client, ms) : traced(client, ms)));
      await client.end();
      await admin.query(`drop database ${db}`);
    }
  }
  await admin.end();
  const p = median(times.plain);
  const t = median(times.traced);
  console.log(
    `tracer benchmark: ${ms.length} migrations, ${statements} statements on ${TABLES} tables of ${ROWS} rows, ${ROUNDS} rounds, Postgres ${cluster.postgresVersion}`,
  );
  console.log(
    `plain replay   median ${p.toFixed(1)} ms (${(p / statements).toFixed(2)} ms/statement)`,
  );
  console.log(
    `traced replay  median ${t.toFixed(1)} ms (${(t / statements).toFixed(2)} ms/statement)`,
  );
  console.log(
    `ratio traced/plain: ${(t / p).toFixed(2)}x; overhead ${((t - p) / statements).toFixed(2)} ms per statement`,
  );
} finally {
  await cluster.stop();
}
