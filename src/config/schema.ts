/**
 * The one schema of `.schemagate.yml`: every key, its constraint, its default and the "expected
 * X" its error message names. The settings it produces are typed in src/core/settings.ts; the
 * checks at the bottom keep the two in step.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { FORMATS, PROVIDERS, SEVERITIES, TOPOLOGIES } from '../core/model.js';
import { MIGRATION_ROLES, PRESETS } from '../core/settings.js';
import { IMAGE_EXPECTED, IMAGE_REF } from './image.js';
import type {
  AlembicSettings,
  CompatSettings,
  FlywaySettings,
  IsolationSettings,
  LocksSettings,
  ReplicaSettings,
  RollbackSettings,
  Settings,
} from '../core/settings.js';

const expected = (what: string) => ({ error: `expected ${what}` });

/** A mapping with exactly these keys; an unknown key's message lists the known ones. */
function section<S extends z.core.$ZodLooseShape>(shape: S) {
  const keys = Object.keys(shape);
  const known = keys.length ? `expected one of ${keys.join(', ')}` : 'this section has no settings';
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key, ${known}`
        : `expected a mapping${keys.length ? ` of ${keys.join(', ')}` : ''}`,
  });
}

function wholeNumber(min: number, max?: number, what?: string) {
  const e = expected(
    what ??
      (max === undefined
        ? `a whole number of at least ${min}`
        : `a whole number from ${min} to ${max}`),
  );
  const n = z.number(e).int(e).min(min, e);
  return max === undefined ? n : n.max(max, e);
}

/** `parallel:` unset: as many tenants at a time as the machine has cores. */
function defaultParallel(): number {
  return Math.max(1, availableParallelism());
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, expected(`one of ${values.join(', ')}`));
}

function text(what: string) {
  const e = expected(what);
  return z.string(e).min(1, e);
}

const flag = () => z.boolean(expected('true or false'));

const TENANTS = 'a whole number from 1 to 1000 or a list of tenant names';
const TENANT_NAME = 'a tenant name of lower-case letters, digits and underscores, e.g. acme';

const tenants = z.union(
  [
    wholeNumber(1, 1000, TENANTS),
    z
      .array(
        z.string(expected(TENANT_NAME)).regex(/^[a-z_][a-z0-9_]{0,40}$/, expected(TENANT_NAME)),
        expected(TENANTS),
      )
      .min(1, expected(TENANTS))
      .refine((names) => new Set(names).size === names.length, expected('each tenant name once')),
  ],
  expected(TENANTS),
);

const CHAIN = 'all or a whole number of at least 0';
const GLOBS = 'a glob or a list of globs relative to the repository root';

const locks = section({
  nonConcurrentIndex: oneOf(['warning', 'blocker']).default('warning'),
  workload: section({
    enabled: flag().default(true),
    clients: wholeNumber(1, 16).default(2),
  }).prefault({}),
}).prefault({});

const ROLE = 'a role name of at most 63 characters';
const roleName = () => text(ROLE).max(63, expected(ROLE));
const SETTING = 'a custom setting name with a dot, e.g. app.tenant_id';
const settingName = () =>
  z.string(expected(SETTING)).regex(/^[A-Za-z_][\w]*\.[\w.]+$/, expected(SETTING));
const CONTEXT = 'a mapping with kind: setting, jwt, role or sql';
const PATTERN = "a role name pattern holding {id}, e.g. 'tenant_{id}'";

/** `isolation.tenantContext`: one shape per kind, told apart by `kind`. */
const tenantContext = z.discriminatedUnion(
  'kind',
  [
    section({
      kind: z.literal('setting'),
      setting: settingName().optional(),
      role: roleName().optional(),
    }),
    section({
      kind: z.literal('jwt'),
      role: roleName().default('authenticated'),
      claims: settingName().default('request.jwt.claims'),
      membership: section({
        table: text('a table name'),
        userColumn: text('a column name'),
        tenantColumn: text('a column name'),
      }).optional(),
    }),
    section({
      kind: z.literal('role'),
      pattern: z
        .string(expected(PATTERN))
        .regex(/\{id\}/, expected(PATTERN))
        .max(40, expected(PATTERN))
        .default('tenant_{id}'),
    }),
    section({
      kind: z.literal('sql'),
      sql: text("SQL taking the tenant id as $1, e.g. select set_config('app.tenant', $1, false)"),
      role: roleName().optional(),
    }),
  ],
  expected(CONTEXT),
);

const isolation = section({
  globalTables: z.array(text('a table name'), expected('a list of table names')).default([]),
  tenantTables: z.array(text('a table name'), expected('a list of table names')).default([]),
  appRole: text('a role name of at most 63 characters')
    .max(63, expected('a role name of at most 63 characters'))
    .optional(),
  leakTestTenants: wholeNumber(2, 3).default(3),
  leakTest: flag().default(true),
  tenantContext: tenantContext.optional(),
}).prefault({});

const rollback = section({
  tenants: oneOf(['one', 'all']).default('one'),
  chain: z
    .union([z.literal('all', expected(CHAIN)), wholeNumber(0, undefined, CHAIN)], expected(CHAIN))
    .default('all'),
  missingDown: oneOf(['warning', 'blocker']).default('warning'),
}).prefault({});

const replica = section({
  lagTimeoutMs: wholeNumber(0).default(30_000),
  conflictProbes: wholeNumber(0).default(5),
}).prefault({});

const compat = section({
  queries: z
    .union([text(GLOBS), z.array(text(GLOBS), expected(GLOBS))], expected(GLOBS))
    .transform((q) => (typeof q === 'string' ? [q] : q))
    .default([]),
}).prefault({});

const alembic = section({
  python: text('the path of a Python interpreter').optional(),
}).prefault({});

const LOCATIONS = 'a list of folders below the migration folder, e.g. [common, prod]';

const flyway = section({
  placeholders: z
    .record(
      z.string(),
      z.union([z.string(), z.number(), z.boolean()], expected('a string, number or boolean')),
      expected('a mapping of placeholder names to values'),
    )
    .optional(),
  placeholderPrefix: text('a non-empty string').optional(),
  placeholderSuffix: text('a non-empty string').optional(),
  placeholderReplacement: flag().optional(),
  mixed: flag().optional(),
  outOfOrder: flag().optional(),
  executeInTransaction: flag().optional(),
  locations: z
    .union([text(LOCATIONS), z.array(text(LOCATIONS), expected(LOCATIONS))], expected(LOCATIONS))
    .transform((l) => (typeof l === 'string' ? l.split(',').map((x) => x.trim()) : l))
    .optional(),
}).prefault({});

const ENV_NAME = 'an environment variable name, e.g. DATABASE_URL';
const ENV_NAMES = 'a list of environment variable names, e.g. [DATABASE_URL]';
const VALUES = 'a mapping of placeholder names to values';
const SETUP = 'a SQL file or glob, or a list of them, relative to the repository root';
const SCHEMAS = 'a list of schema names, e.g. [measure, public]';

/** The keys that become `Options.settings` (see settingsOf). */
const settingsShape = {
  seed: section({ rows: wholeNumber(0, 1_000_000).default(2000) }).prefault({}),
  statementTimeoutMs: wholeNumber(100).default(60_000),
  migrationTimeoutMs: wholeNumber(100).optional(),
  parallel: wholeNumber(1, 256).default(defaultParallel),
  sharedSchema: text('a schema name').default('public'),
  locks,
  isolation,
  rollback,
  replica,
  compat,
  /** No settings yet; the sections are accepted so that a config can name them. */
  graph: section({}).optional(),
  alembic,
  sqlc: section({}).optional(),
  flyway,
  python: text('the path of a Python interpreter').optional(),
  passEnv: z
    .array(
      z.string(expected(ENV_NAME)).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, expected(ENV_NAME)),
      expected(ENV_NAMES),
    )
    .default([]),
  transaction: oneOf(['file', 'none']).default('file'),
  placeholders: z
    .record(
      z.string(),
      z.union([z.string(), z.number(), z.boolean()], expected('a string, number or boolean')),
      expected(VALUES),
    )
    .default({}),
  setup: z
    .union([text(SETUP), z.array(text(SETUP), expected(SETUP))], expected(SETUP))
    .transform((q) => (typeof q === 'string' ? [q] : q))
    .default([]),
  composeInit: flag().default(true),
  preset: oneOf(PRESETS).optional(),
  migrationRole: oneOf(MIGRATION_ROLES).default('admin'),
  searchPath: z
    .union([text(SCHEMAS), z.array(text(SCHEMAS), expected(SCHEMAS))], expected(SCHEMAS))
    .transform((q) => (typeof q === 'string' ? q.split(',').map((s) => s.trim()) : q))
    .optional(),
  baseline: text('a schema dump file or a schemagate snapshot folder').optional(),
  baselineVersion: z
    .union([z.string(), z.number()], expected('a migration version, e.g. 20240101120000'))
    .transform(String)
    .optional(),
};

const MIGRATIONS = 'a directory path or a list of {dir, format, database}';
const DATABASE = 'a database name of lower-case letters, digits and underscores';

/** One of several migration sets in the repository: `{dir, format?, database?}`. */
const migrationSet = section({
  dir: text('a directory path'),
  format: oneOf(['auto', ...FORMATS]).optional(),
  database: z
    .string(expected(DATABASE))
    .regex(/^[a-z_][a-z0-9_]{0,39}$/, expected(DATABASE))
    .optional(),
});

/** The settings keys alone: what code that builds Options without a file validates. */
export const SettingsSchema = section(settingsShape);

/** `.schemagate.yml`: every key optional; CLI flags win over the engine keys. */
export const ConfigSchema = section({
  migrations: z
    .union(
      [text(MIGRATIONS), z.array(migrationSet, expected(MIGRATIONS)).min(1, expected(MIGRATIONS))],
      expected(MIGRATIONS),
    )
    .optional(),
  format: oneOf(['auto', ...FORMATS]).optional(),
  topology: oneOf(TOPOLOGIES).optional(),
  tenants: tenants.optional(),
  tenantColumn: text('a column name').optional(),
  tenantSetting: z
    .string(expected('a custom setting name with a dot, e.g. app.tenant_id'))
    .regex(
      /^[A-Za-z_][\w]*\.[\w.]+$/,
      expected('a custom setting name with a dot, e.g. app.tenant_id'),
    )
    .optional(),
  replicas: wholeNumber(0, 5).optional(),
  provider: oneOf(PROVIDERS).optional(),
  databaseUrl: z.string(expected('a postgres:// URL')).optional(),
  pgVersion: z
    .union([z.string(), z.number()], expected('a Postgres major version, e.g. 17'))
    .transform(String)
    .optional(),
  image: z.string(expected(IMAGE_EXPECTED)).regex(IMAGE_REF, expected(IMAGE_EXPECTED)).optional(),
  failOn: oneOf(['blocker', 'warning', 'never']).optional(),
  gates: z.array(text('a gate id'), expected('a list of gate ids')).optional(),
  rules: z
    .record(
      z.string(),
      oneOf(['off', ...SEVERITIES]),
      expected('a mapping of rule ids to severities'),
    )
    .optional(),
  ...settingsShape,
});

export type Config = z.output<typeof ConfigSchema>;
export type SettingsConfig = z.output<typeof SettingsSchema>;

// The schema produces exactly the types the engine reads (a compile error here means they differ).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inStep: [
  Same<z.output<typeof locks>, LocksSettings>,
  Same<z.output<typeof isolation>, IsolationSettings>,
  Same<z.output<typeof rollback>, RollbackSettings>,
  Same<z.output<typeof replica>, ReplicaSettings>,
  Same<z.output<typeof compat>, CompatSettings>,
  Same<z.output<typeof alembic>, AlembicSettings>,
  Same<z.output<typeof flyway>, FlywaySettings>,
  Same<z.output<typeof settingsShape.passEnv>, Settings['passEnv']>,
  Same<z.output<typeof settingsShape.transaction>, Settings['transaction']>,
  Same<z.output<typeof settingsShape.placeholders>, Settings['placeholders']>,
  Same<z.output<typeof settingsShape.setup>, Settings['setup']>,
  Same<z.output<typeof settingsShape.composeInit>, Settings['composeInit']>,
  Same<z.output<typeof settingsShape.preset>, Settings['preset']>,
  Same<z.output<typeof settingsShape.migrationRole>, Settings['migrationRole']>,
  Same<z.output<typeof settingsShape.searchPath>, Settings['searchPath']>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
void inStep;
const baselineInStep: [
  Same<z.output<typeof settingsShape.baseline>, Settings['baseline']>,
  Same<z.output<typeof settingsShape.baselineVersion>, Settings['baselineVersion']>,
] = [true, true];
void baselineInStep;
