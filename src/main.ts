import * as core from '@actions/core';
import { ensureBaseCommit, readRunContext, type RunContext } from './action/event.js';
import { readActionInputs, type ActionInputs } from './action/inputs.js';
import { actionLogger } from './action/logger.js';
import { registerSecrets, warnOnPullRequestTarget } from './action/security.js';
import {
  emitAnnotations,
  failureMessage,
  publishToGitHub,
  setOutputs,
  writeJobSummary,
  writeReportFiles,
} from './action/publish.js';
import { buildOptions } from './config/build-options.js';
import { runCheck } from './check/check.js';
import { InputError, getErrorMessage } from './core/errors.js';
import type { Logger } from './core/logger.js';
import type { Options } from './core/options.js';
import { redact, redactDeep, redactingLogger } from './core/secrets.js';
import { knownIds } from './gates/index.js';
import { initSqlParser } from './sql/split.js';

interface Prepared {
  inputs: ActionInputs;
  run: RunContext;
  options: Options;
}

/** Inputs → one validated Options object, with the base commit present in the repository. */
async function prepare(
  env: NodeJS.ProcessEnv,
  workspace: string,
  logger: Logger,
): Promise<Prepared> {
  const inputs = readActionInputs();
  const run = readRunContext(env, inputs.raw.base);
  await initSqlParser();
  const options = buildOptions({ ...inputs.raw, base: undefined }, knownIds(), workspace);
  const base = await logger.group('base', async () => {
    const sha = ensureBaseCommit(options.repoRoot, run, logger);
    logger.info(sha ? `comparing with ${sha} (${run.baseSource})` : 'no base commit');
    return sha;
  });
  return { inputs, run, options: { ...options, base } };
}

/**
 * The Action: inputs → engine → publish. The only place that fails the step: on findings that
 * reach fail-on, on input errors (exit code 2 of the CLI) and on infrastructure errors (3).
 */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  // First of all: from here on the runner masks them in the log, and the run redacts them.
  const secrets = registerSecrets(env);
  warnOnPullRequestTarget(env);
  const logger = redactingLogger(actionLogger(), secrets);
  try {
    const { inputs, run, options } = await prepare(env, workspace, logger);
    // Every renderer (annotations, check run, comment, summary, SARIF, JSON) reads this copy.
    const report = redactDeep(await runCheck(options, logger), secrets);
    if (inputs.annotations) emitAnnotations(report);
    const reportPath = writeReportFiles(report, workspace, inputs.sarifFile);
    await writeJobSummary(report, run);
    const commentUrl = await publishToGitHub(report, run, inputs, options.failOn);
    setOutputs(report, options.failOn, reportPath, commentUrl);
    const failure = failureMessage(report, options.failOn);
    if (failure) core.setFailed(failure);
  } catch (error) {
    core.setOutput('status', 'error');
    const kind = error instanceof InputError ? 'input error' : 'internal error';
    core.setFailed(redact(`schemagate ${kind}: ${getErrorMessage(error)}`, secrets));
  }
}
