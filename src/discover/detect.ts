/**
 * Format detection and the formats a directory of SQL can hold. sqlc's schema paths are
 * discovered with these, so they live apart from the full list (which includes sqlc itself).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { alembic } from './alembic.js';
import { dbmate } from './dbmate.js';
import { drizzle } from './drizzle.js';
import { flyway } from './flyway.js';
import type { FormatModule } from './format.js';
import { golangMigrate } from './golang-migrate.js';
import { goose } from './goose.js';
import { plain } from './plain.js';
import { prisma } from './prisma.js';

/** Every format except sqlc, whose schema paths hold one of these. */
export const SCHEMA_FORMAT_MODULES: FormatModule[] = [
  golangMigrate,
  flyway,
  goose,
  dbmate,
  plain,
  alembic,
  prisma,
  drizzle,
];

/** Runs every detector in priority order; the first that recognises the directory wins. */
export async function detectFormat(
  modules: FormatModule[],
  abs: string,
  rel: string,
): Promise<{ module: FormatModule; reason: string }> {
  const ordered = [...modules].sort((a, b) => a.priority - b.priority);
  for (const module of ordered) {
    const reason = await module.detect(abs);
    if (reason) return { module, reason };
  }
  const expected = ordered.map((m) => `${m.format} (${m.expects})`).join('; ');
  const found = await recognisedBelow(ordered, abs, rel);
  if (found.length > 0) {
    const [first] = found;
    throw new InputError(
      `no migrations recognised in ${rel}, but ${found.map((f) => `${f.dir} holds ${f.format} migrations`).join(', ')}: run schemagate check ${first.dir} (or set migrations: ${first.dir} in .schemagate.yml)`,
    );
  }
  throw new InputError(`no migrations recognised in ${rel}; expected one of: ${expected}`);
}

/** Where projects keep their migrations, below the folder a user names. */
const USUAL_FOLDERS = [
  'migrations',
  'db/migrations',
  'db/migrate',
  'database/migrations',
  'sql/migrations',
  'schema/migrations',
  'internal/db/migrations',
  'internal/database/migrations',
  'src/migrations',
  'src/db/migrations',
  'migrations/sql',
  'supabase/migrations',
  'prisma/migrations',
  'drizzle',
  'src/main/resources/db/migration',
];

/** The usual migration folders below `abs` whose files a format recognises. */
export async function recognisedBelow(
  modules: FormatModule[],
  abs: string,
  rel: string,
): Promise<Array<{ dir: string; format: string }>> {
  const out: Array<{ dir: string; format: string }> = [];
  for (const folder of USUAL_FOLDERS) {
    const dir = join(abs, folder);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const module of modules) {
      if (await module.detect(dir).catch(() => undefined)) {
        out.push({ dir: rel === '.' ? folder : `${rel}/${folder}`, format: module.format });
        break;
      }
    }
  }
  return out;
}
