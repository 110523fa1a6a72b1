/**
 * Flyway: `V{version}__{description}.sql` versioned migrations ordered by version, compared part
 * by part as numbers (1.2 < 1.2.10 < 1.10; 1.0 equals 1), `U{version}__...` undo scripts as their
 * downs, `R__{description}.sql` repeatables after every versioned one, ordered by description.
 * Each script runs in a transaction unless its `.sql.conf` says `executeInTransaction=false`.
 * A baseline migration `B{version}__...` starts a new database when no versioned migration up to
 * its version is here (the squashed history's replacement), as Flyway starts one from the latest.
 * Scripts in subfolders count too, as Flyway scans its locations recursively (flyway-locations.ts).
 */
import { join, posix } from 'node:path';
import {
  compareSortKeys,
  type Discovery,
  type Finding,
  type Migration,
  type Script,
} from '../core/model.js';
import {
  assertDirectory,
  checksumOf,
  listSqlFilesBelow,
  locateDir,
  peekText,
  readMigrationFile,
  repoPath,
  type MigrationDir,
} from './files.js';
import {
  byVersion,
  downOrNothing,
  duplicateVersionFindings,
  scriptOf,
  type FormatModule,
} from './format.js';
import { InputError } from '../core/errors.js';
import { orphanDownFinding } from '../rules/graph-findings.js';
import { loadFlywayConfig, substitute, type FlywayConfig } from './flyway-placeholders.js';
import { flywayTransaction, sqlConfTransaction } from './flyway-transactions.js';
import type { Settings } from '../core/settings.js';
import {
  assertNoClashAcrossFolders,
  flywayScripts,
  skippedNotes,
  type FlywayScripts,
} from './flyway-locations.js';

const VERSIONED = /^([VUB])(\d+(?:[._]\d+)*)__(.+)\.sql$/;
const REPEATABLE = /^R__(.+)\.sql$/;
/**
 * Flyway's SQL callbacks: `<event>.sql` or `<event>__<description>.sql` beside the migrations
 * (afterMigrate.sql re-granting privileges after every migrate is the common one). Flyway runs
 * them around its commands; they are not migrations.
 */
const CALLBACK_EVENTS = [
  'beforeMigrate',
  'beforeRepeatables',
  'beforeEachMigrate',
  'beforeEachMigrateStatement',
  'afterEachMigrateStatement',
  'afterEachMigrateStatementError',
  'afterEachMigrate',
  'afterEachMigrateError',
  'afterMigrate',
  'afterMigrateApplied',
  'afterVersioned',
  'afterMigrateError',
  'afterMigrateOperationFinish',
  'beforeUndo',
  'beforeEachUndo',
  'beforeEachUndoStatement',
  'afterEachUndoStatement',
  'afterEachUndoStatementError',
  'afterEachUndo',
  'afterEachUndoError',
  'afterUndo',
  'afterUndoError',
  'afterUndoOperationFinish',
  'beforeClean',
  'afterClean',
  'afterCleanError',
  'beforeInfo',
  'afterInfo',
  'afterInfoError',
  'beforeValidate',
  'afterValidate',
  'afterValidateError',
  'beforeBaseline',
  'afterBaseline',
  'afterBaselineError',
  'beforeRepair',
  'afterRepair',
  'afterRepairError',
  'createSchema',
  'beforeConnect',
  'afterConnect',
];
const CALLBACK = new RegExp(`^(${CALLBACK_EVENTS.join('|')})(?:__.*)?\\.sql$`);
/** Repeatables sort after every versioned migration. */
const AFTER_VERSIONS = Number.MAX_SAFE_INTEGER;

interface FlywayFile {
  /** Relative to the migration folder, `/`-separated (`common/V1__a.sql`). */
  path: string;
  name: string;
  prefix: 'V' | 'U' | 'B' | 'R';
  version: string;
  parts: number[];
  description: string;
}

function parseName(path: string): FlywayFile | undefined {
  const name = posix.basename(path);
  const r = REPEATABLE.exec(name);
  if (r) return { path, name, prefix: 'R', version: '', parts: [], description: r[1] };
  const v = VERSIONED.exec(name);
  if (!v) return undefined;
  const version = v[2].replace(/_/g, '.');
  const parts = version.split('.').map(Number);
  return { path, name, prefix: v[1] as 'V' | 'U' | 'B', version, parts, description: v[3] };
}

/** Flyway ignores trailing zero parts: 1.0 and 1 are one version. */
function flywayVersionKey(parts: number[]): number[] {
  const key = [...parts];
  while (key.length > 1 && key[key.length - 1] === 0) key.pop();
  return key;
}

/** Folders below the migration folder that detection looks into (Flyway itself scans all). */
const DETECT_DEPTH = 2;

async function detect(dir: string): Promise<string | undefined> {
  const files = (await listSqlFilesBelow(dir, DETECT_DEPTH)).flatMap((n) => parseName(n) ?? []);
  const runnable = files.filter((f) => f.prefix === 'V' || f.prefix === 'R');
  if (runnable.length === 0) return undefined;
  const found = `found ${files.length} files named V{version}__{description}.sql or R__{description}.sql`;
  const all = [...new Set(files.map((f) => posix.dirname(f.path)))];
  const folders = all.filter((f) => f !== '.').map((f) => `${f}/`);
  if (folders.length === 0) return found;
  const itself = folders.length < all.length ? ' and the folder itself' : '';
  return `${found} in ${folders.join(', ')}${itself}, as Flyway scans subfolders`;
}

/** The script as Flyway sends it: placeholders replaced, in a transaction or not. */
async function flywayScript(
  abs: string,
  file: string,
  source: string,
  config: FlywayConfig,
  findings: Finding[],
): Promise<Script> {
  const replaced = substitute(source, file, config);
  findings.push(...replaced.findings);
  const script = scriptOf(file, replaced.source, 'transaction');
  const override = sqlConfTransaction(await peekText(`${abs}.conf`));
  const { transaction, finding } = flywayTransaction(script, override, config);
  if (finding) findings.push(finding);
  return { ...script, transaction };
}

async function toMigration(
  repoRoot: string,
  dir: MigrationDir,
  f: FlywayFile,
  undo: FlywayFile | undefined,
  config: FlywayConfig,
  findings: Finding[],
): Promise<Migration> {
  const file = repoPath(dir, f.path);
  const downFile = undo ? repoPath(dir, undo.path) : undefined;
  const source = await readMigrationFile(repoRoot, file);
  const downSource = downFile ? await readMigrationFile(repoRoot, downFile) : undefined;
  const down =
    undo && downFile && downSource !== undefined
      ? downOrNothing(
          await flywayScript(join(dir.abs, undo.path), downFile, downSource, config, findings),
        )
      : undefined;
  const up = await flywayScript(join(dir.abs, f.path), file, source, config, findings);
  return {
    id: f.prefix === 'R' ? `R__${f.description}` : f.version,
    name: f.description,
    format: 'flyway',
    sortKey: f.prefix === 'R' ? [AFTER_VERSIONS, f.description] : flywayVersionKey(f.parts),
    file,
    ...(downFile ? { downFile } : {}),
    up,
    ...(down ? { down } : {}),
    checksum: checksumOf(source, downSource),
    ...(f.prefix === 'R' ? { repeatable: true } : {}),
    state: 'new',
  };
}

async function discover(
  repoRoot: string,
  dirPath: string,
  settings?: Settings,
): Promise<Discovery> {
  const dir = locateDir(repoRoot, dirPath);
  await assertDirectory(dir);
  const config = loadFlywayConfig(repoRoot, dir.abs, settings?.flyway);
  const scriptFindings: Finding[] = [];
  const scripts = await flywayScripts(dir, settings?.flyway?.locations);
  const names = scripts.paths;
  const files = names.flatMap((n) => parseName(n) ?? []);
  const key = (f: FlywayFile) => flywayVersionKey(f.parts).join('.');
  const start = startingBaseline(files);
  const runnable = files.filter((f) => f.prefix === 'V' || f.prefix === 'R' || f === start);
  assertRunnable(dir, runnable, scripts);
  if (!scripts.chosen) {
    assertNoClashAcrossFolders(dir, runnable, (f) =>
      f.prefix === 'R' ? `R__${f.description}` : key(f),
    );
  }
  const undos = new Map(files.filter((f) => f.prefix === 'U').map((u) => [key(u), u]));
  const migrations: Migration[] = [];
  for (const f of runnable) {
    const undo = f.prefix === 'V' ? undos.get(key(f)) : undefined;
    if (undo) undos.delete(key(f));
    migrations.push(await toMigration(repoRoot, dir, f, undo, config, scriptFindings));
  }
  migrations.sort(byVersion(compareSortKeys));
  const findings: Finding[] = [
    ...scriptFindings,
    ...[...undos.values()].map((u) =>
      orphanDownFinding({ file: repoPath(dir, u.path), version: u.version }, 'Flyway'),
    ),
    ...duplicateVersionFindings(migrations, (m) => m.sortKey.join('.'), 'Flyway'),
  ];
  return {
    format: 'flyway',
    reason: '',
    migrations,
    findings,
    notes: [...skippedNotes(dir, scripts), ...notesFor(dir, names, files, start)],
    ...(config.outOfOrder ? { outOfOrder: true } : {}),
  };
}

/**
 * The baseline migration a new database starts from: the latest `B` file with no versioned
 * migration at or below its version. Where the versioned migrations it stands for are still here,
 * replaying them from an empty database builds the same schema, and the baseline is not replayed.
 */
/**
 * Every script Flyway would run is in a folder passed over (only `dev/` holds them, say): an
 * input error naming the folders, rather than "no migrations".
 */
function assertRunnable(dir: MigrationDir, runnable: FlywayFile[], scripts: FlywayScripts): void {
  if (runnable.length > 0 || scripts.skipped.length === 0) return;
  const folders = scripts.skipped.map((s) => `${repoPath(dir, s.folder)}/`).join(', ');
  throw new InputError(
    `the Flyway migrations in ${dir.rel} are all in ${folders}, folders for a non-production environment or another database, which this check passes over: set flyway.locations in .schemagate.yml to the folders production's Flyway scans (e.g. flyway: { locations: [${scripts.skipped[0].folder}] }), or check that folder itself`,
  );
}

function startingBaseline(files: FlywayFile[]): FlywayFile | undefined {
  const versioned = files.filter((f) => f.prefix === 'V').map((f) => flywayVersionKey(f.parts));
  const eligible = files.filter(
    (b) =>
      b.prefix === 'B' &&
      !versioned.some((v) => compareSortKeys(v, flywayVersionKey(b.parts)) <= 0),
  );
  return eligible.sort((a, b) =>
    compareSortKeys(flywayVersionKey(b.parts), flywayVersionKey(a.parts)),
  )[0];
}

function notesFor(
  dir: MigrationDir,
  names: string[],
  files: FlywayFile[],
  start: FlywayFile | undefined,
): string[] {
  const baselines = files.filter((f) => f.prefix === 'B' && f !== start);
  const recognised = new Set(files.map((f) => f.path));
  const unnamed = names.filter((n) => n.endsWith('.sql') && !recognised.has(n));
  const callbacks = unnamed.flatMap((n) => {
    const m = CALLBACK.exec(posix.basename(n));
    return m ? [{ name: n, event: m[1] }] : [];
  });
  const stray = unnamed.filter((n) => !CALLBACK.test(posix.basename(n)));
  return [
    ...(start
      ? [
          `${repoPath(dir, start.path)} is a baseline migration and no versioned migration up to version ${start.version} is here: Flyway starts a new database from it, and so does this check`,
        ]
      : []),
    ...baselines.map(
      (b) =>
        `${repoPath(dir, b.path)} is a baseline migration: it is not replayed; the versioned migrations are replayed from an empty database instead`,
    ),
    ...callbacks.map(
      (c) =>
        `${repoPath(dir, c.name)} is a Flyway callback (${c.event}): Flyway runs it ${callbackWhen(c.event)}; this check does not run callbacks, so what it creates or grants is missing from the replayed databases`,
    ),
    ...stray.map(
      (n) =>
        `${repoPath(dir, n)} is not named like a Flyway migration; Flyway ignores it, and so does this check`,
    ),
  ];
}

const CALLBACK_WHEN: Record<string, string> = {
  beforeMigrate: 'before every migrate',
  afterMigrate: 'after every migrate',
  beforeEachMigrate: 'before each migration',
  afterEachMigrate: 'after each migration',
  beforeRepeatables: 'before the repeatable migrations',
  afterMigrateError: 'after a migrate that fails',
};

function callbackWhen(event: string): string {
  return CALLBACK_WHEN[event] ?? `on its ${event} event`;
}

export const flyway: FormatModule = {
  format: 'flyway',
  priority: 20,
  expects: 'V{version}__{description}.sql (U… undo, R__… repeatable)',
  detect,
  discover,
};
