import { execFileSync } from 'node:child_process';
import { gitEnv } from '../core/child-env.js';
import { existsSync, readFileSync } from 'node:fs';
import { InputError, getErrorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** What the Action needs from the workflow run: where the PR is and what to compare with. */
export interface RunContext {
  eventName: string;
  owner: string;
  repo: string;
  /** Commit the check run and the file links point at: the PR head, else GITHUB_SHA. */
  headSha: string;
  /** Pull request number, when the event is about one. */
  pullNumber?: number;
  /** Commit to compare with, before it is made available locally. */
  baseSha?: string;
  /** Where baseSha came from, for the log. */
  baseSource: string;
  serverUrl: string;
  apiUrl: string;
}

const ZERO_SHA = /^0+$/;

function readEvent(path: string | undefined): Record<string, any> {
  if (!path || !existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`GITHUB_EVENT_PATH ${path}: not JSON (${getErrorMessage(error)})`);
  }
}

/** Reads GITHUB_* variables and the event payload; `baseInput` (the `base` input) wins. */
export function readRunContext(env: NodeJS.ProcessEnv, baseInput?: string): RunContext {
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const pr = event.pull_request;
  const base = baseInput
    ? { sha: baseInput, source: 'the base input' }
    : pr?.base?.sha
      ? { sha: String(pr.base.sha), source: `pull request #${pr.number} base` }
      : eventName === 'push' && event.before && !ZERO_SHA.test(event.before)
        ? { sha: String(event.before), source: 'the push before SHA' }
        : { sha: undefined, source: 'HEAD~1' };
  return {
    eventName,
    owner,
    repo,
    headSha: String(pr?.head?.sha ?? env.GITHUB_SHA ?? ''),
    pullNumber: typeof pr?.number === 'number' ? pr.number : undefined,
    baseSha: base.sha,
    baseSource: base.source,
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
  };
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: gitEnv() })
    .toString()
    .trim();
}

/** The SHA `ref` names, or undefined when the repository does not have it. */
function commitOf(cwd: string, ref: string): string | undefined {
  try {
    return git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    return undefined;
  }
}

function fetchFromOrigin(cwd: string, args: string[], logger: Logger): boolean {
  logger.info(`git fetch ${args.join(' ')}`);
  try {
    git(cwd, ['fetch', ...args]);
    return true;
  } catch (error) {
    logger.warn(`git fetch ${args.join(' ')} failed: ${getErrorMessage(error).trim()}`);
    return false;
  }
}

/** A SHA or a ref (a branch name given as the base input), fetched from origin when missing. */
function fetchBase(cwd: string, ctx: RunContext & { baseSha: string }, logger: Logger): string {
  const present = commitOf(cwd, ctx.baseSha);
  if (present) return present;
  const fetched = fetchFromOrigin(cwd, ['--no-tags', '--depth=1', 'origin', ctx.baseSha], logger);
  // A fetched SHA is now an object of the repository; a fetched branch is only FETCH_HEAD.
  const sha = commitOf(cwd, ctx.baseSha) ?? (fetched ? commitOf(cwd, 'FETCH_HEAD') : undefined);
  if (sha) return sha;
  throw new InputError(
    `base ${ctx.baseSha} (${ctx.baseSource}) is not in the repository and could not be fetched from origin; check out with fetch-depth: 0`,
  );
}

/**
 * The base commit's SHA, made present in the local repository: a shallow checkout
 * (actions/checkout's default depth 1) lacks it, so it is fetched from origin. Returns undefined
 * when there is nothing to compare with (a first commit): every migration is then new.
 */
export function ensureBaseCommit(cwd: string, ctx: RunContext, logger: Logger): string | undefined {
  if (ctx.baseSha) return fetchBase(cwd, { ...ctx, baseSha: ctx.baseSha }, logger);
  const head = commitOf(cwd, 'HEAD');
  if (head && !commitOf(cwd, 'HEAD~1'))
    fetchFromOrigin(cwd, ['--no-tags', '--depth=2', 'origin', head], logger);
  const parent = commitOf(cwd, 'HEAD~1');
  if (!parent) logger.info('no parent commit to compare with: every migration is treated as new');
  return parent;
}
