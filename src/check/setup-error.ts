import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { postgresMajorOfImage } from '../config/compose-hint.js';
import { readSqlFile } from '../config/compose.js';
import { planSetup } from '../replay/setup-plan.js';
import { presetOf } from '../config/preset.js';
import { escapeRegExp } from '../core/regexp.js';
import { composeImage, followsOfficialContract, imageOf } from '../config/image.js';
import { imageToRun } from '../provision/image.js';
import type { Finding, Format, Statement } from '../core/model.js';
import type { Options } from '../core/options.js';
import type { SetupCause, SetupError } from '../core/report.js';
import type { StatementTrace } from '../core/trace.js';
import { REPLAY } from '../rules/index.js';
import { isRecord } from '../sql/ast.js';
import { errorLine } from '../replay/tracer.js';
import { TOOL_TABLES } from '../replay/tool-tables.js';
import { setupSourceOf, setupSourceRemedy } from './setup-source.js';
import { SUPABASE_OBJECTS, SUPABASE_ROLES, SUPABASE_SCHEMAS } from '../replay/presets/supabase.js';

/**
 * A merged statement that fails is the check's setting, not the PR's doing: production ran it.
 * This names the cause class from Postgres' answer and the statement, and the one setting that
 * makes the base build.
 */

export interface FailedSetupStatement {
  trace: StatementTrace;
  statement?: Statement;
  /** What discovery found (placeholders without a value are the likeliest cause). */
  findings: Finding[];
  format: Format;
  options: Options;
  /** The server the base was built on: its provider (`embedded`, `docker`…) and version. */
  provider: string;
  postgresVersion: string;
  /**
   * The schema topology's tenant it failed on, when the tenants before it (`passedOn` the first)
   * replayed the same history; `schemas` are every tenant's schema.
   */
  tenant?: { name: string; passedOn: string; schemas: string[] };
  /** Schemas off the session's search_path with a table named as the missing unqualified relation. */
  elsewhere?: string[];
  /**
   * The failing migration is the first the repository has: what it expects was made by
   * migrations removed since (a trimmed or squashed history). `snapshots` are files beside them
   * that hold the whole schema.
   */
  historyStart?: { snapshots: string[] };
}

/** What `preset: supabase` creates: a missing one of these is the preset's to provide. */
const SUPABASE_ROLE_SET = new Set(SUPABASE_ROLES);
const SUPABASE_SCHEMA_SET = new Set(SUPABASE_SCHEMAS);

/** Objects only an extension makes: a type, a function or a schema named in "does not exist". */
const EXTENSION_OBJECTS: Record<string, string> = {
  vector: 'vector',
  halfvec: 'vector',
  sparsevec: 'vector',
  geometry: 'postgis',
  geography: 'postgis',
  create_hypertable: 'timescaledb',
  cron: 'pg_cron',
  net: 'pg_net',
  http: 'http',
  http_get: 'http',
  http_post: 'http',
};

/** Images that ship an extension, `{major}` replaced by the Postgres major. */
const EXTENSION_IMAGES: Record<string, string> = {
  vector: 'pgvector/pgvector:pg{major}',
  postgis: 'postgis/postgis:{major}-3.5',
  timescaledb: 'timescale/timescaledb:latest-pg{major}',
};

const PLACEHOLDER_RULES: string[] = [
  REPLAY.templatePlaceholder.id,
  REPLAY.flywayPlaceholder.id,
  REPLAY.gooseEnvsubUnset.id,
];

export function diagnoseSetupFailure(f: FailedSetupStatement): SetupError {
  const e = f.trace.error!;
  const { cause, remedy } = classify(f);
  // The detail of a missing extension is a path on this machine; the remedy says it better.
  const detail = e.detail && cause !== 'missing-extension' ? `. Detail: ${e.detail}` : '';
  return {
    file: f.trace.file,
    line: errorLine(f.trace, f.statement?.sql),
    message: `${e.message} (SQLSTATE ${e.sqlstate})${detail}`,
    cause,
    remedy,
  };
}

function classify(f: FailedSetupStatement): { cause: SetupCause; remedy: string } {
  const e = f.trace.error!;
  const sql = f.statement?.sql ?? '';
  // The tenant before this one replayed the same history in the same database: what differs is
  // what that tenant made, which these migrations meet (a schema written by name, or a catalog
  // lookup by table name alone).
  if (f.tenant) {
    const shared = fixedSchema(f.statement, e.message, f.tenant.schemas);
    return { cause: 'statement-failed', remedy: topologyRemedy(f.tenant, shared) };
  }
  const placeholder = placeholderOn(f);
  const flyway = f.format === 'flyway' ? /\$\{([\w.:-]+)\}/.exec(sql)?.[1] : undefined;
  if (placeholder || sql.includes('{{') || flyway) {
    const remedy =
      flyway && !placeholder ? flywayRemedy(flyway) : placeholderRemedy(placeholder, sql);
    return { cause: 'template-placeholder', remedy };
  }
  if (e.sqlstate === '25001' || /cannot run inside a transaction block/.test(e.message)) {
    return { cause: 'transaction-directive', remedy: transactionRemedy(f.format) };
  }
  const duplicate = DUPLICATE_OBJECT.has(e.sqlstate) ? madeBeforeHistory(f, e.message) : undefined;
  if (duplicate) return { cause: 'statement-failed', remedy: duplicate };
  const table = TOOL_TABLES.find((t) => new RegExp(`\\b${t.table}\\b`, 'i').test(sql));
  if (table) return { cause: 'tool-table', remedy: toolTableRemedy(table.table, table.tool) };
  const extension = missingExtension(e.sqlstate, e.message);
  if (extension) return { cause: 'missing-extension', remedy: extensionRemedy(extension, f) };
  const role = e.sqlstate === '42704' ? /^role "(.+)" does not exist/.exec(e.message)?.[1] : '';
  if (role)
    return { cause: 'missing-role', remedy: madeInRepository(f, 'role', role) ?? roleRemedy(role) };
  const missing = missingObject(e.sqlstate, e.message);
  if (missing) {
    const code = codeMigrationNaming(missing, f);
    if (code) return { cause: 'missing-object', remedy: codeMigrationRemedy(missing, code) };
    const remedy = objectRemedy(missing, f);
    if (f.historyStart && remedy.startsWith(SETUP))
      return { cause: 'missing-object', remedy: trimmedHistoryRemedy(missing, f) };
    return { cause: 'missing-object', remedy };
  }
  return { cause: 'statement-failed', remedy: fallbackRemedy(e.sqlstate) };
}

/** duplicate_table, duplicate_object, duplicate_function, duplicate_schema. */
const DUPLICATE_OBJECT = new Set(['42P07', '42710', '42723', '42P06']);

/**
 * A merged statement creates what a file run before the history already made: the compose
 * file's init scripts (often a development dump) or a `setup:` file. Production runs the
 * migrations without it; the remedy names the file and how to leave it out.
 */
function madeBeforeHistory(f: FailedSetupStatement, message: string): string | undefined {
  const name =
    /^(?:relation|type|schema|function|constraint|index|sequence|role) "?([^"\s(]+)/.exec(
      message,
    )?.[1];
  if (!name) return undefined;
  const bare = name.split('.').pop()!;
  const creates = new RegExp(
    `\\bcreate\\s+(?:or\\s+replace\\s+)?(?:unlogged\\s+)?(?:table|type|schema|function|index|sequence|view|materialized\\s+view)\\s+(?:if\\s+not\\s+exists\\s+)?(?:[\\w"]+\\s*\\.\\s*)?"?${escapeRegExp(bare)}"?(?![\\w$])`,
    'i',
  );
  // The files run before the history, as the run ran them (the compose file's, then setup:).
  const plan = planSetup(f.options);
  const made = plan.files.find((file) =>
    creates.test(readSetupText(f.options.repoRoot, file.file)),
  );
  if (!made) return undefined;
  if (made.from === 'setup:')
    return `${made.file}, a setup: file run before the merged history, already creates ${name}, which the migrations create themselves: take that statement out of the setup file (production runs the migrations on a server without it).`;
  return `${made.file}, an init script of ${plan.compose!.file}'s service ${plan.compose!.service} run before the merged history, already creates ${name}, which the migrations create themselves: production runs them on a server without it (a development dump or seed in /docker-entrypoint-initdb.d). Leave the compose file's init scripts out with \`composeInit: false\` in .schemagate.yml, and list in \`setup:\` those the migrations do need.`;
}

function readSetupText(repoRoot: string, file: string): string {
  try {
    return readSqlFile(join(repoRoot, file));
  } catch {
    return '';
  }
}

/** A discovery finding (a placeholder without a value) inside the failing statement. */
function placeholderOn(f: FailedSetupStatement): Finding | undefined {
  const s = f.statement;
  if (!s) return undefined;
  return f.findings.find(
    (x) =>
      PLACEHOLDER_RULES.includes(x.rule) &&
      x.file === s.file &&
      (x.line ?? 0) >= s.line &&
      (x.line ?? 0) <= s.endLine,
  );
}

function placeholderRemedy(found: Finding | undefined, sql: string): string {
  if (found?.help) return found.help;
  const name = /\{\{-?\s*(?:\.(\w+)|index\s+\.\w+\s+"(\w+)")/.exec(sql);
  const key = name?.[1] ?? name?.[2] ?? 'Name';
  return `\`placeholders: { ${key}: value }\` in .schemagate.yml, the value the deploy renders the template with.`;
}

function flywayRemedy(name: string): string {
  return `Flyway placeholder \${${name}} has no value here: set flyway.placeholders.${name} in flyway.conf, FLYWAY_PLACEHOLDERS_${name.toUpperCase()} in the environment, or \`flyway: { placeholders: { ${name}: … } }\` in .schemagate.yml.`;
}

const NO_TRANSACTION: Partial<Record<Format, string>> = {
  goose: '`-- +goose NO TRANSACTION` at the top of the file',
  dbmate: '`-- migrate:up transaction:false`',
  flyway:
    "`executeInTransaction=false` in the script's `.sql.conf` file (or `-- flyway:executeInTransaction=false`)",
  'golang-migrate':
    'a file of its own for the statement (golang-migrate sends a file as one string, which Postgres runs as one transaction)',
};

function transactionRemedy(format: Format): string {
  const plain =
    '`transaction: none` in .schemagate.yml with `format: plain` (each statement on its own, as a runner without transactions runs them)';
  const directive = NO_TRANSACTION[format];
  if (format === 'plain') return plain.replace(' with `format: plain`', '');
  return directive
    ? `the runner's no-transaction directive, ${directive}; if production's runner is not ${format}, ${plain}`
    : plain;
}

function toolTableRemedy(table: string, tool: string): string {
  return `schemagate creates ${table} as ${tool} does, holding a row per merged migration, and this statement expects it otherwise (made by another tool or version): create it as production has it with \`setup: [path/to/init.sql]\` in .schemagate.yml (SQL run before the merged history, as the migration role or, where it must, the superuser).`;
}

function missingExtension(sqlstate: string, message: string): string | undefined {
  const named =
    /extension "([^"]+)" is not available/.exec(message) ??
    /could not open extension control file ".*\/([^/]+)\.control"/.exec(message) ??
    /extension "([^"]+)" (?:does not exist|has no installation script)/.exec(message);
  if (named) return named[1];
  if (sqlstate !== '42704' && sqlstate !== '42883' && sqlstate !== '3F000') return undefined;
  const object = /^(?:type|function|schema) "?([\w.]+)(?:\(|"| )/.exec(message)?.[1];
  const bare = object?.split('.').pop()?.toLowerCase();
  return bare ? EXTENSION_OBJECTS[bare] : undefined;
}

function extensionRemedy(extension: string, f: FailedSetupStatement): string {
  // The image that just failed is no remedy.
  const ran =
    f.provider === 'docker' ? imageToRun(f.options.image, f.options.pgVersion).image : undefined;
  const where =
    f.provider === 'embedded'
      ? `the embedded Postgres does not ship ${extension}`
      : ran
        ? `the docker image ${ran} does not have ${extension} installed`
        : `the ${f.provider} Postgres does not have ${extension} installed`;
  const use = ran ? 'use' : 'use --provider docker with';
  const compose = composeImage(f.options.repoRoot);
  const installs = compose?.built?.runs.find((run) => installsExtension(run.text, extension));
  if (compose?.built && installs)
    return `${where}: ${compose.file} builds service ${compose.service} from ${compose.built.dockerfile}, whose RUN step at line ${installs.line} installs ${extension}; build that image (\`docker compose -f ${compose.file} build ${compose.service}\`) before schemagate runs and set \`image:\` in .schemagate.yml to its tag, with --provider docker.`;
  const major =
    (compose?.image && postgresMajorOfImage(compose.image)) || f.postgresVersion.split('.')[0];
  const known = EXTENSION_IMAGES[extension]?.replace('{major}', major);
  const fromCompose =
    compose?.image && compose.image !== ran && mayHave(compose.image, extension)
      ? compose
      : undefined;
  const image = fromCompose?.image ?? (known !== ran ? known : undefined);
  if (!image)
    return `${where}: ${use} \`image:\` set to an image that has ${extension} installed (the one production's database runs, or the one your docker-compose file uses).`;
  // The docker provider runs the compose file's image unless a setting or the version says otherwise.
  const dockerRuns = (
    f.options.image ?? imageOf({ pgVersion: f.options.pgVersion }, f.options.repoRoot)
  )?.name;
  if (fromCompose && !ran && dockerRuns === fromCompose.image)
    return `${where}: use --provider docker, which runs ${fromCompose.image}, the image your ${fromCompose.file} uses.`;
  const why = fromCompose
    ? ` (the image your ${fromCompose.file} uses)`
    : ` (or the image your docker-compose file uses)`;
  return `${where}: ${use} \`image: ${image}\`${why}.`;
}

/** Whether a Dockerfile's RUN step installs the extension (`postgresql-16-pgvector`, `pgxn install vector`). */
function installsExtension(run: string, extension: string): boolean {
  const names = [extension, extension.replace(/^pg_?/, ''), `pg${extension}`]
    .filter((n) => n.length >= 3)
    .map(escapeRegExp);
  return new RegExp(`(^|[^\\w])(${names.join('|')})([^\\w]|$)`, 'i').test(
    run.replace(/postgresql-\$?\{?\w*\}?-/g, ' '),
  );
}

/** Images known to lack an extension: the official one, and those built for another extension. */
const STOCK_IMAGES: Array<[RegExp, string | undefined]> = [
  [/^((docker\.io\/)?library\/)?postgres$/, undefined],
  [/(^|\/)pgvector\/pgvector$/, 'vector'],
  [/(^|\/)postgis\/postgis$/, 'postgis'],
  [/(^|\/)timescale\/timescaledb$/, 'timescaledb'],
];

/**
 * Whether the image may have the extension: Supabase's has them all; a stock image has only its
 * own; any other image (a team's own, built for its migrations) is the one development runs.
 */
function mayHave(image: string, extension: string): boolean {
  const path = image
    .toLowerCase()
    .split('@')[0]
    .split(/:(?=[^/]*$)/)[0];
  if (path.endsWith('supabase/postgres')) return true;
  if (!followsOfficialContract(image)) return false;
  const stock = STOCK_IMAGES.find(([pattern]) => pattern.test(path));
  return stock ? stock[1] === extension : true;
}

const SETUP =
  '`setup: [path/to/init.sql]` in .schemagate.yml (SQL run before the merged history, as the migration role or, where it must, the superuser)';
const PRESET =
  '`preset: supabase` in .schemagate.yml: it creates what Supabase provides (the roles anon, authenticated, service_role, the auth, storage and extensions schemas, auth.users, auth.uid()) before the merged history';

function roleRemedy(role: string): string {
  if (SUPABASE_ROLE_SET.has(role)) return `${PRESET}.`;
  return `${SETUP}: create role ${role} there, as the script that prepares production's database does.`;
}

interface MissingObject {
  kind: string;
  name: string;
}

function missingObject(sqlstate: string, message: string): MissingObject | undefined {
  if (!['3F000', '42P01', '42883', '42704'].includes(sqlstate)) return undefined;
  const m =
    /^(schema|relation|function|type|operator|text search configuration|collation) "?([^"]+?)"? does not exist/.exec(
      message,
    );
  return m ? { kind: m[1], name: m[2] } : undefined;
}

/** The remedy naming the repository's file that makes the schema or role, if one does. */
function madeInRepository(f: FailedSetupStatement, kind: string, name: string): string | undefined {
  const source = setupSourceOf(f.options.repoRoot, f.options.dir, kind, name);
  return source && setupSourceRemedy(source, kind, name);
}

function objectRemedy(missing: MissingObject, f: FailedSetupStatement): string {
  const schema = missing.kind === 'schema' ? missing.name : missing.name.split('.')[0];
  if (missing.kind === 'schema') {
    const made = madeInRepository(f, 'schema', schema);
    if (made) return made;
  }
  if (missing.kind === 'relation' && !missing.name.includes('.') && f.elsewhere?.length)
    return `\`searchPath: [${f.elsewhere[0]}]\` in .schemagate.yml: ${missing.name} is in schema ${f.elsewhere.join(', ')}, which production resolves unqualified names in (a search_path set on the database, ALTER DATABASE … SET search_path, or by the migration runner) and the migrations' session here does not.`;
  if (missing.name.includes('.') || missing.kind === 'schema') {
    if (SUPABASE_SCHEMA_SET.has(schema)) return platformRemedy(missing, f);
    if (schema === 'public' && missing.kind === 'relation' && f.options.topology === 'schema')
      return publicInSchemaTopology(missing.name, f.format);
  }
  return `${SETUP}: create ${missing.kind} ${missing.name} there, as the script that prepares production's database does.`;
}

/**
 * The history's first migration expects an object nothing in the repository makes: the
 * migrations that made it are gone, and production's schema is the place to start from.
 */
function trimmedHistoryRemedy(missing: MissingObject, f: FailedSetupStatement): string {
  const first = `${f.trace.file} is the first migration in the repository and expects ${missing.kind} ${missing.name}, which no file here creates: the migrations that made it were removed (a trimmed or squashed history).`;
  const snapshot = f.historyStart?.snapshots[0];
  if (snapshot)
    return `${first} Start from the schema snapshot beside them with \`baseline: ${snapshot}\` in .schemagate.yml (the merged migrations are taken as applied to it, and the PR's replay on top).`;
  return `${first} Start from production's schema with \`baseline: path/to/schema.sql\` in .schemagate.yml (\`pg_dump --schema-only\` of a database migrated to the base branch), or create it with ${SETUP}.`;
}

/** What the preset creates in Supabase's schemas, by name without parentheses. */
const PRESET_OBJECTS = new Set(SUPABASE_OBJECTS.map((o) => o.replace(/\(\)$/, '')));

/**
 * An object in a schema Supabase provides (auth, storage, …). Without the preset: the preset,
 * or `setup:` when the project is not a Supabase one (another tool's `auth.migrations`). With
 * it on, the preset made the schema but not this object: `setup:`.
 */
function platformRemedy(missing: MissingObject, f: FailedSetupStatement): string {
  const on = presetOf(f.options.repoRoot, f.options.dir, f.options.settings.preset);
  const create = `create ${missing.kind} ${missing.name} with ${SETUP}`;
  if (on)
    return `preset: supabase is on (${on.reason}) and creates what Supabase projects' migrations usually reference (auth.users, auth.identities, auth.sessions, auth.mfa_factors, storage.objects, …), not ${missing.kind} ${missing.name}: ${create}, as Supabase's services make it.`;
  if (missing.kind === 'schema' || PRESET_OBJECTS.has(missing.name.replace(/\(.*$/, '')))
    return `${PRESET}.`;
  return `${PRESET}, if this is a Supabase project; otherwise ${create}, as the tool that owns schema ${missing.name.split('.')[0]} makes it.`;
}

/** Migrations written in a programming language beside the SQL ones, by the runner that runs them. */
const CODE_MIGRATIONS: Array<{ ext: string; tool: string; language: string }> = [
  { ext: '.go', tool: 'goose', language: 'Go' },
];

/**
 * A code migration before the failing file (by the version its name starts with) whose source
 * names the missing object: it made it, compiled into the application, and no file replays it.
 */
function codeMigrationNaming(
  missing: MissingObject,
  f: FailedSetupStatement,
): { file: string; language: string; tool: string } | undefined {
  const kinds = CODE_MIGRATIONS.filter((c) => c.tool === f.format);
  if (kinds.length === 0) return undefined;
  const dir = dirname(f.trace.file);
  const version = leadingVersion(basename(f.trace.file));
  const bare = missing.name.split('.').pop()!.replace(/\(.*$/, '');
  if (version === undefined || !bare) return undefined;
  let names: string[];
  try {
    names = readdirSync(join(f.options.repoRoot, dir)).sort().reverse();
  } catch {
    return undefined;
  }
  const word = new RegExp(
    `(^|[^\\w])${bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`,
    'i',
  );
  for (const name of names) {
    const kind = kinds.find((c) => name.endsWith(c.ext) && !name.endsWith(`_test${c.ext}`));
    const v = kind && leadingVersion(name);
    if (!kind || v === undefined || v >= version) continue;
    try {
      if (word.test(readFileSync(join(f.options.repoRoot, dir, name), 'utf8')))
        return { file: join(dir, name), language: kind.language, tool: kind.tool };
    } catch {
      // unreadable: not evidence
    }
  }
  return undefined;
}

function leadingVersion(name: string): bigint | undefined {
  const m = /^(\d+)/.exec(name);
  return m ? BigInt(m[1]) : undefined;
}

function codeMigrationRemedy(
  missing: MissingObject,
  code: { file: string; language: string; tool: string },
): string {
  return `${code.file}, a ${code.language} migration ${code.tool} ran before this file, names ${missing.kind} ${missing.name}: it runs compiled into the application and cannot be replayed from files, so what it makes is missing here. Start from production's schema with \`baseline: path/to/schema.sql\` in .schemagate.yml (\`pg_dump --schema-only\` of a database migrated to the base branch; the merged migrations its version table lacks replay on top), or create it with ${SETUP}.`;
}

/** drizzle-kit writes `"public"."accounts"`: in the schema topology the table is in the tenant's schema. */
function publicInSchemaTopology(name: string, format: Format): string {
  const tool = format === 'drizzle' ? 'drizzle-kit qualifies every name with "public", and ' : '';
  return `${tool}these migrations create ${name.replace(/^public\./, '')} in the schema they run in, while this statement looks for it in public: with every tenant in one schema, use \`--topology shared\` (row-level security) or \`--topology database\`; the schema topology (each tenant's tables in its own schema) needs unqualified names.`;
}

/**
 * The schema, not a tenant's, that the failing statement names (or Postgres' message names
 * qualified): every tenant of the schema topology writes the same one, so a later tenant meets
 * what the first made there.
 */
function fixedSchema(
  statement: Statement | undefined,
  message: string,
  tenants: string[],
): string | undefined {
  const named = [
    ...schemaNames(statement?.ast),
    ...[...message.matchAll(/"(?:([^".]+)\.[^"]+)"/g)].map((m) => m[1]),
  ];
  return named.find((s) => !tenants.includes(s) && !SYSTEM_SCHEMAS.includes(s));
}

const SYSTEM_SCHEMAS = ['pg_catalog', 'information_schema', 'pg_temp'];

/** Every `schemaname` of the statement's tree (the schema of each relation it names). */
function schemaNames(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) schemaNames(n, out);
  else if (isRecord(node))
    for (const [key, value] of Object.entries(node)) {
      if (key === 'schemaname' && typeof value === 'string') out.push(value);
      else schemaNames(value, out);
    }
  return out;
}

function topologyRemedy(
  tenant: NonNullable<FailedSetupStatement['tenant']>,
  schema: string | undefined,
): string {
  const head = `\`topology: database\` (or \`topology: shared\`) in .schemagate.yml: it failed on ${tenant.name} but not on ${tenant.passedOn}`;
  const tail = `tenants of these migrations are not schemas.`;
  if (schema)
    return `${head}, on ${schema}, a schema the migrations write by name. In the schema topology every tenant is a schema of one database and replays the history there, so ${tenant.name} meets in ${schema} what ${tenant.passedOn} made; ${tail}`;
  return `${head}, which replayed the same history before it. In the schema topology every tenant is a schema of one database, so ${tenant.name} meets what ${tenant.passedOn} made there (a check of the catalog by table name alone, such as information_schema.tables, finds ${tenant.passedOn}'s table); ${tail}`;
}

function fallbackRemedy(sqlstate: string): string {
  if (sqlstate === '42501')
    return '`migrationRole: superuser` in .schemagate.yml: the migrations run here as a managed-platform-like admin, and production ran this one as a superuser.';
  // A syntax error no server setting explains: the file is not what production ran.
  if (sqlstate === '42601')
    return "production cannot have run this file as it reads now (it was edited after it ran, or its runner reads it otherwise): start from production's schema with `baseline: path/to/schema.sql` in .schemagate.yml (`pg_dump --schema-only` of a database migrated to the base branch), which leaves the merged files it holds unreplayed.";
  return `production ran this file on a database that held something no merged migration here creates: create it with ${SETUP}, or start from production's schema with \`baseline:\`.`;
}
