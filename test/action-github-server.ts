import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake API received, body parsed as JSON. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: any;
  authorization?: string;
}

interface Comment {
  id: number;
  body: string;
  html_url: string;
}

export interface FakeGitHubOptions {
  /** Answer every write with 403, as GitHub does for a fork's read-only token. */
  readOnly?: boolean;
  /** Page size for listing comments (GitHub allows 100; smaller forces pagination). */
  pageSize?: number;
}

/**
 * A local stand-in for the GitHub REST API: issue comments (list with Link pagination, create,
 * update) and check runs (create, update). It records every request it receives.
 */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly comments: Comment[] = [];
  readonly checkRuns: Array<{ id: number; create: any; updates: any[] }> = [];
  private server?: Server;
  private nextId = 1000;

  constructor(private readonly options: FakeGitHubOptions = {}) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Adds a comment someone else wrote. */
  seedComment(body: string): void {
    this.comments.push({ id: this.nextId++, body, html_url: `${this.url}/c/${this.nextId}` });
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const url = new URL(req.url ?? '/', this.url);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: text ? JSON.parse(text) : undefined,
      authorization: req.headers.authorization,
    };
    this.requests.push(recorded);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (recorded.method !== 'GET' && this.options.readOnly)
      return send(403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest',
      });
    this.route(recorded, send);
  }

  private route(
    r: RecordedRequest,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const listOrCreate = /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/;
    const updateComment = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/;
    const checkRuns = /^\/repos\/[^/]+\/[^/]+\/check-runs(?:\/(\d+))?$/;
    if (r.method === 'GET' && listOrCreate.test(r.path)) return this.listComments(r, send);
    if (r.method === 'POST' && listOrCreate.test(r.path)) {
      const c = { id: this.nextId++, body: r.body.body, html_url: '' };
      c.html_url = `https://github.com/o/r/pull/1#issuecomment-${c.id}`;
      this.comments.push(c);
      return send(201, c);
    }
    const u = updateComment.exec(r.path);
    if (r.method === 'PATCH' && u) {
      const c = this.comments.find((x) => x.id === Number(u[1]));
      if (!c) return send(404, { message: 'Not Found' });
      c.body = r.body.body;
      return send(200, c);
    }
    const k = checkRuns.exec(r.path);
    if (r.method === 'POST' && k && !k[1]) {
      const id = this.nextId++;
      this.checkRuns.push({ id, create: r.body, updates: [] });
      return send(201, { id, html_url: `https://github.com/o/r/runs/${id}` });
    }
    if (r.method === 'PATCH' && k?.[1]) {
      const run = this.checkRuns.find((x) => x.id === Number(k[1]));
      if (!run) return send(404, { message: 'Not Found' });
      run.updates.push(r.body);
      return send(200, { id: run.id, html_url: `https://github.com/o/r/runs/${run.id}` });
    }
    send(404, { message: `no route for ${r.method} ${r.path}` });
  }

  private listComments(
    r: RecordedRequest,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const size = Math.min(Number(r.query.per_page ?? 30), this.options.pageSize ?? 100);
    const page = Number(r.query.page ?? 1);
    const slice = this.comments.slice((page - 1) * size, page * size);
    const headers: Record<string, string> = {};
    if (page * size < this.comments.length) {
      headers.link = `<${this.url}${r.path}?per_page=${r.query.per_page ?? 30}&page=${page + 1}>; rel="next"`;
    }
    send(200, slice, headers);
  }
}
