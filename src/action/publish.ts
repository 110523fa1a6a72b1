import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as core from '@actions/core';
import type { FailOn } from '../core/model.js';
import { exitCodeFor, type Report } from '../core/report.js';
import { toAnnotations } from '../report/annotations.js';
import { renderJson } from '../report/json.js';
import { renderMarkdownWithin, type MarkdownOptions } from '../report/markdown.js';
import { renderSarif } from '../report/sarif.js';
import { getErrorMessage } from '../core/errors.js';
import type { RunContext } from './event.js';
import {
  COMMENT_MARKER,
  PermissionDeniedError,
  createOctokit,
  publishCheckRun,
  type CheckRunRequest,
  toCheckAnnotations,
  upsertStickyComment,
} from './github.js';
import { ACTION_IO, type ActionInputs, type OutputName } from './inputs.js';

/** GitHub rejects comment and check-run bodies of 65,536 characters or more. */
export const COMMENT_LIMIT = 65_000;
/** A step's job summary may hold 1 MiB. */
const SUMMARY_LIMIT = 1_000_000;

/** Links a finding to its line in the commit the check run is on. */
export function fileLink(run: RunContext): NonNullable<MarkdownOptions['link']> {
  const base = `${run.serverUrl}/${run.owner}/${run.repo}/blob/${run.headSha}`;
  return (file, line) =>
    `${base}/${file.split('/').map(encodeURIComponent).join('/')}${line ? `#L${line}` : ''}`;
}

/**
 * One annotation per finding, most severe first: the runner shows only the first few of each
 * level per step, the comment and the summary carry the full list.
 */
export function emitAnnotations(report: Report): void {
  const send = { error: core.error, warning: core.warning, notice: core.notice };
  for (const a of toAnnotations(report)) {
    send[a.level](a.message, {
      title: a.title,
      ...(a.file ? { file: a.file } : {}),
      ...(a.startLine ? { startLine: a.startLine, endLine: a.endLine ?? a.startLine } : {}),
    });
  }
}

export async function writeJobSummary(report: Report, run: RunContext): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary
    .addRaw(renderMarkdownWithin(report, SUMMARY_LIMIT, { link: fileLink(run) }), true)
    .write();
}

/** Writes the JSON report (for report-path) and the SARIF file; returns the report's path. */
export function writeReportFiles(
  report: Report,
  workspace: string,
  sarifFile: string | undefined,
): string {
  const reportPath = resolve(process.env.RUNNER_TEMP || workspace, 'schemagate-report.json');
  writeFileSync(reportPath, renderJson(report));
  if (sarifFile) {
    const sarifPath = resolve(workspace, sarifFile);
    mkdirSync(dirname(sarifPath), { recursive: true });
    writeFileSync(sarifPath, renderSarif(report));
    core.info(`SARIF written to ${sarifPath}`);
  }
  return reportPath;
}

/** The verdict against fail-on: `blocked` also when warnings fail the step with fail-on warning. */
export function outcome(report: Report, failOn: FailOn): 'passed' | 'blocked' | 'error' {
  if (report.status === 'error') return 'error';
  return exitCodeFor(report, failOn) === 0 ? 'passed' : 'blocked';
}

export function setOutputs(
  report: Report,
  failOn: FailOn,
  reportPath: string,
  commentUrl: string,
): void {
  const values: Record<OutputName, string> = {
    status: outcome(report, failOn),
    blockers: String(report.summary.blockers),
    warnings: String(report.summary.warnings),
    'report-path': reportPath,
    'comment-url': commentUrl,
  };
  for (const name of Object.keys(ACTION_IO.outputs) as OutputName[])
    core.setOutput(name, values[name]);
}

/** failure when the step fails, neutral when findings stay below fail-on, else success. */
export function checkConclusion(report: Report, failOn: FailOn): 'success' | 'failure' | 'neutral' {
  if (exitCodeFor(report, failOn) !== 0) return 'failure';
  return report.summary.blockers + report.summary.warnings > 0 ? 'neutral' : 'success';
}

/** The message the step fails with, or undefined when it passes. */
export function failureMessage(report: Report, failOn: FailOn): string | undefined {
  const code = exitCodeFor(report, failOn);
  if (code === 0) return undefined;
  if (report.setupError) return `schemagate ${report.error?.message}`;
  if (report.status === 'error') {
    const kind = code === 2 ? 'input error' : 'infrastructure error';
    return `schemagate ${kind}: ${report.error?.message ?? 'unknown error'}`;
  }
  const s = report.summary;
  return `schemagate: ${s.blockers} blocker(s) and ${s.warnings} warning(s) reach fail-on ${failOn}; see the annotations, the pull request comment or the job summary`;
}

/** Title line of the check run. */
export function checkTitle(report: Report): string {
  const s = report.summary;
  if (report.setupError) return 'schemagate could not build the base';
  if (report.status === 'error') return 'schemagate could not finish';
  return `${s.blockers} blocker(s), ${s.warnings} warning(s), ${s.notices} notice(s)`;
}

const FORK_HELP =
  'the token is read-only (HTTP 403), as it is on pull requests from forks. The annotations, the job summary and the SARIF file carry the full report; docs/action.md ("Pull requests from forks") shows how to comment on them safely.';

/** The check run's content: verdict, headline and every finding that has a file and line. */
export function checkRunRequest(
  report: Report,
  run: RunContext,
  checkName: string,
  failOn: FailOn,
): CheckRunRequest {
  return {
    name: checkName,
    headSha: run.headSha,
    conclusion: checkConclusion(report, failOn),
    title: checkTitle(report),
    summary: renderMarkdownWithin(report, COMMENT_LIMIT, { link: fileLink(run) }),
    annotations: toCheckAnnotations(toAnnotations(report)),
  };
}

/** Runs a GitHub write that must not fail the step; records the ones refused with HTTP 403. */
function tolerant(denied: string[]) {
  return async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof PermissionDeniedError) denied.push(error.what);
      else core.warning(`schemagate could not publish to GitHub: ${getErrorMessage(error)}`);
      core.debug(getErrorMessage(error));
      return undefined;
    }
  };
}

/**
 * The check run and the sticky comment. Neither decides the outcome: when the token may not
 * write (a fork's pull request) the Action says so once and carries on. Returns the comment URL.
 */
export async function publishToGitHub(
  report: Report,
  run: RunContext,
  inputs: ActionInputs,
  failOn: FailOn,
): Promise<string> {
  if (!inputs.token || !run.owner || !run.headSha) {
    core.info('no token or repository: the check run and the comment are skipped');
    return '';
  }
  const octokit = createOctokit(inputs.token, run.apiUrl);
  const ref = { owner: run.owner, repo: run.repo };
  const denied: string[] = [];
  const attempt = tolerant(denied);
  const request = checkRunRequest(report, run, inputs.checkName, failOn);
  const check = await attempt(() => publishCheckRun(octokit, ref, request));
  if (check) core.info(`check run ${inputs.checkName}: ${check.url}`);
  let comment: { url: string; created: boolean } | undefined;
  if (inputs.comment && run.pullNumber !== undefined) {
    const body = renderMarkdownWithin(report, COMMENT_LIMIT, {
      link: fileLink(run),
      marker: COMMENT_MARKER,
    });
    comment = await attempt(() => upsertStickyComment(octokit, ref, run.pullNumber!, body));
    if (comment)
      core.info(`${comment.created ? 'commented' : 'updated the comment'}: ${comment.url}`);
  }
  if (denied.length) core.warning(`schemagate skipped ${denied.join(' and ')}: ${FORK_HELP}`);
  return comment?.url ?? '';
}
