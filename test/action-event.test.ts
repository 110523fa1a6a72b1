import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBaseCommit, readRunContext } from '../src/action/event.js';
import { InputError } from '../src/core/errors.js';
import { memoryLogger } from '../src/core/logger.js';
import { makeFixtureRepo, writeEvent, type FixtureRepo } from './action-support.js';

let repo: FixtureRepo;
let scratch: string;

beforeAll(async () => {
  repo = await makeFixtureRepo('fixtures/demo/base', 'fixtures/demo/pr');
  scratch = mkdtempSync(join(tmpdir(), 'schemagate-event-'));
});

afterAll(() => {
  repo.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();

/** A clone with one commit, as actions/checkout makes by default. */
function shallowClone(name: string): string {
  const dir = join(scratch, name);
  git(scratch, 'clone', '-q', '--depth=1', '--branch', 'pr', `file://${repo.root}`, dir);
  return dir;
}

function env(event: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: writeEvent(event, scratch, {
      BASE_SHA: repo.base,
      HEAD_SHA: repo.head,
      BEFORE_SHA: repo.base,
    }),
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: 'f'.repeat(40),
    ...extra,
  };
}

describe('readRunContext', () => {
  it('takes base and head SHAs and the number from a pull_request event', () => {
    expect(readRunContext(env('pull_request'))).toEqual({
      eventName: 'pull_request',
      owner: 'acme',
      repo: 'shop',
      headSha: repo.head,
      pullNumber: 42,
      baseSha: repo.base,
      baseSource: 'pull request #42 base',
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
    });
  });

  it('compares a push with its before SHA and links to GITHUB_SHA', () => {
    const ctx = readRunContext(
      env('push', {
        GITHUB_SERVER_URL: 'https://ghe.example/',
        GITHUB_API_URL: 'https://ghe.example/api/v3',
      }),
    );
    expect([ctx.baseSha, ctx.baseSource, ctx.headSha, ctx.pullNumber]).toEqual([
      repo.base,
      'the push before SHA',
      'f'.repeat(40),
      undefined,
    ]);
    expect([ctx.serverUrl, ctx.apiUrl]).toEqual([
      'https://ghe.example',
      'https://ghe.example/api/v3',
    ]);
  });

  it('uses HEAD~1 on workflow_dispatch and on a push that created the branch', () => {
    expect(readRunContext(env('workflow_dispatch')).baseSource).toBe('HEAD~1');
    const created = env('push');
    created.GITHUB_EVENT_PATH = writeEvent('push', scratch, {
      BEFORE_SHA: '0'.repeat(40),
      HEAD_SHA: repo.head,
    });
    expect(readRunContext(created)).toMatchObject({ baseSha: undefined, baseSource: 'HEAD~1' });
  });

  it('lets the base input win over the event', () => {
    expect(readRunContext(env('pull_request'), 'main')).toMatchObject({
      baseSha: 'main',
      baseSource: 'the base input',
    });
  });
});

describe('ensureBaseCommit', () => {
  it('fetches a base commit a shallow checkout lacks', () => {
    const dir = shallowClone('pr-shallow');
    const logger = memoryLogger();
    expect(() => git(dir, 'cat-file', '-e', `${repo.base}^{commit}`)).toThrow();
    const ctx = readRunContext(env('pull_request'));
    expect(ensureBaseCommit(dir, ctx, logger)).toBe(repo.base);
    expect(git(dir, 'rev-parse', `${repo.base}^{commit}`)).toBe(repo.base);
    expect(logger.lines).toEqual([`git fetch --no-tags --depth=1 origin ${repo.base}`]);
  });

  it('deepens a shallow checkout to find HEAD~1', () => {
    const dir = shallowClone('dispatch-shallow');
    const logger = memoryLogger();
    const ctx = readRunContext(env('workflow_dispatch'));
    expect(ensureBaseCommit(dir, ctx, logger)).toBe(repo.base);
    expect(logger.lines).toEqual([`git fetch --no-tags --depth=2 origin ${repo.head}`]);
  });

  it('fetches a branch named by the base input and compares with its tip', () => {
    const dir = shallowClone('input-branch');
    const logger = memoryLogger();
    const ctx = readRunContext(env('workflow_dispatch'), 'main');
    expect(ensureBaseCommit(dir, ctx, logger)).toBe(repo.base);
    expect(logger.lines).toEqual(['git fetch --no-tags --depth=1 origin main']);
  });

  it('uses a base already present without fetching', () => {
    const logger = memoryLogger();
    expect(ensureBaseCommit(repo.root, readRunContext(env('pull_request')), logger)).toBe(
      repo.base,
    );
    expect(logger.lines).toEqual([]);
  });

  it('says how to fix a base that cannot be fetched', () => {
    const ctx = { ...readRunContext(env('pull_request')), baseSha: 'a'.repeat(40) };
    const run = () => ensureBaseCommit(repo.root, ctx, memoryLogger());
    expect(run).toThrow(InputError);
    expect(run).toThrow(
      `base ${'a'.repeat(40)} (pull request #42 base) is not in the repository and could not be fetched from origin; check out with fetch-depth: 0`,
    );
  });
});
