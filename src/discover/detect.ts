/**
 * Format detection and the formats a directory of SQL can hold. sqlc's schema paths are
 * discovered with these, so they live apart from the full list (which includes sqlc itself).
 */
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
  throw new InputError(`no migrations recognised in ${rel}; expected one of: ${expected}`);
}
