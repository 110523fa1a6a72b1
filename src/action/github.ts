import { getOctokit } from '@actions/github';
import { getErrorMessage } from '../core/errors.js';
import type { Annotation } from '../report/annotations.js';

/** All network traffic of the Action goes through this module. */
export type Octokit = ReturnType<typeof getOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** Hidden first line of the sticky comment; the comment is found by it and updated in place. */
export const COMMENT_MARKER = '<!-- schemagate:comment -->';

/** The Checks API takes at most 50 annotations per request. */
export const CHECK_ANNOTATION_BATCH = 50;

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

export interface CheckRunRequest {
  name: string;
  headSha: string;
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
  annotations: CheckAnnotation[];
}

/** A write the token is not allowed to make (HTTP 403), e.g. a read-only token on a fork PR. */
export class PermissionDeniedError extends Error {
  constructor(
    readonly what: string,
    message: string,
  ) {
    super(`${what}: ${message}`);
    this.name = 'PermissionDeniedError';
  }
}

/** An Octokit for the REST API at `apiUrl` (GITHUB_API_URL, so GitHub Enterprise Server works). */
export function createOctokit(token: string, apiUrl: string): Octokit {
  return getOctokit(token, { baseUrl: apiUrl });
}

async function guarded<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 403) throw new PermissionDeniedError(what, getErrorMessage(error));
    throw new Error(`${what}: ${getErrorMessage(error)}`);
  }
}

const LEVEL = { error: 'failure', warning: 'warning', notice: 'notice' } as const;

/** Check-run annotations need a file and a line; findings without them stay in the summary. */
export function toCheckAnnotations(annotations: Annotation[]): CheckAnnotation[] {
  return annotations
    .filter((a) => a.file && a.startLine)
    .map((a) => ({
      path: a.file!,
      start_line: a.startLine!,
      end_line: a.endLine ?? a.startLine!,
      annotation_level: LEVEL[a.level],
      title: a.title.slice(0, 255),
      message: a.message.slice(0, 60_000),
    }));
}

/**
 * Creates a completed check run on the head commit with the first 50 annotations, then adds
 * the rest 50 at a time (the Checks API appends annotations on every update).
 */
export async function publishCheckRun(
  octokit: Octokit,
  ref: RepoRef,
  req: CheckRunRequest,
): Promise<{ id: number; url: string }> {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < req.annotations.length; i += CHECK_ANNOTATION_BATCH)
    batches.push(req.annotations.slice(i, i + CHECK_ANNOTATION_BATCH));
  const output = (annotations: CheckAnnotation[]) => ({
    title: req.title,
    summary: req.summary,
    annotations,
  });
  const created = await guarded('creating the check run', () =>
    octokit.rest.checks.create({
      ...ref,
      name: req.name,
      head_sha: req.headSha,
      status: 'completed',
      conclusion: req.conclusion,
      output: output(batches[0] ?? []),
    }),
  );
  for (const batch of batches.slice(1)) {
    await guarded('adding annotations to the check run', () =>
      octokit.rest.checks.update({ ...ref, check_run_id: created.data.id, output: output(batch) }),
    );
  }
  return { id: created.data.id, url: created.data.html_url ?? '' };
}

/**
 * One comment per pull request: finds the one carrying COMMENT_MARKER (all pages of comments)
 * and updates it, or creates it.
 */
export async function upsertStickyComment(
  octokit: Octokit,
  ref: RepoRef,
  issueNumber: number,
  body: string,
): Promise<{ url: string; created: boolean }> {
  const comments = await guarded('listing pull request comments', () =>
    octokit.paginate(octokit.rest.issues.listComments, {
      ...ref,
      issue_number: issueNumber,
      per_page: 100,
    }),
  );
  const mine = comments.find((c) => c.body?.includes(COMMENT_MARKER));
  if (mine) {
    const updated = await guarded('updating the pull request comment', () =>
      octokit.rest.issues.updateComment({ ...ref, comment_id: mine.id, body }),
    );
    return { url: updated.data.html_url, created: false };
  }
  const created = await guarded('commenting on the pull request', () =>
    octokit.rest.issues.createComment({ ...ref, issue_number: issueNumber, body }),
  );
  return { url: created.data.html_url, created: true };
}
