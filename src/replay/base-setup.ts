import { join } from 'node:path';
import type pg from 'pg';
import { readSqlFile } from '../config/compose.js';
import { SetupFailure, getErrorMessage } from '../core/errors.js';
import type { Options } from '../core/options.js';
import type { Statement } from '../core/model.js';
import { classifyRefusal } from './privilege-errors.js';
import { quoteIdent } from '../sql/ident.js';
import { splitStatements } from '../sql/split.js';
import {
  SUPABASE_PRESET_SQL,
  SUPABASE_OBJECTS,
  SUPABASE_ROLES,
  SUPABASE_SCHEMAS,
  supabaseMigratorGrants,
} from './presets/supabase.js';
import { psqlScript } from './psql-script.js';
import { parseSearchPath } from './search-path.js';
import { planSetup, type SetupFile, type SetupPlan } from './setup-plan.js';
import type { Workspace } from './workspace.js';

/**
 * Builds what the server has before the first migration (src/replay/setup-plan.ts says what and
 * why) as the cluster's superuser, in the base database. Every other database of the run is a
 * copy of it (the PR's, the gates' clones, each tenant's in the database topology) and roles
 * belong to the whole server, so once is enough for every topology.
 */

/**
 * A setup file failed: the server could not be built as the repository's Postgres is, so the run
 * ends with `setupError` and exit 3, never as a finding on the PR.
 */
export class SetupScriptError extends SetupFailure {
  constructor(
    readonly file: string,
    readonly line: number,
    /** What the database (or schemagate) said, with the SQLSTATE. */
    readonly problem: string,
    remedy: string,
  ) {
    super({ file, line, message: problem, cause: 'setup-script', remedy });
    this.name = 'SetupScriptError';
  }
}

const REMEDY =
  'fix the setup SQL (it runs in an empty database before the merged migrations, as the role migrations run as, or as the superuser where that role may not)';

/** Runs the setup on `database` (the base); returns the report's notes on what it did. */
export async function runBaseSetup(
  ws: Workspace,
  database: string,
  options: Options = ws.options,
): Promise<string[]> {
  const plan = planSetup(options);
  const notes: string[] = [];
  // Undefined when migrations run as the superuser (`migrationRole: superuser`).
  const migrator = (await ws.migrationRole())?.name;
  // Who the setup files run as: the role a real server's init scripts run as (POSTGRES_USER),
  // which owns what they create and is who the application's migrations then run as.
  let setupRole = migrator;
  // Before the first migration: the setup files are the repository's, no PR code exists yet.
  const client = await ws.connectAsSuperuser(database);
  try {
    if (plan.preset) {
      await client.query(SUPABASE_PRESET_SQL);
      if (migrator) await client.query(supabaseMigratorGrants(migrator));
      notes.push(
        `preset supabase (${plan.preset.reason}): created roles ${SUPABASE_ROLES.join(', ')}; schemas ${SUPABASE_SCHEMAS.join(', ')}; ${SUPABASE_OBJECTS.join(', ')}; extensions pgcrypto, uuid-ossp in schema extensions; publication supabase_realtime`,
      );
    }
    if (plan.compose) {
      const compose = await composeRoles(ws, client, plan.compose, migrator);
      notes.push(...compose.notes);
      if (compose.actsAs) setupRole = compose.actsAs;
    }
  } finally {
    await client.end();
  }
  for (const f of plan.files) {
    // A real server's init scripts run as POSTGRES_USER (the superuser `postgres` when unset),
    // which owns what they create and is who the application's migrations run as. So the init
    // scripts and the `setup:` files run as the role standing in for it (the migrations act as
    // it), else as the migration role itself: what they create is the migrations' own. A
    // statement that role may not run (CREATE ROLE … SUPERUSER, an untrusted extension) falls
    // back to the superuser. With `migrationRole: superuser`: as the superuser (init scripts as
    // POSTGRES_USER).
    const as = f.from === 'setup:' || migrator ? setupRole : plan.compose?.user?.name;
    notes.push(...(await runSetupFile(ws, database, f, plan, as).catch(withComposeHint(f))));
  }
  if (migrator) await assertNoHostRoute(ws, database, migrator);
  // Supabase's `postgres` role resolves `extensions` after `public` (gen_random_bytes() unqualified).
  if (plan.preset) ws.searchPathFromSetup.platform.push('extensions');
  notes.push(...(await databaseSearchPath(ws, database, plan)));
  return [...notes, ...plan.notes];
}

/**
 * A compose init script that fails may be one the migrations never needed (seed data, a
 * development dump): the remedy also says how to leave the compose file's scripts out.
 */
function withComposeHint(f: SetupFile): (error: unknown) => never {
  return (error) => {
    if (!(error instanceof SetupScriptError) || f.from === 'setup:') throw error;
    throw new SetupScriptError(
      error.file,
      error.line,
      error.problem,
      `${error.setupError.remedy}; or, when the migrations do not need the compose file's init scripts (seed data, a development dump), \`composeInit: false\` in .schemagate.yml`,
    );
  };
}

/** Roles whose members reach the server's host. */
const HOST_ROLES = ['pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files'];

/**
 * After setup, the migration role must still be unable to reach the host: a setup statement run
 * as the superuser (`GRANT postgres TO …`, `ALTER ROLE … SUPERUSER`) could have given it a way.
 */
async function assertNoHostRoute(ws: Workspace, database: string, migrator: string) {
  const client = await ws.connectAsSuperuser(database);
  try {
    // A catalog read: no user object is involved.
    const r = await client.query<{ rolname: string; rolsuper: boolean }>(
      `select r.rolname, r.rolsuper from pg_roles r
       where pg_has_role($1, r.oid, 'MEMBER') and (r.rolsuper or r.rolname = any($2))
       order by r.rolsuper desc, r.rolname`,
      [migrator, HOST_ROLES],
    );
    const route = r.rows[0];
    if (!route) return;
    const what = route.rolsuper ? 'a superuser' : 'a role that reaches the server host';
    throw new SetupFailure({
      message: `after setup, the role migrations run as (${migrator}) is a member of ${route.rolname}, ${what}: migration code could reach the host through it`,
      cause: 'setup-script',
      remedy:
        'do not grant superuser roles or pg_execute_server_program / pg_read_server_files / pg_write_server_files in setup or init scripts; to run migrations as a superuser, set migrationRole: superuser on the base branch',
    });
  } finally {
    await client.end();
  }
}

/**
 * The search_path a setup script set on the database the migrations run in (`ALTER DATABASE
 * <base or POSTGRES_DB> SET search_path …`): every session of production's database starts with
 * it, but the databases of the run are copies, which do not inherit a database's settings, and
 * sessions here set the tenant's path. So it becomes part of the sessions' path (`searchPath:`
 * wins).
 */
async function databaseSearchPath(ws: Workspace, base: string, plan: SetupPlan): Promise<string[]> {
  const names = [base, ...(plan.compose?.database ? [plan.compose.database] : [])];
  const client = await ws.connectAsSuperuser(base);
  let found: { datname: string; value: string } | undefined;
  try {
    // A catalog read: no user object is involved.
    const r = await client.query<{ datname: string; value: string }>(
      `select d.datname, substr(c, length('search_path=') + 1) as value
       from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase,
            unnest(s.setconfig) c
       where s.setrole = 0 and d.datname = any($1) and c like 'search_path=%'
       order by d.datname = $2 desc`,
      [names, base],
    );
    found = r.rows[0];
  } finally {
    await client.end();
  }
  if (!found) return [];
  const path = parseSearchPath(found.value);
  ws.searchPathFromSetup.database = path;
  const who = ws.options.settings.searchPath
    ? 'searchPath: wins over it'
    : 'migrations run with it';
  return [
    `setup: ALTER DATABASE ${found.datname} SET search_path TO ${found.value} (${who}${ws.topology.schemaPerTenant ? ", after the tenant's schema" : ''})`,
  ];
}

/**
 * The role POSTGRES_USER names and the database POSTGRES_DB names. The role is no superuser
 * here: migrations run as a member of it (as they run as it against the image), and membership
 * of a superuser would make the migration role one.
 */
async function composeRoles(
  ws: Workspace,
  client: pg.Client,
  compose: NonNullable<SetupPlan['compose']>,
  migrator: string | undefined,
): Promise<{ notes: string[]; actsAs?: string }> {
  const notes: string[] = [];
  let actsAs: string | undefined;
  const { user, database } = compose;
  if (user) {
    const me = await client.query<{ me: string }>('select current_user as me');
    const exists = await client.query('select 1 from pg_roles where rolname = $1', [user.name]);
    if (me.rows[0].me !== user.name && exists.rowCount === 0) {
      await client.query(`create role ${quoteIdent(user.name)} login createdb createrole`);
      notes.push(
        `${compose.file}: created role ${user.name} (${user.variable} of service ${compose.service}); its init scripts run as it${migrator ? ' and the migrations as a member of it' : ''}`,
      );
    }
    if (migrator && migrator !== user.name && me.rows[0].me !== user.name) {
      await ownerLike(client, user.name, [me.rows[0].me, migrator]);
      actsAs = user.name;
    }
  }
  if (database && database !== 'postgres') {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) {
      // Statements that name it (GRANT … ON DATABASE app) run; the migrations run in the base.
      await ws.createDatabase(database);
      if (user)
        await client.query(
          `alter database ${quoteIdent(database)} owner to ${quoteIdent(user.name)}`,
        );
    }
  }
  return { notes, ...(actsAs ? { actsAs } : {}) };
}

/**
 * What POSTGRES_USER may do against the image (it is the superuser there) that a migration
 * needs of it here: the migration role acts as it (`ALTER … OWNER TO app`), and it may create in
 * every schema, those made later included (a new owner needs CREATE on the object's schema).
 */
async function ownerLike(client: pg.Client, role: string, creators: string[]): Promise<void> {
  const r = quoteIdent(role);
  await client.query(`grant ${r} to ${quoteIdent(creators[1])}`);
  await client.query(`grant usage, create on schema public to ${r}`);
  for (const c of creators)
    await client.query(
      `alter default privileges for role ${quoteIdent(c)} grant usage, create on schemas to ${r}`,
    );
}

/** One setup file, statement by statement as `psql -v ON_ERROR_STOP=1 -f` runs it. */
async function runSetupFile(
  ws: Workspace,
  base: string,
  f: SetupFile,
  plan: SetupPlan,
  as?: string,
): Promise<string[]> {
  let source: string;
  try {
    source = readSqlFile(join(ws.options.repoRoot, f.file));
  } catch (e) {
    throw new SetupScriptError(f.file, 1, `cannot read it: ${getErrorMessage(e)}`, REMEDY);
  }
  const script = psqlScript(source);
  if (script.copyFromStdin !== undefined)
    throw new SetupScriptError(
      f.file,
      script.copyFromStdin,
      'COPY … FROM stdin: the rows that follow it need psql to send them',
      'write the rows as INSERT statements (pg_dump --inserts) or load them in a migration',
    );
  const notes = [`setup: ran ${f.file} (from ${f.from})`];
  for (const part of script.parts) {
    const own = part.database === undefined || part.database === plan.compose?.database;
    const database = own ? base : part.database!;
    // The url provider's server holds databases that existed before the run: setup may not
    // reach them (it runs with a superuser's rights, and its files may come from the PR).
    if (!own && ws.cluster.provider === 'url' && !ws.madeHere(database))
      throw new SetupScriptError(
        f.file,
        part.connectLine ?? 1,
        `\\connect ${database}: with --provider url, setup runs only in databases this run created`,
        'create the database in the setup script before connecting to it, or run the check on a throwaway server (--provider embedded or docker)',
      );
    // The repository's setup files, before the first migration: no PR code exists yet.
    const client = await ws.connectAsSuperuser(database).catch((e: unknown) => {
      throw new SetupScriptError(f.file, 1, `\\connect ${database}: ${getErrorMessage(e)}`, REMEDY);
    });
    try {
      const session = new SetupSession(client, as);
      await session.start();
      for (const stmt of splitStatements(part.text, f.file)) {
        const result = await session.run(stmt.sql, f.file, stmt.line);
        const generated = part.gexec.has(stmt.endLine) ? result.rows.flat() : [];
        for (const sql of generated.filter((v): v is string => typeof v === 'string'))
          await session.run(sql, f.file, stmt.line);
        for (const sql of [stmt.sql, ...generated])
          for (const name of createdDatabases(String(sql))) ws.adopt(name);
      }
    } finally {
      await client.end();
    }
  }
  for (const s of script.skipped)
    notes.push(`setup: ${f.file}:${s.line}: psql meta-command ${s.command} not run`);
  return notes;
}

/**
 * A setup session: as `role` when given (POSTGRES_USER, which owns what the image's init scripts
 * create), falling back to the superuser for a statement the role may not run (an untrusted
 * extension), as the image's superuser would have run it.
 */
class SetupSession {
  constructor(
    private readonly client: pg.Client,
    private readonly role?: string,
  ) {}

  async start(): Promise<void> {
    if (this.role) await this.client.query(`set role ${quoteIdent(this.role)}`);
  }

  async run(sql: string, file: string, line: number): Promise<pg.QueryArrayResult> {
    // Inside the script's own transaction (BEGIN … COMMIT) a refused statement would abort it:
    // a savepoint keeps what ran before so that the superuser may run the statement instead.
    const savepoint =
      this.role !== undefined &&
      this.client.getTransactionStatus() === 'T' &&
      !TRANSACTION_CONTROL.test(sql);
    if (savepoint) await this.client.query('savepoint schemagate_setup');
    try {
      const result = await this.client.query({ text: sql, rowMode: 'array' });
      if (savepoint) await this.client.query('release savepoint schemagate_setup');
      return result;
    } catch (e) {
      if (this.role && (e as { code?: string }).code === '42501') {
        // What reaches the host never runs as the superuser: setup files may come from the PR.
        if (reachesHost(e, sql)) throw hostAccess(e, file, line);
        if (savepoint) await this.client.query('rollback to savepoint schemagate_setup');
        await this.client.query('reset role');
        try {
          return await this.attempt(sql, file, line);
        } finally {
          // In a transaction the failed statement aborted, its own error is the one to report.
          await this.client.query(`set role ${quoteIdent(this.role)}`).catch(() => {});
        }
      }
      throw failure(e, sql, file, line);
    }
  }

  private async attempt(sql: string, file: string, line: number) {
    try {
      return await this.client.query({ text: sql, rowMode: 'array' });
    } catch (e) {
      throw failure(e, sql, file, line);
    }
  }
}

/** Whether Postgres refused the statement because it reaches the server's host. */
function reachesHost(e: unknown, sql: string): boolean {
  const info = { sqlstate: '42501', message: getErrorMessage(e) };
  const kind = /^\s*alter\s+system\b/i.test(sql) ? 'AlterSystemStmt' : 'Other';
  return classifyRefusal(info, { kind } as Statement) === 'host-access';
}

function hostAccess(e: unknown, file: string, line: number): SetupScriptError {
  return new SetupScriptError(
    file,
    line,
    `${getErrorMessage(e)} (SQLSTATE 42501): the statement reaches the server's host (a program, a server file, native code or the server's configuration), which setup never runs as the superuser`,
    'remove the statement from the setup SQL (load data with INSERT, create functions in a trusted language), or set migrationRole: superuser on the base branch if the check should run it',
  );
}

const TRANSACTION_CONTROL =
  /^\s*(begin|start|commit|end|rollback|abort|savepoint|release|prepare|set\s+(local\s+)?role|reset\s+role)\b/i;

function failure(e: unknown, sql: string, file: string, line: number): SetupScriptError {
  const err = e as { code?: string; position?: string };
  const at = err.position ? line + lineOffset(sql, Number(err.position)) : line;
  const state = err.code ? ` (SQLSTATE ${err.code})` : '';
  return new SetupScriptError(file, at, `${getErrorMessage(e)}${state}`, REMEDY);
}

/** Lines before the 1-based character `position` Postgres reports in a statement. */
function lineOffset(sql: string, position: number): number {
  return (sql.slice(0, Math.max(0, position - 1)).match(/\n/g) ?? []).length;
}

/** Names a CREATE DATABASE statement creates (so that the url provider's server gets it dropped). */
function createdDatabases(sql: string): string[] {
  const m = /^\s*create\s+database\s+(?:"([^"]+)"|([A-Za-z_][\w$]*))/i.exec(sql);
  return m ? [m[1] ?? m[2].toLowerCase()] : [];
}
