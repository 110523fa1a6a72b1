import type { Finding, Format, Migration, Statement } from '../core/model.js';
import type { StatementTrace, TenantTrace } from '../core/trace.js';
import { errorLine } from '../replay/tracer.js';
import { MAX_PARSED_STATEMENT_BYTES, NOT_PARSED } from '../sql/split.js';
import type { Gate, GateContext } from './gate.js';
import { REPLAY, finding, type Rule } from '../rules/index.js';
import { privilegeFindings } from './replay-privileges.js';

function statementOf(migrations: Migration[], t: StatementTrace): Statement | undefined {
  const m = migrations.find(
    (x) => x.id === t.migrationId && (x.up.file === t.file || x.down?.file === t.file),
  );
  return [...(m?.up.statements ?? []), ...(m?.down?.statements ?? [])].find(
    (s) => s.line === t.line && s.file === t.file,
  );
}

function describe(t: StatementTrace, stmt: Statement | undefined, where: string): string {
  const e = t.error!;
  const parts = [
    `${t.file}:${errorLine(t, stmt?.sql)}: ${e.message} (SQLSTATE ${e.sqlstate}) ${where}`,
  ];
  if (e.detail) parts.push(`Detail: ${e.detail}`);
  if (e.hint) parts.push(`Hint: ${e.hint}`);
  return parts.join('. ');
}

/**
 * One finding per failing statement; tenants failing identically are folded into one. A failure
 * `reported` already (a syntax error, a missing placeholder) is left out.
 */
function failures(
  traces: TenantTrace[],
  migrations: Migration[],
  rule: Rule,
  allTenants: number,
  reported: (s: Statement) => boolean,
): Finding[] {
  const groups = new Map<string, Array<{ tenant: string; t: StatementTrace }>>();
  for (const tt of traces) {
    const t = tt.statements.find((s) => s.error);
    if (!t) continue;
    const key = `${t.file}:${t.line}:${t.error!.sqlstate}:${t.error!.message}`;
    groups.set(key, [...(groups.get(key) ?? []), { tenant: tt.tenant, t }]);
  }
  const out: Finding[] = [];
  for (const group of groups.values()) {
    const { t } = group[0];
    const stmt = statementOf(migrations, t);
    if (stmt && reported(stmt)) continue;
    const timeout = t.error!.sqlstate === '57014';
    const r = timeout ? REPLAY.timeout : rule;
    const everyone = group.length === allTenants && allTenants > 1;
    const where = everyone
      ? `on every tenant (${group.map((g) => g.tenant).join(', ')})`
      : `on ${group.map((g) => g.tenant).join(', ')}`;
    const help = timeout
      ? 'The statement was cancelled by the statement timeout; a migration that runs this long holds its locks as long in production. Batch the work, or raise statementTimeoutMs in .schemagate.yml if it is expected.'
      : onData(t.error!.sqlstate)
        ? 'The statement fails on the rows the tables already hold: schemagate fills every table that exists before the PR with synthetic rows, as production tables hold real ones. Make the migration work on existing data: fix or backfill the rows first, or add the constraint NOT VALID and VALIDATE it once the data is clean.'
        : 'Fix the statement so that it applies on a database that has every merged migration; run `schemagate check` locally to reproduce.';
    const tenants = everyone ? [undefined] : group.map((g) => g.tenant);
    for (const tenant of tenants) {
      out.push(
        finding(r, {
          file: t.file,
          line: t.line,
          endLine: t.endLine,
          ...(tenant ? { tenant } : {}),
          message: describe(t, stmt, tenant ? `on ${tenant}` : where),
          help,
        }),
      );
    }
  }
  return out;
}

/** A leftover placeholder is reported as such (flyway-placeholder, template-placeholder), not twice. */
function placeholderIn(known: Finding[]): (s: Statement) => boolean {
  const rules = [REPLAY.flywayPlaceholder.id, REPLAY.templatePlaceholder.id];
  return (s) =>
    known.some(
      (f) =>
        rules.includes(f.rule) && f.file === s.file && f.line! >= s.line && f.line! <= s.endLine,
    );
}

function syntaxErrors(migrations: Migration[], known: Finding[]): Finding[] {
  const placeholderAt = placeholderIn(known);
  return migrations.flatMap((m) =>
    [...m.up.statements, ...(m.down?.statements ?? [])]
      .filter((s) => s.kind === 'Unparsed' && !placeholderAt(s))
      .map((s) =>
        finding(REPLAY.syntax, {
          file: s.file,
          line: s.line,
          endLine: s.endLine,
          message: `${s.file}:${s.line}: ${s.parseError ?? 'syntax error'}`,
          help: 'The statement is not valid PostgreSQL; Postgres would refuse it when the migration runs.',
        }),
      ),
  );
}

/** A statement of the PR too large to parse: replayed, but no static check read it. */
function notParsed(migrations: Migration[]): Finding[] {
  const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return migrations.flatMap((m) =>
    [...m.up.statements, ...(m.down?.statements ?? [])]
      .filter((s) => s.kind === NOT_PARSED)
      .map((s) =>
        finding(REPLAY.notParsed, {
          file: s.file,
          line: s.line,
          endLine: s.endLine,
          message: `${s.file}:${s.line}: this statement is ${mb(Buffer.byteLength(s.sql))}, over the ${mb(MAX_PARSED_STATEMENT_BYTES)} schemagate parses, so it was replayed and judged by the live database alone; the static checks that read the parse tree skipped it`,
          help: 'Nothing to fix for a data load. A schema change this large is better split into smaller statements, so that the static checks see it.',
        }),
      ),
  );
}

async function replayFindings(ctx: GateContext): Promise<Finding[]> {
  // The PR's version first: a re-run Flyway repeatable shares its id and file with the merged one.
  const all = [...ctx.plan.added, ...ctx.plan.merged];
  const tenantCount = ctx.trace.pr.length;
  const unparsed = (s: Statement) => s.kind === 'Unparsed';
  return [
    ...syntaxErrors(ctx.plan.added, ctx.discovery.findings),
    ...notParsed(ctx.plan.added),
    // A merged migration that fails never gets here: the run ends with a setup error
    // (src/check/setup-error.ts), because the PR neither caused it nor can fix it.
    ...failures(ctx.trace.pr, all, REPLAY.failed, tenantCount, unparsed).map((f) =>
      inOneTransaction(ctx, f),
    ),
    ...privilegeFindings(ctx.trace.pr),
  ].map((f) => publicInSchemaTopology(ctx, f));
}

export const replayGate: Gate = {
  id: 'replay',
  title: 'Replay',
  async run(ctx) {
    return { findings: await replayFindings(ctx) };
  },
};

/**
 * In the schema topology a tenant's tables live in its own schema, so a migration that names
 * `public.x` (drizzle-kit writes `"public"."accounts"` in every foreign key) cannot find them.
 */
function publicInSchemaTopology(ctx: GateContext, f: Finding): Finding {
  if (!ctx.topology.schemaPerTenant) return f;
  const m = /relation "public\.([^"]+)" does not exist/.exec(f.message);
  if (!m || f.rule !== REPLAY.failed.id) return f;
  const tool =
    ctx.discovery.format === 'drizzle' ? 'drizzle-kit qualifies every name with "public", so ' : '';
  return {
    ...f,
    help: `${tool}these migrations create ${m[1]} in the schema they run in, and this statement looks for it in public. In the schema-per-tenant topology (--topology schema) each tenant's tables are in the tenant's schema: if the application keeps all tenants in one schema, check it with --topology shared (row-level security) or --topology database.`,
  };
}

/**
 * Errors that come from the rows, not the statement: integrity violations (class 23: unique,
 * check, not null, foreign key) and data exceptions (class 22: a cast a row does not fit).
 */
const onData = (sqlstate: string) => sqlstate.startsWith('23') || sqlstate.startsWith('22');

/** The text as a sentence: one final period. */
const sentence = (text: string) => `${text.replace(/\.+$/, '')}.`;

const ONE_TRANSACTION: Partial<Record<Format, string>> = {
  drizzle: 'drizzle-orm applies every pending migration in one transaction',
  alembic: 'Alembic runs the whole upgrade in one transaction (transaction_per_migration is off)',
};

/** A PR failure that only happens because earlier pending migrations share its transaction. */
function inOneTransaction(ctx: GateContext, f: Finding): Finding {
  const index = ctx.plan.added.findIndex((m) => m.up.file === f.file);
  const why = ONE_TRANSACTION[ctx.discovery.format];
  if (!ctx.discovery.oneTransaction || index < 1 || !why) return f;
  const earlier = ctx.plan.added.slice(0, index).map((m) => m.id);
  return {
    ...f,
    message: `${sentence(f.message)} ${why}: ${earlier.join(', ')} ran in the same transaction before it, and a failure rolls them all back`,
  };
}
