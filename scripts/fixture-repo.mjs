// Builds a throwaway git repository from a fixture's base/ and pr/ trees: one commit with base/,
// a second that adds pr/ on top. Used by the demo and by the tests of --base.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function git(cwd, ...args) {
  return execFileSync('git', args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'demo',
      GIT_AUTHOR_EMAIL: 'demo@example.com',
      GIT_COMMITTER_NAME: 'demo',
      GIT_COMMITTER_EMAIL: 'demo@example.com',
    },
  })
    .toString()
    .trim();
}

/** Returns { root, base, head, dispose }; `prDir` may also delete files listed in pr/.deleted. */
export function makeFixtureRepo(baseDir, prDir) {
  const root = mkdtempSync(join(tmpdir(), 'schemagate-repo-'));
  git(root, 'init', '-q', '-b', 'main');
  cpSync(baseDir, root, { recursive: true });
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'base');
  const base = git(root, 'rev-parse', 'HEAD');
  git(root, 'checkout', '-q', '-b', 'pr');
  if (prDir) cpSync(prDir, root, { recursive: true });
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '--allow-empty', '-m', 'pr');
  const head = git(root, 'rev-parse', 'HEAD');
  return { root, base, head, dispose: () => rmSync(root, { recursive: true, force: true }) };
}
