/**
 * Drizzle Kit: `NNNN_<name>.sql` files whose statements are separated by
 * `--> statement-breakpoint`, run in the order of `meta/_journal.json` (its `entries[].idx` and
 * `tag`). drizzle-orm's migrator runs all pending migrations statement by statement inside one
 * transaction. Only journal entries run: a file the journal does not list never runs, and an
 * entry without its file stops the migrator. An entry is pending only when its `when` is later
 * than the newest applied entry's (the graph gate checks the PR's entries against that).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import type { Discovery, Finding, Migration } from '../core/model.js';
import {
  assertDirectory,
  checksumOf,
  listFileNames,
  locateDir,
  peekText,
  readMigrationFile,
  repoPath,
  type MigrationDir,
} from './files.js';
import { scriptOf, type FormatModule } from './format.js';
import { GRAPH, finding } from '../rules/index.js';

const SQL_FILE = /^(\d+)_(.+)\.sql$/;
const JOURNAL = 'meta/_journal.json';
const POSTGRES_DIALECTS = ['postgresql', 'pg'];

interface JournalEntry {
  idx: number;
  tag: string;
  /** Line of the entry's `"tag"` in the journal file. */
  line: number;
  /** The entry's `when` (ms since the epoch) and its line, when the journal has one. */
  when?: { millis: number; line: number };
}

async function detect(dir: string): Promise<string | undefined> {
  if (!existsSync(join(dir, JOURNAL))) return undefined;
  if ((await journalListsNone(dir)) !== undefined) return undefined;
  const files = (await listFileNames(dir)).filter((n) => SQL_FILE.test(n));
  return `found ${JOURNAL} and ${files.length} Drizzle migration files`;
}

/**
 * A hand-written SQL set that keeps a drizzle `meta/` folder next to it: the number of `.sql`
 * files when the journal is readable and lists none of them (they are not Drizzle's), else
 * undefined.
 */
export async function journalListsNone(dir: string): Promise<number | undefined> {
  const text = await peekText(join(dir, JOURNAL));
  if (text === undefined) return undefined;
  let entries: unknown;
  try {
    entries = (JSON.parse(text) as { entries?: unknown }).entries;
  } catch {
    return undefined; // discovery reports the broken journal
  }
  const sql = (await listFileNames(dir)).filter((n) => n.endsWith('.sql'));
  const listed = new Set(
    (Array.isArray(entries) ? entries : []).map((e) => `${(e as { tag?: unknown })?.tag}.sql`),
  );
  return sql.length > 0 && !sql.some((n) => listed.has(n)) ? sql.length : undefined;
}

function lineOfTag(lines: string[], tag: string): number {
  const needle = `"tag"`;
  const index = lines.findIndex((l) => l.includes(needle) && l.includes(`"${tag}"`));
  return index < 0 ? 1 : index + 1;
}

/** The line of `"when": <millis>` nearest to the entry's tag line. */
function lineOfWhen(lines: string[], millis: number, tagLine: number): number {
  const pattern = new RegExp(`"when"\\s*:\\s*${millis}\\b`);
  let best = tagLine;
  let distance = Infinity;
  lines.forEach((l, i) => {
    if (pattern.test(l) && Math.abs(i + 1 - tagLine) < distance) {
      best = i + 1;
      distance = Math.abs(i + 1 - tagLine);
    }
  });
  return best;
}

async function readJournal(dir: MigrationDir): Promise<JournalEntry[]> {
  const file = repoPath(dir, JOURNAL);
  const text = await peekText(join(dir.abs, JOURNAL));
  if (text === undefined) throw new InputError(`${file} is missing; drizzle-kit migrate needs it`);
  let journal: {
    dialect?: string;
    entries?: Array<{ idx?: unknown; tag?: unknown; when?: unknown }>;
  };
  try {
    journal = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (journal.dialect !== undefined && !POSTGRES_DIALECTS.includes(journal.dialect)) {
    throw new InputError(
      `${file}: dialect is "${journal.dialect}"; schemagate replays PostgreSQL migrations only`,
    );
  }
  if (!Array.isArray(journal.entries)) throw new InputError(`${file}: no "entries" array`);
  const lines = text.split(/\r?\n/);
  return journal.entries.map((e, i) => {
    if (typeof e.tag !== 'string') throw new InputError(`${file}: entry ${i} has no "tag"`);
    const idx = typeof e.idx === 'number' ? e.idx : i;
    const line = lineOfTag(lines, e.tag);
    const when =
      typeof e.when === 'number' && Number.isFinite(e.when)
        ? { millis: e.when, line: lineOfWhen(lines, e.when, line) }
        : undefined;
    return { idx, tag: e.tag, line, when };
  });
}

async function toMigration(repoRoot: string, dir: MigrationDir, entry: JournalEntry) {
  const file = repoPath(dir, `${entry.tag}.sql`);
  const source = await readMigrationFile(repoRoot, file);
  const m = SQL_FILE.exec(`${entry.tag}.sql`);
  const migration: Migration = {
    id: entry.tag,
    name: m ? m[2] : entry.tag,
    format: 'drizzle',
    sortKey: [entry.idx],
    file,
    up: scriptOf(file, source, 'transaction'),
    checksum: checksumOf(source),
    state: 'new',
  };
  if (entry.when) {
    migration.journalWhen = {
      millis: entry.when.millis,
      file: repoPath(dir, JOURNAL),
      line: entry.when.line,
    };
  }
  return migration;
}

async function discover(repoRoot: string, dirPath: string): Promise<Discovery> {
  const dir = locateDir(repoRoot, dirPath);
  await assertDirectory(dir);
  const entries = (await readJournal(dir)).sort((a, b) => a.idx - b.idx);
  const files = new Set((await listFileNames(dir.abs)).filter((n) => n.endsWith('.sql')));
  const journalFile = repoPath(dir, JOURNAL);
  const findings: Finding[] = [];
  const migrations: Migration[] = [];
  for (const entry of entries) {
    if (files.has(`${entry.tag}.sql`)) {
      migrations.push(await toMigration(repoRoot, dir, entry));
      continue;
    }
    findings.push(
      finding(GRAPH.drizzleJournalMissingFile, {
        file: journalFile,
        line: entry.line,
        endLine: entry.line,
        message: `the journal lists ${entry.tag} (idx ${entry.idx}) but ${repoPath(dir, `${entry.tag}.sql`)} does not exist; drizzle-orm's migrator stops with "No file ${entry.tag}.sql found"`,
        help: 'Restore the migration file, or regenerate the journal with drizzle-kit instead of deleting files by hand.',
      }),
    );
  }
  const listed = new Set(entries.map((e) => `${e.tag}.sql`));
  for (const name of [...files].filter((n) => !listed.has(n)).sort()) {
    findings.push(
      finding(GRAPH.drizzleFileNotInJournal, {
        file: repoPath(dir, name),
        line: 1,
        endLine: 1,
        message: `${repoPath(dir, name)} is not in ${journalFile}; drizzle-orm only runs journal entries, so this migration never runs`,
        help: 'Generate migrations with drizzle-kit generate (it adds the journal entry), or delete the stray file.',
      }),
    );
  }
  return {
    format: 'drizzle',
    reason: '',
    migrations,
    oneTransaction: true,
    findings,
    notes: ['Drizzle migrations have no down migrations: rollback is not replayed'],
  };
}

export const drizzle: FormatModule = {
  format: 'drizzle',
  priority: 4,
  expects: 'NNNN_{name}.sql files listed in meta/_journal.json',
  detect,
  discover,
};
