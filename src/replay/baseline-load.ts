import type pg from 'pg';
import { SetupFailure } from '../core/errors.js';
import { astOf, unwrapAll } from '../sql/ast.js';
import { quoteIdent } from '../sql/ident.js';
import type { DumpCopy, DumpStatement, PgDump, TocEntry } from '../sql/pg-dump.js';
import { toPgError } from './tracer.js';
import { appliesAsSuperuser } from './privilege-errors.js';
import type { Workspace } from './workspace.js';

/**
 * Loads a dump into a database of the run as psql would restore it, in one session of the
 * migration role, so that the role owns what the dump makes (as it owns what the merged history
 * makes) and the PR's migrations may alter it. What production's roles own, who they are and the
 * database's own settings are not part of the schema under test and are left out.
 */

/**
 * Statements about production's databases, not the schema: not run. Event triggers neither: they
 * would fire on every statement of the PR, as the superuser made them.
 */
const LEFT_OUT = new Set([
  'CreatedbStmt',
  'AlterDatabaseStmt',
  'AlterDatabaseSetStmt',
  'CreateEventTrigStmt',
  'AlterEventTrigStmt',
]);

/**
 * What the migration role may be refused without the schema differing: default privileges of
 * production's roles. (A comment that fails, on the public schema or on an event trigger left
 * out, is passed over whatever the error.)
 */
const PASSED_OVER_WHEN_REFUSED = new Set(['AlterDefaultPrivilegesStmt']);

/** `extension "x" is not available` (0A000), `could not open extension control file` (58P01). */
const MISSING_EXTENSION = new Set(['0A000', '58P01']);

/** Postgres' errors a restore may pass over: a SET the server does not know (older major). */
const UNKNOWN_SETTING = '42704';

export interface LoadOptions {
  /**
   * Only the statements (and COPY blocks) of these table-of-contents entries run (a later
   * variant's tenant schema); all when absent.
   */
  only?: (toc: TocEntry | undefined, kind: string) => boolean;
  /** The dump's path, as the report names it. */
  file: string;
}

export interface LoadResult {
  statements: number;
  /** Roles the dump grants to or names that this server lacks: those statements were not run. */
  missingRoles: Set<string>;
  /** Statements the migration role may not run that the superuser ran (extensions, comments). */
  asSuperuser: number;
}

export async function loadDump(
  ws: Workspace,
  database: string,
  dump: PgDump,
  options: LoadOptions,
): Promise<LoadResult> {
  const result: LoadResult = { statements: 0, missingRoles: new Set(), asSuperuser: 0 };
  const client = await ws.connectTo(database);
  let superuser: pg.Client | undefined;
  try {
    for (const item of ordered(dump, options.only)) {
      if ('rows' in item) {
        await copyRows(client, item);
        continue;
      }
      const { statement } = item;
      if (leftOut(item)) continue;
      result.statements++;
      const error = await client.query(statement.sql).then(
        () => undefined,
        (e: unknown) => toPgError(e),
      );
      if (!error) continue;
      if (statement.kind === 'VariableSetStmt' && error.sqlstate === UNKNOWN_SETTING) continue;
      const role = /^role "(.+)" does not exist$/.exec(error.message);
      if (role) {
        result.missingRoles.add(role[1]);
        continue;
      }
      if (statement.kind === 'CreateSchemaStmt' && error.sqlstate === '42P06') continue;
      if (statement.kind === 'CommentStmt') continue;
      if (error.sqlstate === '42501' && PASSED_OVER_WHEN_REFUSED.has(statement.kind)) continue;
      if (error.sqlstate === '42501' && appliesAsSuperuser(statement)) {
        superuser ??= await superuserSession(ws, database);
        const retried = await superuser.query(statement.sql).then(
          () => undefined,
          (e: unknown) => toPgError(e),
        );
        if (!retried) {
          result.asSuperuser++;
          continue;
        }
      }
      throw new SetupFailure({
        file: options.file,
        line: statement.line,
        message: `${error.message} (SQLSTATE ${error.sqlstate})${error.detail ? `. Detail: ${error.detail}` : ''}`,
        ...(statement.kind === 'CreateExtensionStmt' && MISSING_EXTENSION.has(error.sqlstate)
          ? {
              cause: 'missing-extension',
              remedy:
                'run the check on a Postgres that has the extension: --provider docker with an image: that ships it (the one production runs, e.g. supabase/postgres, pgvector/pgvector)',
            }
          : {
              cause: 'statement-failed',
              remedy:
                'the baseline dump must load on an empty database of this Postgres: dump it with pg_dump --schema-only (or schemagate snapshot), and put what it needs from outside the dump (roles, extensions) in setup:',
            }),
      });
    }
  } finally {
    await client.end();
    await superuser?.end();
  }
  return result;
}

/** Statements and COPY blocks in the order of the file. */
function ordered(dump: PgDump, only: LoadOptions['only']) {
  const statements = only
    ? dump.statements.filter((s) => only(s.toc, s.statement.kind))
    : dump.statements;
  const copies = only ? dump.copies.filter((c) => only(copyToc(c), 'CopyStmt')) : dump.copies;
  return [...statements, ...copies].sort((a, b) => lineOf(a) - lineOf(b));
}

const lineOf = (x: DumpStatement | DumpCopy) => ('rows' in x ? x.line : x.statement.line);
const copyToc = (c: DumpCopy): TocEntry => ({
  name: c.table,
  type: 'TABLE DATA',
  ...(c.schema ? { schema: c.schema } : {}),
});

/** Ownership, databases and `\connect`ed sessions' own settings: not the schema under test. */
function leftOut({ statement }: DumpStatement): boolean {
  if (LEFT_OUT.has(statement.kind)) return true;
  if (statement.kind === 'AlterOwnerStmt') return true;
  if (statement.kind === 'AlterTableStmt') {
    const cmds = unwrapAll(astOf(statement, 'AlterTableStmt')?.cmds, 'AlterTableCmd');
    return cmds.length > 0 && cmds.every((c) => c.subtype === 'AT_ChangeOwner');
  }
  return false;
}

async function copyRows(client: pg.Client, copy: DumpCopy): Promise<void> {
  if (copy.rows.length === 0) return;
  const table = `${copy.schema ? `${quoteIdent(copy.schema)}.` : ''}${quoteIdent(copy.table)}`;
  const columns = copy.columns.length ? `(${copy.columns.map(quoteIdent).join(', ')})` : '';
  const width = copy.columns.length || copy.rows[0].length;
  const params = Array.from({ length: width }, (_, i) => `$${i + 1}`).join(', ');
  for (const row of copy.rows)
    await client.query(`insert into ${table} ${columns} values (${params})`, row);
}

/**
 * The superuser's session for what the migration role may not run and a managed platform lets
 * its admin role do (appliesAsSuperuser: the platform's allowed extensions, event triggers).
 */
async function superuserSession(ws: Workspace, database: string): Promise<pg.Client> {
  const client = await ws.connectAsSuperuser(database);
  await client.query(`select pg_catalog.set_config('search_path', '', false)`);
  return client;
}
