/**
 * A developer's environment holds secrets too, and `schemagate check` may run someone else's
 * branch: the CLI redacts the values of secret-named variables from the terminal and from every
 * file it writes (dist/cli.js as a process).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt } from './action-support.js';

const SECRET = 'dev_token_0123456789';
let scratch: string;

beforeAll(async () => {
  await ensureDistBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'schemagate-cli-security-'));
  mkdirSync(join(scratch, 'migrations'));
  writeFileSync(
    join(scratch, 'migrations/001_leak.sql'),
    `DO $$ BEGIN RAISE EXCEPTION 'found %', '${SECRET}'; END $$;\n`,
  );
}, 180_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('schemagate check with a secret in the environment', () => {
  it('writes *** in its place to the terminal, JSON, Markdown and SARIF', () => {
    const files = ['report.json', 'report.md', 'report.sarif'].map((f) => join(scratch, f));
    const r = spawnSync(
      process.execPath,
      [
        join(process.cwd(), 'dist/cli.js'),
        'check',
        'migrations',
        '--format',
        'plain',
        '--provider',
        'embedded',
        '--replicas',
        '0',
        '--tenants',
        '1',
        '--gates',
        'replay',
        '--json',
        files[0],
        '--markdown',
        files[1],
        '--sarif',
        files[2],
        '--verbose',
      ],
      {
        cwd: scratch,
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, SHOP_API_TOKEN: SECRET, SCHEMAGATE_PROGRESS: 'lines' },
      },
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toContain('found ***');
    expect(r.stderr).not.toContain(SECRET);
    for (const text of [r.stdout, ...files.map((f) => readFileSync(f, 'utf8'))]) {
      expect(text).not.toContain(SECRET);
      expect(text).toContain('found ***');
    }
  }, 180_000);
});
