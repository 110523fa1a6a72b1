import type { Statement } from '../core/model.js';
import type { PgErrorInfo, PrivilegeKind } from '../core/trace.js';
import { astOf } from '../sql/ast.js';

/**
 * What a refused statement wanted, read from Postgres' own refusal (SQLSTATE 42501 and its
 * message) when migrations run as the admin role: to reach the server's host (run a program,
 * read or write a server file, load native code, rewrite the server's configuration) or only a
 * superuser's rights inside the database. The statement's kind is read only where one message
 * stands for both (`permission denied to set parameter` is ALTER SYSTEM's and SET's).
 */

/** Server functions that read, list or write the server's files. */
const FILE_FUNCTIONS =
  /^(pg_read_file|pg_read_binary_file|pg_ls_\w+|pg_stat_file|lo_import|lo_export|pg_file_\w+|pg_logdir_ls)$/;

/** Languages whose functions run native code or an unrestricted interpreter on the host. */
const HOST_LANGUAGE = /^(c|internal|pl\w*u)$/;

/** Extensions that give SQL the host: untrusted languages, their transforms, file access. */
const HOST_EXTENSION = /^(pl\w*u|\w+_pl\w*u|file_fdw|adminpack)$/;

const HOST_MESSAGES: RegExp[] = [
  /COPY to or from an external program/,
  /COPY (to|from) a file/,
  /to create (custom )?procedural language/,
  /^access to library ".*" is not allowed/,
  /^permission denied to create tablespace/,
];

export function classifyRefusal(e: PgErrorInfo, stmt: Statement): PrivilegeKind | undefined {
  if (e.sqlstate !== '42501') return undefined;
  const m = e.message;
  if (HOST_MESSAGES.some((re) => re.test(m))) return 'host-access';
  const fn = /^permission denied for function (\S+)/.exec(m)?.[1];
  if (fn !== undefined) return FILE_FUNCTIONS.test(fn) ? 'host-access' : undefined;
  const language = /^permission denied for language (\S+)/.exec(m)?.[1];
  if (language !== undefined) return HOST_LANGUAGE.test(language) ? 'host-access' : undefined;
  const extension = /^permission denied to create extension "([^"]+)"/.exec(m)?.[1];
  if (extension !== undefined)
    return HOST_EXTENSION.test(extension) ? 'host-access' : 'requires-superuser';
  if (/^permission denied to set parameter/.test(m))
    return stmt.kind === 'AlterSystemStmt' ? 'host-access' : 'requires-superuser';
  // The rest of what only a superuser may: roles' attributes, other roles, event triggers,
  // superuser-only settings, objects the superuser owns (databases, event triggers, …).
  if (
    /^(must be superuser|permission denied to|permission denied$|must be owner of|must have admin option)/.test(
      m,
    )
  )
    return 'requires-superuser';
  return undefined;
}

/**
 * Extensions the managed platforms let their admin role create although Postgres marks them
 * untrusted (RDS, Cloud SQL, Supabase and Neon allow these): created as the superuser on the
 * role's behalf. Trusted extensions need no help; nothing on this list reaches the host.
 */
export const PLATFORM_EXTENSIONS = new Set([
  'pg_stat_statements',
  'postgres_fdw',
  'dblink',
  'pgstattuple',
  'pg_buffercache',
  'pg_prewarm',
  'pg_visibility',
  'pg_freespacemap',
  'pgrowlocks',
  'amcheck',
]);

/**
 * Top-level statements that need only a superuser's catalog rights, so that the replay may apply
 * them as the superuser after the finding and later statements see them: event triggers, a
 * platform-allowed extension (never CASCADE, which may pull in an untrusted language), comments on
 * those. Roles and databases are never on the list (a role made as the superuser could be the
 * door to one), nor anything that runs code.
 */
export function appliesAsSuperuser(stmt: Statement): boolean {
  switch (stmt.kind) {
    case 'CreateEventTrigStmt':
      return true;
    case 'CreateExtensionStmt': {
      const node = astOf(stmt, 'CreateExtensionStmt');
      const cascade = JSON.stringify(node?.options ?? []).includes('"cascade"');
      return !!node?.extname && PLATFORM_EXTENSIONS.has(node.extname) && !cascade;
    }
    case 'CommentStmt': {
      const type = astOf(stmt, 'CommentStmt')?.objtype;
      return type === 'OBJECT_EXTENSION' || type === 'OBJECT_EVENT_TRIGGER';
    }
    case 'DropStmt':
      return astOf(stmt, 'DropStmt')?.removeType === 'OBJECT_EVENT_TRIGGER';
    default:
      return false;
  }
}

/** The event trigger a CREATE EVENT TRIGGER makes (it is disabled once made; see escalate). */
export function eventTriggerName(stmt: Statement): string | undefined {
  return astOf(stmt, 'CreateEventTrigStmt')?.trigname;
}
