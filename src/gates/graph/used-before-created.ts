/**
 * used-before-created: a PR statement failed because an object did not exist yet, while a
 * statement that runs later (in a later migration, or further down the same one) creates it.
 * On a fresh database that order fails; whoever renumbers or merges the files must know.
 */
import type { Finding } from '../../core/model.js';
import type { PgErrorInfo, StatementTrace } from '../../core/trace.js';
import type { GateContext } from '../gate.js';
import { bareName } from '../../sql/names.js';
import { objectsCreated, type ObjectKind } from './ast.js';
import { prStatements, type PlacedStatement } from './context.js';
import { GRAPH, finding } from '../../rules/index.js';

export interface MissingObject {
  kind: ObjectKind;
  name: string;
  /** For columns, when Postgres names the relation. */
  table?: string;
}

const PATTERNS: Array<[RegExp, (m: RegExpMatchArray) => MissingObject]> = [
  [
    /^column "([^"]+)" of relation "([^"]+)" does not exist/,
    (m) => ({ kind: 'column', name: m[1], table: m[2] }),
  ],
  [
    /^column (?:[\w$]+\.)?"?([^" ]+)"? does not exist/,
    (m) => ({ kind: 'column', name: bareName(m[1]) }),
  ],
  [/^relation "([^"]+)" does not exist/, (m) => ({ kind: 'relation', name: m[1] })],
  [/^type "([^"]+)" does not exist/, (m) => ({ kind: 'type', name: m[1] })],
  [/^function ([^(\s]+)\(/, (m) => ({ kind: 'function', name: m[1].replace(/"/g, '') })],
  [/^schema "([^"]+)" does not exist/, (m) => ({ kind: 'schema', name: m[1] })],
  [/^index "([^"]+)" does not exist/, (m) => ({ kind: 'index', name: m[1] })],
];

const UNDEFINED_OBJECT_STATES = new Set(['42P01', '42703', '42704', '42883', '3F000']);

/** The object Postgres says is missing, read from an undefined_* error. */
export function missingObject(error: PgErrorInfo): MissingObject | undefined {
  if (!UNDEFINED_OBJECT_STATES.has(error.sqlstate)) return undefined;
  for (const [pattern, read] of PATTERNS) {
    const m = error.message.match(pattern);
    if (m) {
      const found = read(m);
      return { ...found, name: bareName(found.name), table: found.table && bareName(found.table) };
    }
  }
  return undefined;
}

/** The first statement after `failing` that creates `missing`. */
function laterCreator(
  missing: MissingObject,
  failing: PlacedStatement,
  statements: PlacedStatement[],
): PlacedStatement | undefined {
  return statements.find(
    (s) =>
      s.order > failing.order &&
      objectsCreated(s.statement).some(
        (o) =>
          o.kind === missing.kind &&
          o.name === missing.name &&
          (!missing.table || !o.table || o.table === missing.table),
      ),
  );
}

export function usedBeforeCreatedFindings(ctx: GateContext): Finding[] {
  const statements = prStatements(ctx);
  const failures = failingTraces(ctx);
  const findings: Finding[] = [];
  for (const [key, traces] of failures) {
    const failing = statements.find((s) => `${s.statement.file}:${s.statement.line}` === key);
    const missing = traces[0].error && missingObject(traces[0].error);
    if (!failing || !missing) continue;
    const creator = laterCreator(missing, failing, statements);
    if (!creator) continue;
    findings.push(usedBeforeCreated(ctx, failing, missing, creator, traces));
  }
  return findings;
}

/** Failed PR statements, one entry per statement with the tenants it failed on. */
function failingTraces(ctx: GateContext): Map<string, StatementTrace[]> {
  const byStatement = new Map<string, StatementTrace[]>();
  for (const tenant of ctx.trace.pr) {
    for (const t of tenant.statements) {
      if (!t.error) continue;
      const key = `${t.file}:${t.line}`;
      byStatement.set(key, [...(byStatement.get(key) ?? []), t]);
    }
  }
  return byStatement;
}

function usedBeforeCreated(
  ctx: GateContext,
  failing: PlacedStatement,
  missing: MissingObject,
  creator: PlacedStatement,
  traces: StatementTrace[],
): Finding {
  const what =
    missing.kind === 'column' && missing.table
      ? `column ${missing.table}.${missing.name}`
      : `${missing.kind} ${missing.name}`;
  const at = `${creator.statement.file}:${creator.statement.line}`;
  const sameMigration = creator.migration === failing.migration;
  const onlySome = traces.length < ctx.trace.pr.length;
  return finding(GRAPH.usedBeforeCreated, {
    file: failing.statement.file,
    line: failing.statement.line,
    endLine: failing.statement.endLine,
    tenant: onlySome ? traces[0].tenant : undefined,
    message: `${what} is used here before ${at} creates it (${sameMigration ? 'further down this migration' : `migration ${creator.migration.id}, which runs later`}); Postgres: ${traces[0].error?.message}`,
    help: sameMigration
      ? `Move the statement below the one that creates ${missing.name}.`
      : `Create ${missing.name} in this migration or an earlier one, or move this statement into migration ${creator.migration.id} after it creates ${missing.name}.`,
  });
}
