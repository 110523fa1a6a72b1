import { afterEach, describe, expect, it } from 'vitest';
import {
  COMMENT_MARKER,
  PermissionDeniedError,
  createOctokit,
  publishCheckRun,
  toCheckAnnotations,
  upsertStickyComment,
  type CheckAnnotation,
} from '../src/action/github.js';
import { FakeGitHub } from './action-github-server.js';

const ref = { owner: 'acme', repo: 'shop' };
let api: FakeGitHub;

afterEach(async () => {
  await api?.stop();
});

function annotation(i: number): CheckAnnotation {
  return {
    path: 'db/migrations/000006_x.up.sql',
    start_line: i,
    end_line: i,
    annotation_level: 'failure',
    title: `schemagate locks/rule-${i}`,
    message: `finding ${i}`,
  };
}

describe('sticky comment', () => {
  it('pages through other comments, creates one comment, then updates it in place', async () => {
    api = await new FakeGitHub({ pageSize: 2 }).start();
    for (const body of ['LGTM', 'needs a test', 'ship it']) api.seedComment(body);
    const octokit = createOctokit('t0ken', api.url);

    const first = await upsertStickyComment(octokit, ref, 7, `${COMMENT_MARKER}\nfirst`);
    expect(first.created).toBe(true);
    const id = api.comments[3].id;
    expect(first.url).toBe(`https://github.com/o/r/pull/1#issuecomment-${id}`);

    const second = await upsertStickyComment(octokit, ref, 7, `${COMMENT_MARKER}\nsecond`);
    expect(second).toEqual({ url: first.url, created: false });
    expect(api.comments.map((c) => c.body)).toEqual([
      'LGTM',
      'needs a test',
      'ship it',
      `${COMMENT_MARKER}\nsecond`,
    ]);
    expect(api.requests.map((r) => `${r.method} ${r.path} ${r.query.page ?? ''}`)).toEqual([
      'GET /repos/acme/shop/issues/7/comments ',
      'GET /repos/acme/shop/issues/7/comments 2',
      'POST /repos/acme/shop/issues/7/comments ',
      'GET /repos/acme/shop/issues/7/comments ',
      'GET /repos/acme/shop/issues/7/comments 2',
      `PATCH /repos/acme/shop/issues/comments/${id} `,
    ]);
    expect(api.requests[0].authorization).toBe('token t0ken');
  });

  it('reports a read-only token as PermissionDeniedError naming what was refused', async () => {
    api = await new FakeGitHub({ readOnly: true }).start();
    const octokit = createOctokit('t0ken', api.url);
    const error = await upsertStickyComment(octokit, ref, 7, 'x').catch((e) => e);
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect(error.what).toBe('commenting on the pull request');
    expect(error.message).toContain('Resource not accessible by integration');
  });
});

describe('check run', () => {
  it('creates a completed run with 50 annotations, then adds the rest 50 at a time', async () => {
    api = await new FakeGitHub().start();
    const octokit = createOctokit('t0ken', api.url);
    const annotations = Array.from({ length: 120 }, (_, i) => annotation(i + 1));
    const run = await publishCheckRun(octokit, ref, {
      name: 'schemagate',
      headSha: 'abc123',
      conclusion: 'failure',
      title: '120 blocker(s)',
      summary: 'summary text',
      annotations,
    });
    expect(run.id).toBe(api.checkRuns[0].id);
    const { create, updates } = api.checkRuns[0];
    expect(create).toMatchObject({
      name: 'schemagate',
      head_sha: 'abc123',
      status: 'completed',
      conclusion: 'failure',
      output: { title: '120 blocker(s)', summary: 'summary text' },
    });
    expect(create.output.annotations).toEqual(annotations.slice(0, 50));
    expect(updates.map((u) => u.output.annotations)).toEqual([
      annotations.slice(50, 100),
      annotations.slice(100),
    ]);
    expect(updates[0].output.title).toBe('120 blocker(s)');
  });

  it('creates without updates when there are no annotations', async () => {
    api = await new FakeGitHub().start();
    await publishCheckRun(createOctokit('t', api.url), ref, {
      name: 'migrations',
      headSha: 'abc',
      conclusion: 'success',
      title: '0 blocker(s)',
      summary: 's',
      annotations: [],
    });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/acme/shop/check-runs',
    ]);
    expect(api.checkRuns[0].create.output.annotations).toEqual([]);
  });

  it('maps annotation levels and drops findings without a file and line', () => {
    expect(
      toCheckAnnotations([
        { level: 'error', file: 'a.sql', startLine: 3, endLine: 4, title: 't1', message: 'm1' },
        { level: 'warning', file: 'b.sql', startLine: 9, title: 't2', message: 'm2' },
        { level: 'notice', title: 't3', message: 'no file' },
        { level: 'notice', file: 'c.sql', title: 't4', message: 'no line' },
      ]),
    ).toEqual([
      {
        path: 'a.sql',
        start_line: 3,
        end_line: 4,
        annotation_level: 'failure',
        title: 't1',
        message: 'm1',
      },
      {
        path: 'b.sql',
        start_line: 9,
        end_line: 9,
        annotation_level: 'warning',
        title: 't2',
        message: 'm2',
      },
    ]);
  });
});
