import * as core from '@actions/core';
import { secretValues } from '../core/secrets.js';

/**
 * The secrets of the job this run knows: the github-token input and the values of secret-named
 * variables (GITHUB_TOKEN, ACTIONS_RUNTIME_TOKEN, …). Each is registered with the runner, which
 * then masks it in the log; the run redacts them itself from everything it writes elsewhere
 * (the comment, the check run, the job summary, SARIF, the JSON report): the PR's SQL is
 * untrusted and could carry one into an error message.
 */
export function registerSecrets(env: NodeJS.ProcessEnv): string[] {
  const token = env['INPUT_GITHUB-TOKEN'] ?? env.INPUT_GITHUB_TOKEN ?? '';
  const secrets = secretValues(env, [token]);
  for (const secret of secrets) core.setSecret(secret);
  return secrets;
}

export const PULL_REQUEST_TARGET_WARNING =
  'schemagate runs on a pull_request_target event. If this workflow checks out the pull request head, ' +
  "the pull request's untrusted SQL (and its Alembic env.py) runs in a job whose token can write to the repository " +
  'and read its secrets. Run schemagate on pull_request instead (forks get a read-only token); see docs/security.md.';

/** pull_request_target + a checkout of the PR head gives untrusted code a write token. */
export function warnOnPullRequestTarget(env: NodeJS.ProcessEnv): void {
  if (env.GITHUB_EVENT_NAME !== 'pull_request_target') return;
  core.warning(PULL_REQUEST_TARGET_WARNING, {
    title: 'schemagate: untrusted code with a write token',
  });
}
