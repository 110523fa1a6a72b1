import type { Finding, Statement } from '../../core/model.js';
import { ISOLATION, finding } from '../../rules/index.js';
import {
  astOf,
  strings,
  unwrap,
  unwrapAll,
  type CreateFunctionStmt,
  type ParsedNode,
} from '../../sql/ast.js';

const EXTENSIONS = new Set(['dblink', 'postgres_fdw']);
const DBLINK_CALL = /\bdblink(?:_exec|_connect|_connect_u|_open|_send_query|_fetch)?\s*\(/i;
const FOREIGN_KINDS: Record<string, string> = {
  CreateForeignServerStmt: 'creates a foreign server',
  CreateUserMappingStmt: 'creates a user mapping',
  CreateForeignTableStmt: 'creates a foreign table',
  ImportForeignSchemaStmt: 'imports a foreign schema',
};

function callsDblink(ast: ParsedNode | undefined): boolean {
  const json = JSON.stringify(ast ?? {});
  return /"funcname":\[(?:\{"String":\{"sval":"[^"]*"\}\},)?\{"String":\{"sval":"dblink[a-z_]*"\}\}\]/.test(
    json,
  );
}

function functionBody(ast: CreateFunctionStmt): string {
  const as = unwrapAll(ast.options, 'DefElem').find((d) => d.defname === 'as');
  return strings(unwrap(as?.arg, 'List')?.items).join('\n');
}

function what(stmt: Statement): string | undefined {
  const extension = astOf(stmt, 'CreateExtensionStmt')?.extname;
  if (extension && EXTENSIONS.has(extension)) return `installs the ${extension} extension`;
  if (FOREIGN_KINDS[stmt.kind]) return FOREIGN_KINDS[stmt.kind];
  const func = astOf(stmt, 'CreateFunctionStmt');
  if (func && DBLINK_CALL.test(functionBody(func))) return 'creates a function that calls dblink';
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
      finding(ISOLATION.crossDatabaseAccess, {
        file: stmt.file,
        line: stmt.line,
        endLine: stmt.endLine,
        message: `the migration ${does}: with a database per tenant, a connection to another database reads or writes another tenant's data`,
        help: "Keep each tenant's data access inside its own database; move cross-tenant reporting to a separate service with its own credentials.",
      }),
    ];
  });
}
