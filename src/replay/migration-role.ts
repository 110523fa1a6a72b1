import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { InputError } from '../core/errors.js';
import type { Options } from '../core/options.js';
import { quoteIdent } from '../sql/ident.js';
import { runMark } from '../provision/run-roles.js';

/**
 * The role migrations run as by default (`migrationRole: admin`): modelled on the managed
 * platforms' admin role (RDS's rds_superuser, Cloud SQL's cloudsqlsuperuser, Supabase's
 * postgres, Neon's neon_superuser). It logs in, creates databases (and owns the run's), creates
 * roles, and creates trusted extensions as a database owner may. It bypasses row-level security
 * (BYPASSRLS, as Supabase's and Neon's admin and the superuser did), so that a view or SECURITY
 * DEFINER function it owns reads what it reads where migrations run as such a role: the isolation
 * gate's leak test judges those by their owner's rights. It is no superuser and is granted
 * none of the predefined roles that reach the host (pg_execute_server_program,
 * pg_read_server_files, pg_write_server_files) or other sessions (pg_signal_backend), so Postgres
 * itself refuses a PR's program, server file, untrusted language and ALTER SYSTEM, however the
 * SQL hides them.
 *
 * CREATEROLE only from Postgres 16: before it, a CREATEROLE role may grant itself any
 * non-superuser role, pg_execute_server_program included, and change other roles' passwords.
 */
export interface MigrationRole {
  name: string;
  password: string;
  /** Whether it has CREATEROLE (Postgres 16 and later). */
  createRole: boolean;
  /**
   * Whether the role that made it is a superuser, who may then apply a statement on its behalf
   * (a url role that is not is made a member instead, so that the seed and the gates can read and
   * write what the migration role owns).
   */
  madeBySuperuser: boolean;
}

interface Creator {
  rolsuper: boolean;
  rolbypassrls: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  version: number;
}

async function creator(admin: pg.Client): Promise<Creator> {
  const r = await admin.query<Creator>(
    `select rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
            current_setting('server_version_num')::int as version
     from pg_roles where rolname = current_user`,
  );
  return r.rows[0];
}

/**
 * Creates (or, on a throwaway cluster where it exists, resets) the migration role through
 * `admin`, a superuser or a role with CREATEROLE and CREATEDB.
 */
export async function createMigrationRole(
  admin: pg.Client,
  name: string,
  where: string,
): Promise<MigrationRole> {
  const me = await creator(admin);
  if (!me.rolsuper && !(me.rolcreaterole && me.rolcreatedb)) {
    throw new InputError(
      `${where}: the role cannot create the migration role (it needs SUPERUSER, or CREATEROLE and CREATEDB): ` +
        'migrations run as a role of their own so that PR SQL cannot change what already exists on the server. ' +
        'Grant the role CREATEROLE and CREATEDB, or pass --migration-role superuser to run them as this role ' +
        '(PR SQL can then change everything it owns).',
    );
  }
  const role: MigrationRole = {
    name,
    password: randomBytes(18).toString('hex'),
    createRole: me.version >= 160000,
    madeBySuperuser: me.rolsuper,
  };
  const exists = await admin.query('select 1 from pg_roles where rolname = $1', [name]);
  const attributes = [
    'login',
    'nosuperuser',
    'createdb',
    role.createRole ? 'createrole' : 'nocreaterole',
    'noreplication',
    me.rolsuper || me.rolbypassrls ? 'bypassrls' : 'nobypassrls',
    'inherit',
    `password ${quoteLiteral(role.password)}`,
  ].join(' ');
  await admin.query(
    `${exists.rowCount ? 'alter' : 'create'} role ${quoteIdent(name)} ${attributes}`,
  );
  await admin.query(`comment on role ${quoteIdent(name)} is ${quoteLiteral(runMark())}`);
  if (!me.rolsuper) await admin.query(`grant ${quoteIdent(name)} to current_user`);
  return role;
}

const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** What the report says about who migrations ran as when it is not the admin role. */
export function migrationRoleNotes(options: Options, provider: string): string[] {
  if (options.settings.migrationRole !== 'superuser') return [];
  const who = provider === 'url' ? "the --database-url's role" : 'a superuser';
  return [
    `migrations ran as ${who} (migrationRole: superuser): statements that need a superuser were not reported (requires-superuser), and PR SQL could reach the server's host and change what that role may (host-access was not enforced)`,
  ];
}
