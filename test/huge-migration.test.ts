import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/core/model.js';
import type { Report } from '../src/core/report.js';
// @ts-expect-error plain ESM helper, also run by hand to measure larger loads
import { writeHugeMigration } from './helpers/huge-migration.mjs';

/**
 * A data load as real dumps write it, through the CLI as users run it. 50 MB replays in about a
 * minute on an idle machine and several under load, most of it Postgres loading the rows four
 * times (replay, the locks probe, rollback's up and again up); the suite uses 20 MB, which
 * exercises the same paths. Set SCHEMAGATE_HUGE_MB=50 to run the full size.
 */
const MEGABYTES = Number(process.env.SCHEMAGATE_HUGE_MB ?? 20);
const GIB_KB = 1024 * 1024;

interface Generated {
  file: string;
  rows: number;
  bytes: number;
  hugeLine: number;
  hugeRows: number;
  hugeBytes: number;
}

function cli(args: string[], cwd: string, rssFile: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(process.cwd(), 'test/helpers/max-rss.mjs'),
      join(process.cwd(), 'dist/cli.js'),
      ...args,
    ],
    { cwd, env: { ...process.env, SCHEMAGATE_MAX_RSS_FILE: rssFile } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>(
    (resolve) => {
      const started = Date.now();
      child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    },
  );
}

describe(`a ${MEGABYTES} MB data migration`, () => {
  let dir: string;
  let load: Generated;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sg-huge-'));
    // INSERTs of 1000 rows each, with one 4 MB INSERT half-way: over the parse bound.
    load = writeHugeMigration(join(dir, 'migrations'), MEGABYTES, 'mixed') as Generated;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays under 1 GiB of memory, and says which statement was too large to parse', async () => {
    const rssFile = join(dir, 'max-rss');
    const json = join(dir, 'report.json');
    const args = ['check', 'migrations', '--provider', 'embedded', '--replicas', '0'];
    const r = await cli([...args, '--tenants', '1', '--json', json], dir, rssFile);
    const maxRssKb = Number(readFileSync(rssFile, 'utf8'));
    console.log(
      `${(load.bytes / 2 ** 20).toFixed(1)} MB migration: ${(r.ms / 1000).toFixed(1)} s, peak RSS ${Math.round(maxRssKb / 1024)} MB`,
    );
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toContain('FATAL');
      expect(out).not.toContain('[object Object]');
    }
    expect(r.code).toBe(0);
    expect(maxRssKb).toBeGreaterThan(0);
    expect(maxRssKb).toBeLessThan(GIB_KB);

    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const file = `migrations/${load.file}`;
    const huge = load.hugeBytes / 2 ** 20;
    expect(report.findings).toEqual([
      {
        gate: 'replay',
        rule: 'statement-not-parsed',
        severity: 'notice',
        file,
        line: load.hugeLine,
        endLine: load.hugeLine,
        message: `${file}:${load.hugeLine}: this statement is ${huge.toFixed(1)} MB, over the 1.0 MB schemagate parses, so it was replayed and judged by the live database alone; the static checks that read the parse tree skipped it`,
        help: 'Nothing to fix for a data load. A schema change this large is better split into smaller statements, so that the static checks see it.',
        docs: 'docs/rules/statement-not-parsed.md',
      } satisfies Finding,
    ]);
    // Every row went in, the unparsed statement's too, one statement per line of the load.
    const traces = report.trace!.filter((t) => t.file === file);
    expect(traces.length).toBe((load.rows - load.hugeRows) / 1000 + 1);
    expect(traces.reduce((n, t) => n + (t.rowCount ?? 0), 0)).toBe(load.rows);
    expect(traces.find((t) => t.line === load.hugeLine)).toMatchObject({
      kind: 'NotParsed',
      rowCount: load.hugeRows,
    });
  });
});
