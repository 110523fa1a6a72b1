/**
 * sqlc: `sqlc.yaml` / `sqlc.yml` / `sqlc.json` (version 1 `packages[]` or version 2 `sql[]`)
 * names the schema the queries compile against and the query files. The schema is usually a
 * migration directory of another tool (golang-migrate, goose, dbmate...), which is discovered
 * with that tool's rules; plain schema files run in the order listed. The query files are kept
 * for the compat gate.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InputError, getErrorMessage } from '../core/errors.js';
import { compareSortKeys, type Discovery, type Finding, type Migration } from '../core/model.js';
import {
  checksumOf,
  listFileNames,
  locateDir,
  peekText,
  readMigrationFile,
  relativeToRepo,
} from './files.js';
import { scriptOf, type FormatModule } from './format.js';
import { SCHEMA_FORMAT_MODULES, detectFormat } from './detect.js';
import type { Settings } from '../core/settings.js';

const CONFIG_NAMES = ['sqlc.yaml', 'sqlc.yml', 'sqlc.json'];

export interface SqlcConfig {
  /** Repository-relative path of the config file. */
  file: string;
  /** Repository-relative schema paths (files or directories) of the postgresql entries. */
  schema: string[];
  /** Repository-relative query paths (files or directories). */
  queries: string[];
}

function configIn(abs: string): string | undefined {
  return CONFIG_NAMES.map((n) => join(abs, n)).find((p) => existsSync(p));
}

async function detect(dir: string): Promise<string | undefined> {
  const found = configIn(dir);
  return found ? `found ${found.split('/').pop()} with engine postgresql` : undefined;
}

function pathsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Reads the config's postgresql entries; other engines' entries are not this tool's business. */
export async function readSqlcConfig(repoRoot: string, abs: string): Promise<SqlcConfig> {
  const file = relativeToRepo(repoRoot, abs);
  const text = (await peekText(abs)) ?? '';
  let raw: { version?: unknown; packages?: unknown; sql?: unknown };
  try {
    raw = (abs.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) ?? {};
  } catch (error) {
    throw new InputError(`${file}: cannot parse (${getErrorMessage(error).split('\n')[0]})`);
  }
  const entries = String(raw.version) === '1' ? raw.packages : raw.sql;
  if (!Array.isArray(entries)) {
    throw new InputError(`${file}: expected version "1" with packages[] or version "2" with sql[]`);
  }
  const postgres = entries.filter((e) => (e?.engine ?? 'postgresql') === 'postgresql');
  if (postgres.length === 0) {
    throw new InputError(
      `${file}: no entry with engine postgresql; schemagate replays PostgreSQL only`,
    );
  }
  const base = dirname(abs);
  const resolveAll = (key: 'schema' | 'queries') => [
    ...new Set(
      postgres.flatMap((e) => pathsOf(e[key]).map((p) => relativeToRepo(repoRoot, join(base, p)))),
    ),
  ];
  return { file, schema: resolveAll('schema'), queries: resolveAll('queries') };
}

/** `.sql` files of the query paths, each expanded when it is a directory. */
async function queryFiles(repoRoot: string, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const abs = join(repoRoot, p);
    if (!existsSync(abs)) throw new InputError(`sqlc queries path ${p} does not exist`);
    if (!statSync(abs).isDirectory()) out.push(p);
    else
      out.push(
        ...(await listFileNames(abs)).filter((n) => n.endsWith('.sql')).map((n) => `${p}/${n}`),
      );
  }
  return out;
}

async function schemaFileMigration(
  repoRoot: string,
  file: string,
  index: number,
): Promise<Migration> {
  const source = await readMigrationFile(repoRoot, file);
  const name = file
    .split('/')
    .pop()!
    .replace(/\.sql$/, '');
  return {
    id: name,
    name,
    format: 'sqlc',
    sortKey: [index],
    file,
    up: scriptOf(file, source, 'transaction'),
    checksum: checksumOf(source),
    declarative: true,
    state: 'new',
  };
}

/** Plain files named without a version (`tables.sql`, `views.sql`) are a schema kept in place. */
const unversioned = (m: Migration) => m.format === 'plain' && !/^\d/.test(m.file.split('/').pop()!);

/** A schema directory is discovered as whatever migration tool's layout it holds. */
async function schemaDirectory(
  repoRoot: string,
  path: string,
  settings?: Settings,
): Promise<Discovery> {
  const at = locateDir(repoRoot, path);
  const { module, reason } = await detectFormat(SCHEMA_FORMAT_MODULES, at.abs, at.rel);
  if (module.format === 'sqlc')
    throw new InputError(`${path}: a sqlc schema directory holds its own sqlc config`);
  return { ...(await module.discover(repoRoot, path, settings)), reason };
}

async function schemaMigrations(repoRoot: string, config: SqlcConfig, settings?: Settings) {
  const migrations: Migration[] = [];
  const findings: Finding[] = [];
  const reasons: string[] = [];
  for (const [i, path] of config.schema.entries()) {
    const abs = join(repoRoot, path);
    if (!existsSync(abs))
      throw new InputError(`${config.file}: schema path ${path} does not exist`);
    if (!statSync(abs).isDirectory()) {
      migrations.push(await schemaFileMigration(repoRoot, path, i));
      continue;
    }
    const found = await schemaDirectory(repoRoot, path, settings);
    reasons.push(`${path} is ${found.format}: ${found.reason}`);
    findings.push(...found.findings);
    migrations.push(
      ...found.migrations.map((m) => ({
        ...m,
        sortKey: [i, ...m.sortKey],
        ...(unversioned(m) ? { declarative: true } : {}),
      })),
    );
  }
  migrations.sort((a, b) => compareSortKeys(a.sortKey, b.sortKey));
  return { migrations, findings, reasons };
}

async function discover(
  repoRoot: string,
  dirPath: string,
  settings?: Settings,
): Promise<Discovery> {
  const dir = locateDir(repoRoot, dirPath);
  const abs = configIn(dir.abs) ?? configIn(repoRoot);
  if (!abs) {
    throw new InputError(
      `no sqlc.yaml, sqlc.yml or sqlc.json in ${dir.rel} or the repository root`,
    );
  }
  const config = await readSqlcConfig(repoRoot, abs);
  const { migrations, findings, reasons } = await schemaMigrations(repoRoot, config, settings);
  return {
    format: 'sqlc',
    reason: '',
    migrations,
    findings,
    notes: [
      `${config.file}: schema ${config.schema.join(', ')}${reasons.length ? ` (${reasons.join('; ')})` : ''}`,
    ],
    queries: await queryFiles(repoRoot, config.queries),
  };
}

export const sqlc: FormatModule = {
  format: 'sqlc',
  priority: 1,
  expects: 'sqlc.yaml, sqlc.yml or sqlc.json naming the schema and queries',
  detect,
  discover,
};
