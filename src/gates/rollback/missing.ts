import type { Discovery, Finding, Format, Migration } from '../../core/model.js';
import { ROLLBACK, finding } from '../../rules/index.js';

/** Formats whose migrations never have downs. */
const WITHOUT_DOWNS: ReadonlySet<Format> = new Set(['prisma', 'drizzle']);
/**
 * Formats where downs are optional extras (Flyway undo files, plain `.down.sql` companions, sqlc
 * over plain schema files): when none has one, say so once; when some do, the rest are missing.
 */
const OPTIONAL_DOWNS: ReadonlySet<Format> = new Set(['flyway', 'sqlc', 'plain']);

const FORMAT_TITLE: Partial<Record<Format, string>> = {
  prisma: 'Prisma',
  drizzle: 'Drizzle',
  plain: 'plain ordered .sql',
  sqlc: 'these sqlc schema',
};

/** True when the format (as used here) has no downs at all: one notice instead of a warning each. */
export function formatHasNoDowns(discovery: Discovery): boolean {
  if (WITHOUT_DOWNS.has(discovery.format)) return true;
  return OPTIONAL_DOWNS.has(discovery.format) && discovery.migrations.every((m) => !m.down);
}

export function noDownsNotice(discovery: Discovery): Finding {
  const why =
    discovery.format === 'flyway'
      ? 'these Flyway migrations have no undo (U__) files'
      : `${FORMAT_TITLE[discovery.format] ?? discovery.format} migrations have no down migrations`;
  return finding(ROLLBACK.noDowns, {
    message: `Rollback is not verified: ${why}. Rolling back in production means writing and running a new forward migration.`,
    help: 'Plan rollbacks as forward migrations (expand/contract), so that every deployed version of the application works with the schema before and after.',
  });
}

/** One finding per added migration without a down. */
export function missingDowns(added: Migration[], severity: 'warning' | 'blocker'): Finding[] {
  return (
    added
      // Flyway has no undo for repeatable migrations: they are re-run, never rolled back.
      .filter((m) => !m.down && !m.repeatable)
      // An up with no statement (its work is done in code) has nothing to roll back.
      .filter((m) => m.up.statements.length > 0)
      .map((m) =>
        finding(ROLLBACK.missingDown, {
          severity,
          // At the first up statement, so that an ignore comment above it applies.
          file: m.up.statements[0]?.file ?? m.file,
          line: m.up.statements[0]?.line ?? 1,
          message:
            m.emptyDown || m.downFile
              ? `${label(m)} has a down that does nothing (${m.downFile ?? `its ${downSectionName(m)} section`} holds no statement): rolling it back leaves every change of the up in place.`
              : `${label(m)} has no down migration${expectedDown(m)}: it cannot be rolled back.`,
          help: 'Add a down that undoes the up exactly (drop what it creates, restore what it changes). If the change is not reversible, say so in the down by raising an error, and plan a forward fix.',
        }),
      )
  );
}

/** `000002 (add_users)`; the id alone when the name says nothing more. */
function label(m: Migration): string {
  return m.name && m.name !== m.id ? `${m.id} (${m.name})` : m.id;
}

function downSectionName(m: Migration): string {
  return m.format === 'goose' ? '`-- +goose Down`' : '`-- migrate:down`';
}

function expectedDown(m: Migration): string {
  if (m.format === 'golang-migrate' && m.file.endsWith('.up.sql')) {
    return ` (expected ${m.file.replace(/\.up\.sql$/, '.down.sql')})`;
  }
  if (m.format === 'goose') return ' (no `-- +goose Down` section)';
  if (m.format === 'dbmate') return ' (no `-- migrate:down` section)';
  return '';
}
