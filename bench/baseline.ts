/**
 * A snapshot's variants stand for their tenants: checking a PR against production with 1,000
 * tenant schemas in 3 variants should take about as long as against one with 3 tenants (one per
 * variant), since each variant is replayed once. Two "production" servers' databases are made on
 * Debian's Postgres 15 (one with 1,000 tenant schemas, one with 3; in both one tenant has an
 * extra column and one lacks an index), each is snapshotted, then the same PR is checked against
 * each snapshot, alternating, in one run. Reports medians and the ratio large/small (the goal:
 * at most 1.5).
 *
 * `node bench/run.mjs baseline` (BENCH_ROUNDS, default 3; BENCH_TENANTS, default 1000).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { runCheck } from '../src/check/check.js';
import { takeSnapshot } from '../src/check/snapshot.js';
import { resolveSettings } from '../src/config/settings.js';
import { silentLogger } from '../src/core/logger.js';
import type { Options } from '../src/core/options.js';
import { localProvider } from '../src/provision/local.js';
import { initSqlParser } from '../src/sql/split.js';

const APP = 'fixtures/baseline/app/migrations';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LARGE = Number(process.env.BENCH_TENANTS ?? 1000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const name = (i: number, width: number) => `tenant_${String(i).padStart(width, '0')}`;

/** `count` tenant schemas holding the merged migrations; the 2nd drifted by a column, the 3rd by an index. */
async function production(admin: pg.ClientConfig, database: string, count: number) {
  const c = new pg.Client({ ...admin, database: 'postgres' });
  await c.connect();
  await c.query(`create database ${database}`);
  await c.end();
  const db = new pg.Client({ ...admin, database });
  await db.connect();
  const merged = readdirSync(APP)
    .filter((f) => /^00000[123]_.*\.up\.sql$/.test(f))
    .sort()
    .map((f) => readFileSync(join(APP, f), 'utf8'))
    .join('\n');
  await db.query('create extension citext');
  const width = String(count).length;
  for (let i = 1; i <= count; i++) {
    const t = name(i, width);
    await db.query(
      `create schema ${t}; set search_path = ${t}, public; ${merged.replace(/create extension[^;]*;/i, '')}`,
    );
  }
  await db.query(`alter table ${name(2, width)}.users add column locale text`);
  await db.query(`drop index ${name(3, width)}.orders_user_id_idx`);
  await db.end();
}

function options(baseline: string): Options {
  return {
    repoRoot: resolve('.'),
    dir: APP,
    format: 'auto',
    topology: 'schema',
    tenants: ['tenant_1'],
    tenantColumn: 'tenant_id',
    tenantSetting: 'app.tenant_id',
    replicas: 0,
    provider: 'embedded',
    failOn: 'blocker',
    rules: {},
    settings: resolveSettings({ seedRows: 200, baseline }),
  };
}

async function timedCheck(baseline: string): Promise<number> {
  const started = Date.now();
  const report = await runCheck(options(baseline), silentLogger, { mergedCount: 3 });
  if (report.status === 'error') throw new Error(report.error?.message);
  if (report.status !== 'blocked')
    throw new Error(`expected the PR to be blocked, got ${report.status}`);
  return Date.now() - started;
}

await initSqlParser();
const prod = await localProvider.start({ replicas: 0, pgVersion: '15', logger: silentLogger });
const out = mkdtempSync(join(tmpdir(), 'sg-bench-baseline-'));
try {
  const admin = { ...prod.primary };
  const url = (db: string) => `postgres://${admin.user}@${admin.host}:${admin.port}/${db}`;
  const made = Date.now();
  await production(admin, 'large', LARGE);
  await production(admin, 'small', 3);
  console.log(
    `production (Postgres ${prod.postgresVersion}): ${LARGE} + 3 tenant schemas made in ${Date.now() - made} ms`,
  );
  const dirs: Record<string, string> = {};
  for (const db of ['large', 'small']) {
    const started = Date.now();
    dirs[db] = join(out, db);
    const r = await takeSnapshot(
      {
        databaseUrl: url(db),
        out: dirs[db],
        topology: 'schema',
        tenants: 'tenant_*',
        sharedSchema: 'public',
      },
      silentLogger,
    );
    const sizes = r.variants.map((v) => `${v.name}: ${v.tenants.length}`).join(', ');
    console.log(
      `snapshot ${db}: ${r.variants.length} variants (${sizes}) in ${Date.now() - started} ms`,
    );
  }
  const times: Record<string, number[]> = { large: [], small: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const db of round % 2 ? ['small', 'large'] : ['large', 'small'])
      times[db].push(await timedCheck(dirs[db]));
  }
  const [large, small] = [median(times.large), median(times.small)];
  console.log(
    `check, ${LARGE} tenants in 3 variants: median ${large} ms (${times.large.join(', ')})`,
  );
  console.log(`check, 3 tenants in 3 variants: median ${small} ms (${times.small.join(', ')})`);
  console.log(`ratio ${(large / small).toFixed(2)} (goal: at most 1.5)`);
} finally {
  rmSync(out, { recursive: true, force: true });
  await prod.stop();
}
