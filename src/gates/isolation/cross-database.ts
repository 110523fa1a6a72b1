import type { Finding, Statement } from '../../core/model.js';
import { finding } from '../gate.js';
import { RULES } from './rules.js';

const EXTENSIONS = new Set(['dblink', 'postgres_fdw']);
const DBLINK_CALL = /\bdblink(?:_exec|_connect|_connect_u|_open|_send_query|_fetch)?\s*\(/i;
const FOREIGN_KINDS: Record<string, string> = {
  CreateForeignServerStmt: 'creates a foreign server',
  CreateUserMappingStmt: 'creates a user mapping',
  CreateForeignTableStmt: 'creates a foreign table',
  ImportForeignSchemaStmt: 'imports a foreign schema',
};

type Node = Record<string, any>;

function callsDblink(ast: Node | undefined): boolean {
  const json = JSON.stringify(ast ?? {});
  return /"funcname":\[(?:\{"String":\{"sval":"[^"]*"\}\},)?\{"String":\{"sval":"dblink[a-z_]*"\}\}\]/.test(
    json,
  );
}

function functionBody(ast: Node | undefined): string {
  const as = (ast?.options ?? []).find((o: Node) => o.DefElem?.defname === 'as');
  return (as?.DefElem?.arg?.List?.items ?? [])
    .map((i: Node) => String(i.String?.sval ?? ''))
    .join('\n');
}

function what(stmt: Statement): string | undefined {
  if (stmt.kind === 'CreateExtensionStmt' && EXTENSIONS.has(stmt.ast?.extname))
    return `installs the ${stmt.ast?.extname} extension`;
  if (FOREIGN_KINDS[stmt.kind]) return FOREIGN_KINDS[stmt.kind];
  if (stmt.kind === 'CreateFunctionStmt' && DBLINK_CALL.test(functionBody(stmt.ast)))
    return 'creates a function that calls dblink';
  if (stmt.kind === 'DoStmt' && DBLINK_CALL.test(stmt.sql))
    return 'runs a DO block that calls dblink';
  if (callsDblink(stmt.ast)) return 'calls dblink';
  return undefined;
}

/** Statements of the PR that reach across databases (database topology). */
export function crossDatabaseFindings(statements: Statement[]): Finding[] {
  return statements.flatMap((stmt) => {
    const does = what(stmt);
    if (!does) return [];
    return [
      finding('isolation', RULES.crossDatabaseAccess, {
        file: stmt.file,
        line: stmt.line,
        endLine: stmt.endLine,
        message: `the migration ${does}: with a database per tenant, a connection to another database reads or writes another tenant's data`,
        help: "Keep each tenant's data access inside its own database; move cross-tenant reporting to a separate service with its own credentials.",
      }),
    ];
  });
}
