/**
 * Prisma Migrate: `prisma/migrations/<timestamp>_<name>/migration.sql`, applied in folder-name
 * order, with `migration_lock.toml` naming the provider. Prisma sends a whole migration.sql as
 * one multi-statement string: one implicit transaction, as golang-migrate does. Prisma has no
 * down migrations. A folder holding `migration.ts` (or `.js`) instead of `migration.sql` is a
 * data migration the project's own runner runs in code, handing prisma only the SQL folders
 * (formbricks): prisma itself fails on it, as on any folder without migration.sql.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { compareSortKeys, type Discovery, type Migration } from '../core/model.js';
import {
  assertDirectory,
  checksumOf,
  locateDir,
  peekText,
  readMigrationFile,
  repoPath,
  type MigrationDir,
} from './files.js';
import { byVersion, scriptOf, type FormatModule } from './format.js';

const FOLDER = /^(\d+)_(.+)$/;
const LOCK_FILE = 'migration_lock.toml';
const PROVIDER = /^\s*provider\s*=\s*"([^"]*)"/;
const CODE_STEP = /^migration\.(ts|js|mjs|cjs|mts|cts)$/;

async function migrationFolders(abs: string): Promise<string[]> {
  const entries = await readdir(abs, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && FOLDER.test(e.name))
    .map((e) => e.name)
    .sort();
}

async function detect(dir: string): Promise<string | undefined> {
  const folders = (await migrationFolders(dir)).filter((f) =>
    existsSync(join(dir, f, 'migration.sql')),
  );
  if (folders.length === 0) return undefined;
  const lock = existsSync(join(dir, LOCK_FILE)) ? ` and ${LOCK_FILE}` : '';
  return `found ${folders.length} Prisma migration folders {timestamp}_{name}/migration.sql${lock}`;
}

/** The lock file's provider must be postgresql: any other database's SQL cannot replay here. */
async function checkProvider(dir: MigrationDir): Promise<string | undefined> {
  const text = await peekText(join(dir.abs, LOCK_FILE));
  if (text === undefined) return `${repoPath(dir, LOCK_FILE)} is missing; assuming postgresql`;
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((l) => PROVIDER.test(l));
  const file = repoPath(dir, LOCK_FILE);
  if (index < 0) throw new InputError(`${file}: no provider = "..." line`);
  const provider = PROVIDER.exec(lines[index])![1];
  if (provider !== 'postgresql') {
    throw new InputError(
      `${file}:${index + 1}: provider is "${provider}"; schemagate replays PostgreSQL migrations only (provider = "postgresql")`,
    );
  }
  return undefined;
}

/** A data migration in code: no migration.sql, a migration.ts or .js the project runs itself. */
async function isCodeStep(abs: string): Promise<boolean> {
  const names = await readdir(abs).catch(() => [] as string[]);
  return !names.includes('migration.sql') && names.some((n) => CODE_STEP.test(n));
}

async function toMigration(repoRoot: string, dir: MigrationDir, folder: string) {
  const file = repoPath(dir, folder, 'migration.sql');
  if (!existsSync(join(repoRoot, file))) {
    throw new InputError(
      `${repoPath(dir, folder)}: Prisma migration folder without migration.sql; prisma migrate deploy fails on it`,
    );
  }
  const source = await readMigrationFile(repoRoot, file);
  const name = FOLDER.exec(folder)![2];
  const migration: Migration = {
    id: folder,
    name,
    format: 'prisma',
    sortKey: [folder],
    file,
    up: scriptOf(file, source, 'implicit'),
    checksum: checksumOf(source),
    state: 'new',
  };
  return migration;
}

function codeStepsNote(dir: MigrationDir, folders: string[]): string {
  const named = folders.slice(0, 3).join(', ') + (folders.length > 3 ? ', …' : '');
  return `${dir.rel}: ${folders.length} migration folder(s) hold a migration.ts or .js and no migration.sql (${named}): data migrations the project's own runner runs in code (prisma migrate deploy fails on a folder without migration.sql); they are not replayed, so what they change is not checked`;
}

async function discover(repoRoot: string, dirPath: string): Promise<Discovery> {
  const dir = locateDir(repoRoot, dirPath);
  await assertDirectory(dir);
  const lockNote = await checkProvider(dir);
  const migrations: Migration[] = [];
  const codeSteps: string[] = [];
  for (const folder of await migrationFolders(dir.abs)) {
    if (await isCodeStep(join(dir.abs, folder))) codeSteps.push(folder);
    else migrations.push(await toMigration(repoRoot, dir, folder));
  }
  migrations.sort(byVersion(compareSortKeys));
  const notes = [
    'Prisma migrations have no down migrations: rollback is not replayed',
    ...(lockNote ? [lockNote] : []),
    ...(codeSteps.length > 0 ? [codeStepsNote(dir, codeSteps)] : []),
  ];
  return { format: 'prisma', reason: '', migrations, findings: [], notes };
}

export const prisma: FormatModule = {
  format: 'prisma',
  priority: 3,
  expects: '{timestamp}_{name}/migration.sql folders (prisma/migrations)',
  detect,
  discover,
};
