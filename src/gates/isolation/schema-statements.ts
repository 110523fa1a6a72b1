/**
 * Static rules on the statements of a tenant migration in the schema topology: every object it
 * touches must resolve in the tenant's own schema through search_path.
 */
import type { Finding, Statement } from '../../core/model.js';
import { ISOLATION, finding } from '../../rules/index.js';
import { astOf, readByKind, strings, type ByKind } from '../../sql/ast.js';
import { touchesOf } from './touches.js';

interface Target {
  schema?: string;
  name?: string;
}

const qualifier = (names: string[]): string | undefined =>
  names.length > 1 ? names[names.length - 2] : undefined;

/** Schemas named as targets by statements `touchesOf` does not cover. */
const EXTRA_TARGETS: ByKind<Target[]> = {
  CreateSeqStmt: (a) => [{ schema: a.sequence?.schemaname, name: a.sequence?.relname }],
  AlterSeqStmt: (a) => [{ schema: a.sequence?.schemaname, name: a.sequence?.relname }],
  CreateEnumStmt: (a) => [
    { schema: qualifier(strings(a.typeName)), name: strings(a.typeName).pop() ?? '' },
  ],
  CreateDomainStmt: (a) => [
    { schema: qualifier(strings(a.domainname)), name: strings(a.domainname).pop() ?? '' },
  ],
  CompositeTypeStmt: (a) => [{ schema: a.typevar?.schemaname, name: a.typevar?.relname }],
  CreateTrigStmt: (a) => [{ schema: a.relation?.schemaname, name: a.relation?.relname }],
  RenameStmt: (a) => [{ schema: a.relation?.schemaname, name: a.relation?.relname ?? a.subname }],
  CreateSchemaStmt: (a) => [{ schema: a.schemaname, name: a.schemaname }],
};

const EXEMPT = new Set(['pg_temp']);

function qualifiedTargets(stmt: Statement): Array<Target & { schema: string }> {
  const fromTouches = touchesOf(stmt)
    .filter((t) => t.schema)
    .map((t) => ({ schema: t.schema!, name: t.name }));
  const extra = readByKind(EXTRA_TARGETS, stmt) ?? [];
  const all = [
    ...fromTouches,
    ...extra.filter((t): t is Target & { schema: string } => !!t.schema),
  ];
  return all.filter((t) => !EXEMPT.has(t.schema));
}

function crossSchemaWrite(stmt: Statement): Finding | undefined {
  const targets = qualifiedTargets(stmt);
  if (!targets.length) return undefined;
  const list = [
    ...new Set(
      targets.map((t) =>
        stmt.kind === 'CreateSchemaStmt' ? `schema ${t.schema}` : `${t.schema}.${t.name}`,
      ),
    ),
  ];
  return finding(ISOLATION.crossSchemaWrite, {
    file: stmt.file,
    line: stmt.line,
    endLine: stmt.endLine,
    message: `a tenant migration touches ${list.join(', ')}, outside the tenant's schema: it runs once per tenant against the same object, or writes one tenant's data from every tenant's migration`,
    help: `Use unqualified names so that each tenant's search_path resolves them in its own schema; move changes to shared objects into a migration of the shared schema.`,
  });
}

function setsSearchPath(stmt: Statement): boolean {
  if (stmt.kind === 'VariableSetStmt')
    return astOf(stmt, 'VariableSetStmt')?.name === 'search_path';
  const setstmt =
    astOf(stmt, 'AlterRoleSetStmt')?.setstmt ?? astOf(stmt, 'AlterDatabaseSetStmt')?.setstmt;
  if (stmt.kind === 'AlterRoleSetStmt' || stmt.kind === 'AlterDatabaseSetStmt')
    return setstmt?.name === 'search_path';
  if (stmt.kind === 'CreateFunctionStmt') return false; // a function's own SET search_path is local to it
  return /"set_config"[^]*?"search_path"/.test(JSON.stringify(stmt.ast ?? {}));
}

function searchPathChange(stmt: Statement): Finding | undefined {
  if (!setsSearchPath(stmt)) return undefined;
  return finding(ISOLATION.searchPathChange, {
    file: stmt.file,
    line: stmt.line,
    endLine: stmt.endLine,
    message: `a tenant migration changes search_path: the statements after it no longer resolve names in the tenant's schema, so they may create or write objects of another schema`,
    help: "Remove the SET search_path; the migration runner sets each tenant's search_path. Inside functions use the function's own SET search_path clause.",
  });
}

/** Findings for the PR's statements in the schema topology. */
export function schemaStatementFindings(statements: Statement[]): Finding[] {
  return statements.flatMap((s) =>
    [crossSchemaWrite(s), searchPathChange(s)].filter((f): f is Finding => !!f),
  );
}
