/**
 * Compat: the queries the running application sends (sqlc query files, `compat.queries` globs)
 * must still PREPARE on every tenant after the pull request's migrations, because the old
 * release keeps serving traffic while and after they run. A failure is blamed on the migration
 * statement that dropped, renamed or retyped what the query uses; a query that fails before the
 * pull request too is only noted. Queries the pull request adds or changes must prepare against
 * the new schema as well.
 */
import type { Finding, Statement } from '../../core/model.js';
import type { PgErrorInfo } from '../../core/trace.js';
import type { Gate, GateContext, TenantHandle } from '../gate.js';
import { breakingStatement } from './blame.js';
import { failingQueries } from './prepare.js';
import { readAtCommit, readWorkTree, sameQuery, type AppQuery } from './queries.js';
import { COMPAT, finding } from '../../rules/index.js';
import { queryFiles } from './sources.js';
import { expandStars } from './stars.js';

const PREPARABLE = /^\s*(?:\(\s*)*(select|insert|update|delete|with|values|table|merge)\b/i;

interface QuerySets {
  /** What the application runs today (at the base ref). */
  shipped: AppQuery[];
  /** Added or changed by the pull request. */
  changed: AppQuery[];
}

async function querySets(ctx: GateContext): Promise<QuerySets> {
  const files = await queryFiles(ctx.options, ctx.discovery);
  const head = readWorkTree(ctx.options.repoRoot, files).filter((q) => PREPARABLE.test(q.prepared));
  // Without a base nothing is known to be shipped when every migration is new: the queries
  // must then at least prepare against the final schema.
  const commit = ctx.plan.baseCommit;
  if (!commit) {
    return ctx.plan.merged.length > 0
      ? { shipped: head, changed: [] }
      : { shipped: [], changed: head };
  }
  const base = readAtCommit(ctx.options.repoRoot, commit, files).filter((q) =>
    PREPARABLE.test(q.prepared),
  );
  return { shipped: base, changed: head.filter((q) => !base.some((b) => sameQuery(b, q))) };
}

/** Tenants whose PR replay completed: a half-migrated schema says nothing about queries. */
function replayedTenants(ctx: GateContext): TenantHandle[] {
  const failed = new Set(ctx.trace.pr.filter((t) => t.failedMigration).map((t) => t.tenant));
  return ctx.tenants.filter((t) => !failed.has(t.name));
}

type Failures = Map<AppQuery, Map<string, PgErrorInfo>>;

async function failuresOn(ctx: GateContext, tenants: TenantHandle[], queries: AppQuery[]) {
  const all: Failures = new Map();
  for (const tenant of tenants) {
    for (const [q, error] of await failingQueries(ctx.databases, tenant, queries)) {
      all.set(q, (all.get(q) ?? new Map()).set(tenant.name, error));
    }
  }
  return all;
}

/** The queries among `queries` that already fail on the pre-PR state (a fresh copy of it). */
async function failingBefore(ctx: GateContext, queries: AppQuery[]): Promise<Set<AppQuery>> {
  if (queries.length === 0) return new Set();
  // A schema file the PR rewrites is replayed whole, so the pre-PR state does not hold it: the
  // queries the application ships compiled against its merged version.
  const rewritten = ctx.plan.added.some(
    (m) => m.declarative && !ctx.plan.merged.some((b) => b.file === m.file),
  );
  if (rewritten) return new Set();
  const copy = await ctx.databases.cloneBase('compat');
  const failing = new Set<AppQuery>();
  for (const tenant of copy.tenants) {
    for (const q of (await failingQueries(ctx.databases, tenant, queries)).keys()) failing.add(q);
  }
  return failing;
}

function describeError(error: PgErrorInfo): string {
  return `${error.message}${error.sqlstate ? ` (SQLSTATE ${error.sqlstate})` : ''}`;
}

function where(q: AppQuery): string {
  const at = `${q.file}:${q.line}`;
  const note = q.note ? `; ${q.note}` : '';
  return q.name === at
    ? `at ${at}${note ? ` (${note.slice(2)})` : ''}`
    : `${q.name} (${at}${note})`;
}

function shortSql(s: Statement): string {
  const text = s.sql.replace(/\s+/g, ' ').trim();
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** One finding when every checked tenant fails alike, else one per failing tenant. */
function perTenant(
  errors: Map<string, PgErrorInfo>,
  tenantCount: number,
  make: (error: PgErrorInfo, tenant?: string) => Finding,
): Finding[] {
  const messages = new Set([...errors.values()].map((e) => e.message));
  if (errors.size === tenantCount && messages.size === 1) return [make([...errors.values()][0])];
  return [...errors].map(([tenant, error]) => make(error, tenant));
}

function brokenFinding(
  ctx: GateContext,
  q: AppQuery,
  error: PgErrorInfo,
  tenant?: string,
): Finding {
  const statement = breakingStatement(q, error, ctx.plan.added);
  const tenantField = tenant ? { tenant } : {};
  const help =
    'Keep the old shape until no release uses it (expand, migrate the code, then contract in a later release): add the new column or table next to the old one, backfill, ship the code that uses it, and drop the old one afterwards.';
  if (!statement) {
    return finding(COMPAT.queryBroken, {
      file: q.file,
      line: q.line,
      endLine: q.endLine,
      ...tenantField,
      message: `query ${where(q)} no longer prepares after this pull request's migrations: ${describeError(error)}; the running release sends it and fails from the moment the migration commits`,
      help,
    });
  }
  return finding(COMPAT.queryBroken, {
    file: statement.file,
    line: statement.line,
    endLine: statement.endLine,
    ...tenantField,
    message: `${shortSql(statement)} (${statement.file}:${statement.line}) breaks query ${where(q)}: ${describeError(error)}; the running release sends this query and fails from the moment the migration commits`,
    help,
  });
}

async function checkShipped(ctx: GateContext, tenants: TenantHandle[], shipped: AppQuery[]) {
  const failures = await failuresOn(ctx, tenants, shipped);
  const before = await failingBefore(ctx, [...failures.keys()]);
  return [...failures].flatMap(([q, errors]) => {
    if (!before.has(q)) {
      return perTenant(errors, tenants.length, (e, t) => brokenFinding(ctx, q, e, t));
    }
    const error = [...errors.values()][0];
    return [
      finding(COMPAT.alreadyFailing, {
        file: q.file,
        line: q.line,
        endLine: q.endLine,
        message: `query ${where(q)} does not prepare before this pull request either (${describeError(error)}); not caused by these migrations`,
      }),
    ];
  });
}

async function checkChanged(ctx: GateContext, tenants: TenantHandle[], changed: AppQuery[]) {
  const failures = await failuresOn(ctx, tenants, changed);
  return [...failures].flatMap(([q, errors]) =>
    perTenant(errors, tenants.length, (error, tenant) =>
      finding(COMPAT.changedQuery, {
        file: q.file,
        line: q.line,
        endLine: q.endLine,
        ...(tenant ? { tenant } : {}),
        message: `query ${where(q)}${ctx.options.base ? ', added or changed by this pull request,' : ''} does not prepare against the migrated schema: ${describeError(error)}`,
        help: 'Fix the query or the migration so that they agree; run sqlc generate (or the application’s tests) against the migrated schema.',
      }),
    ),
  );
}

async function compatFindings(ctx: GateContext): Promise<Finding[]> {
  if (ctx.plan.added.length === 0) return [];
  const { shipped, changed } = await querySets(ctx);
  const tenants = replayedTenants(ctx);
  if (tenants.length === 0 || shipped.length + changed.length === 0) return [];
  return [
    ...(await checkShipped(ctx, tenants, await expandStars(ctx, shipped))),
    ...(await checkChanged(ctx, tenants, changed)),
  ];
}

export const compatGate: Gate = {
  id: 'compat',
  title: 'Query compatibility',
  async run(ctx) {
    return { findings: await compatFindings(ctx) };
  },
};
