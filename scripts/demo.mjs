// `npm run demo`: runs `schemagate check` (dist/cli.js) on the embedded provider against a
// fixture repository whose PR adds three migrations to a merged history, and prints the report.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { makeFixtureRepo } from './fixture-repo.mjs';

if (!existsSync('dist/cli.js')) {
  console.error('dist/cli.js is missing: run npm run build');
  process.exit(2);
}
const repo = makeFixtureRepo('fixtures/demo/base', 'fixtures/demo/pr');
const started = Date.now();
try {
  const args = [
    'dist/cli.js',
    'check',
    join(repo.root, 'db/migrations'),
    '--base',
    repo.base,
    '--provider',
    'embedded',
    '--tenants',
    '3',
    '--json',
    join(repo.root, 'report.json'),
  ];
  console.log(
    `$ schemagate check db/migrations --base ${repo.base.slice(0, 12)} --provider embedded --tenants 3\n`,
  );
  const r = spawnSync(process.execPath, args, {
    stdio: 'inherit',
    env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const code = r.status ?? 3;
  const verdict = {
    0: 'passed',
    1: 'blocked (expected: this PR adds a table rewrite)',
    2: 'input error',
    3: 'infrastructure error',
  }[code];
  console.log(`\nschemagate exited ${code}: ${verdict}; ${seconds} s`);
  // The check's own exit code, so that `npm run demo` fails as the check would fail a CI job.
  process.exitCode = code;
} finally {
  repo.dispose();
}
