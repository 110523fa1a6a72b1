import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { InputError } from '../core/errors.js';
import type { Options } from '../core/options.js';
import type { BaseSource } from '../core/report.js';
import { relativeToRepo } from '../core/paths.js';
import { astOf } from '../sql/ast.js';
import { readPgDump, type PgDump } from '../sql/pg-dump.js';
import { git } from '../plan/plan.js';
import { TENANTS_FILE, readTenantsFile } from './baseline-snapshot.js';

/**
 * `baseline:` (`--baseline`): the base is a schema dump of production, or a `schemagate snapshot`
 * folder of one dump per variant, instead of the replayed merged history. Read once, before the
 * cluster starts, so that bad input ends the run before anything is spent on it.
 */

export interface BaselineVariant {
  name: string;
  /** The dump's path, relative to the repository root. */
  file: string;
  dump: PgDump;
  /** The tenant (schema or database) the dump holds; stands for `tenants` in the run. */
  representative?: string;
  /** The production tenants the variant stands for (a snapshot's). */
  tenants: string[];
}

export interface Baseline {
  kind: 'dump' | 'snapshot';
  /** As the report names it: relative to the repository root. */
  path: string;
  variants: BaselineVariant[];
  /**
   * The simulated tenants when the baseline decides them (the schema topology's dump: its tenant
   * schemas; a snapshot: the variants' representatives); else the run's own.
   */
  tenantNames?: string[];
  /** Production's tenants a snapshot stands for. */
  tenantCount?: number;
}

/** Schemas of tools and platforms, never a tenant's. */
export const NOT_TENANTS =
  /^(drizzle|supabase_migrations|auth|storage|extensions|graphql|graphql_public|realtime|vault|pgsodium|pgsodium_masks|net|supabase_functions|pgbouncer|cron|topology|tiger|_realtime|pg_.*)$/;

/**
 * The baseline, read as the base commit has it when one is given: a dump kept in the repository
 * (dbmate's `db/schema.sql`, Rails' `structure.sql`) is rewritten by the pull request that adds a
 * migration, and production is what the base holds. `notes` gets what was read from where.
 */
export function readBaseline(
  options: Options,
  baseCommit?: string,
  notes: string[] = [],
): Baseline | undefined {
  const given = options.settings.baseline;
  if (given === undefined) return undefined;
  const abs = isAbsolute(given) ? given : resolve(options.repoRoot, given);
  const inRepo = relativeToRepo(options.repoRoot, abs);
  const path = inRepo.startsWith('../') ? abs : inRepo || '.';
  if (!existsSync(abs)) throw new InputError(`baseline: ${given} does not exist`);
  if (statSync(abs).isDirectory()) return readSnapshot(options, abs, path);
  const text = readDumpText(abs, path);
  const atBase =
    baseCommit && path === inRepo ? showAt(options.repoRoot, baseCommit, path) : undefined;
  if (baseCommit && path === inRepo && atBase === undefined)
    notes.push(`baseline: ${path} is not in the base commit; read as this checkout has it`);
  else if (atBase !== undefined && atBase !== text)
    notes.push(
      `baseline: ${path} read as the base commit has it (this pull request changes it; production has the base's)`,
    );
  const dump = parseDump(atBase ?? text, path);
  const variant = { name: 'dump', file: path, dump, tenants: [] };
  const baseline: Baseline = { kind: 'dump', path, variants: [variant] };
  // Without a topology setting the migrations may still choose the database topology: the
  // dump's tenants are decided after they are read (dumpTenantChoice).
  if (options.topology !== 'schema' || options.topologyDefault) return baseline;
  return { ...baseline, tenantNames: dumpTenants(variant.dump, path, options) };
}

/**
 * With no topology setting and a dump for the base: its tenant schemas when it has alike ones,
 * else the database topology and why (a production dump of one application's schemas).
 */
export function dumpTenantChoice(
  baseline: Baseline,
  options: Options,
): { tenantNames: string[] } | { databaseReason: string } | undefined {
  if (baseline.kind !== 'dump' || options.topology !== 'schema') return undefined;
  const { dump, file } = baseline.variants[0];
  const created = createdSchemas(dump);
  if (options.tenants.every((t) => created.includes(t))) return { tenantNames: options.tenants };
  const candidates = created.filter(
    (s) => s !== options.settings.sharedSchema && !NOT_TENANTS.test(s),
  );
  const why =
    'so it is checked as production runs it, one database (set topology: to choose another)';
  if (candidates.length === 0)
    return {
      databaseReason: `topology: database, as the baseline ${file} holds no schema besides ${options.settings.sharedSchema}, ${why}`,
    };
  const tables = tablesBySchema(dump);
  const shape = (schema: string) => [...(tables.get(schema) ?? [])].sort().join(',');
  if (candidates.length < 2 || candidates.some((s) => shape(s) !== shape(candidates[0])))
    return {
      databaseReason: `topology: database, as the schemas of the baseline ${file} (${candidates.join(', ')}) are not ${candidates.length < 2 ? 'several tenants' : 'alike, as tenant schemas are'}, ${why}`,
    };
  return { tenantNames: candidates };
}

function createdSchemas(dump: PgDump): string[] {
  return dump.statements
    .filter((s) => s.statement.kind === 'CreateSchemaStmt')
    .map((s) => astOf(s.statement, 'CreateSchemaStmt')?.schemaname ?? '')
    .filter(Boolean);
}

/** The tables the dump creates, by schema. */
function tablesBySchema(dump: PgDump): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of dump.statements) {
    const relation = astOf(s.statement, 'CreateStmt')?.relation;
    if (!relation?.relname) continue;
    const schema = relation.schemaname ?? 'public';
    if (!out.has(schema)) out.set(schema, new Set());
    out.get(schema)!.add(relation.relname);
  }
  return out;
}

function readSnapshot(options: Options, abs: string, path: string): Baseline {
  const indexFile = join(abs, TENANTS_FILE);
  if (!existsSync(indexFile))
    throw new InputError(
      `baseline: ${path} is a folder without ${TENANTS_FILE}; name a dump file, or a folder written by schemagate snapshot`,
    );
  const index = readTenantsFile(readFileSync(indexFile, 'utf8'), `${path}/${TENANTS_FILE}`);
  if (index.topology !== options.topology)
    throw new InputError(
      `baseline: ${path} is a snapshot of the ${index.topology} topology, and the check runs the ${options.topology} topology; run it with --topology ${index.topology}`,
    );
  const variants = index.variants.map((v) => {
    const file = `${path}/${v.file}`;
    const abs2 = join(abs, v.file);
    if (!existsSync(abs2))
      throw new InputError(`baseline: ${file} (variant ${v.name} of ${TENANTS_FILE}) is missing`);
    return { ...v, file, dump: parseDump(readDumpText(abs2, file), file) };
  });
  return {
    kind: 'snapshot',
    path,
    variants,
    // Each variant's representative is a simulated tenant (a schema, or a database of its own).
    ...(index.topology !== 'shared' ? { tenantNames: variants.map((v) => v.representative) } : {}),
    tenantCount: variants.reduce((n, v) => n + v.tenants.length, 0),
  };
}

/** Reads and parses a dump; a statement the parser refuses is bad input, named by its line. */
/** A file's text at a commit; undefined when the commit does not have it. */
function showAt(repoRoot: string, commit: string, path: string): string | undefined {
  try {
    return git(repoRoot, ['show', `${commit}:./${path}`]);
  } catch {
    return undefined;
  }
}

function readDumpText(abs: string, file: string): string {
  if (statSync(abs).size === 0) throw new InputError(`baseline: ${file} is empty`);
  return readFileSync(abs, 'utf8');
}

function parseDump(text: string, file: string): PgDump {
  if (text.trim() === '') throw new InputError(`baseline: ${file} is empty`);
  if (text.startsWith('PGDMP'))
    throw new InputError(
      `baseline: ${file} is a pg_dump archive (-Fc/-Ft); the baseline is plain SQL: pg_dump --schema-only -f ${file.replace(/\.\w+$/, '')}.sql, or pg_restore -f out.sql ${file}`,
    );
  const dump = readPgDump(text, file);
  const bad = dump.statements.find((s) => s.statement.kind === 'Unparsed');
  if (bad)
    throw new InputError(
      `baseline: ${file}:${bad.statement.line}: ${bad.statement.parseError ?? 'not valid SQL'}; the baseline must be a plain-text dump (pg_dump --schema-only, without -Fc)`,
    );
  const databases = new Set(dump.connects);
  if (databases.size > 1)
    throw new InputError(
      `baseline: ${file} holds ${databases.size} databases (${[...databases].join(', ')}); dump one database with pg_dump`,
    );
  if (dump.statements.length === 0 && dump.copies.length === 0)
    throw new InputError(`baseline: ${file} holds no SQL statement`);
  return dump;
}

/**
 * The schema topology's tenants in a dump: the configured names when the dump has them all,
 * else every schema it creates besides the shared one and the tools' and platforms'.
 */
function dumpTenants(dump: PgDump, file: string, options: Options): string[] {
  const created = createdSchemas(dump);
  if (options.tenants.every((t) => created.includes(t))) return options.tenants;
  const shared = options.settings.sharedSchema;
  const tenants = created.filter((s) => s !== shared && !NOT_TENANTS.test(s));
  if (tenants.length === 0)
    throw new InputError(
      `baseline: ${file} holds no tenant schema besides ${shared}; with --topology schema the dump must hold the tenants' schemas (pg_dump --schema-only --schema=${shared} --schema='tenant_*'), or check it with --topology database or shared`,
    );
  return tenants;
}

/** What the report's topology says about the base. */
export function baselineSummary(b: Baseline | undefined): BaseSource {
  if (!b) return { kind: 'history' };
  if (b.kind === 'dump') return { kind: 'dump', path: b.path };
  return { kind: 'snapshot', path: b.path, variants: b.variants.length, tenants: b.tenantCount! };
}
