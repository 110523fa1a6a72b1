/**
 * What plain SQL runners read in a file: how it is sent (a no-transaction directive), and where
 * its down is when the file holds one. Each as the runner's own source reads it:
 * - postgres-migrations (npm): `-- postgres-migrations disable-transaction` anywhere;
 * - Atlas (ariga/atlas, `atlas.sum`): `-- atlas:txmode none|file` among the comment lines that open
 *   the file, which a blank line separates from the statements (sql/migrate LocalFile.Directive);
 * - rubenv/sql-migrate: `-- +migrate Up` / `-- +migrate Down [notransaction]` sections;
 * - jackc/tern: the file split at `---- create above / drop below ----` (up above, down below),
 *   `---- tern: disable-tx ----` on a line of its own in a direction running it without one.
 */
import type { Script, TransactionMode } from '../core/model.js';
import type { Settings } from '../core/settings.js';
import { findMarkers, lineCount, splitOnMarkers, splitSection } from '../sql/sections.js';
import { scriptFromStatements } from './format.js';

/** A file's runner sections: its up, and its down when it holds one. */
export interface Sections {
  runner: 'sql-migrate' | 'tern';
  up: Script;
  down?: Script;
}

/**
 * Directives of plain SQL runners that send a file without a transaction. postgres-migrations
 * (npm) looks for its comment anywhere in the file and then sends the file as one query string.
 */
const NO_TRANSACTION: Array<{ pattern: RegExp; mode: TransactionMode }> = [
  { pattern: /--\s*postgres-migrations disable-transaction/, mode: 'implicit' },
];

/** How a file is sent: a runner's directive in it, else the `transaction:` setting. */
export function transactionOf(source: string, setting: Settings['transaction']): TransactionMode {
  const directive = NO_TRANSACTION.find((d) => d.pattern.test(source));
  if (directive) return directive.mode;
  const atlas = atlasTxMode(source);
  if (atlas) return atlas;
  return setting === 'none' ? 'none' : 'transaction';
}

/** Atlas' directive line: `-- atlas:txmode none` (sql/migrate's reDirective). */
const ATLAS_DIRECTIVE = /^([ -~]*)atlas:(\w+)(?: +([ -~]*))?/;

/** The comment lines that open a file, when a blank line follows them (Atlas' file directives). */
function atlasHeader(source: string): string[] {
  const comments: string[] = [];
  let rest = source;
  while (rest.startsWith('#') || rest.startsWith('--')) {
    const nl = rest.indexOf('\n');
    if (nl < 0) return [...comments, rest];
    comments.push(rest.slice(0, nl).trim());
    rest = rest.slice(nl + 1);
  }
  return rest.startsWith('\n') ? comments : [];
}

/**
 * `-- atlas:txmode none`: each statement on its own, as Atlas runs it; `file`: the file in a
 * transaction (Atlas' default). Undefined when the file has no such directive.
 */
export function atlasTxMode(source: string): TransactionMode | undefined {
  for (const line of atlasHeader(source)) {
    const m = ATLAS_DIRECTIVE.exec(line);
    if (m?.[2] !== 'txmode') continue;
    const mode = (m[3] ?? '').trim();
    if (mode === 'none') return 'none';
    if (mode === 'file') return 'transaction';
  }
  return undefined;
}

/** sql-migrate (rubenv/sql-migrate): `-- +migrate Up` / `-- +migrate Down [notransaction]`. */
const SQL_MIGRATE = /^\s*--\s*\+migrate\s+(up|down)\b\s*(notransaction)?\s*$/i;
export const SQL_MIGRATE_UP = /^\s*--\s*\+migrate\s+up\b/im;

/** The Up and Down sections of a sql-migrate file, or undefined when it has none. */
function sqlMigrateSections(source: string, file: string): Sections | undefined {
  const sections = splitOnMarkers(source, file, SQL_MIGRATE);
  if (sections.length === 0) return undefined;
  // A direction may have several sections; `notransaction` on any of them applies to all.
  const of = (which: string) => {
    const mine = sections.filter((x) => x.marker.match[1].toLowerCase() === which);
    if (mine.length === 0) return undefined;
    const mode: TransactionMode = mine.some((x) => x.marker.match[2]) ? 'none' : 'transaction';
    return scriptFromStatements(
      file,
      mine.flatMap((x) => x.statements),
      mode,
    );
  };
  return {
    runner: 'sql-migrate',
    up: of('up') ?? scriptFromStatements(file, [], 'transaction'),
    down: of('down'),
  };
}

/** tern splits the file at the first occurrence of this text (migrate.go, LoadMigrations). */
export const TERN_SPLIT = '---- create above / drop below ----';
const TERN_DISABLE_TX = /^---- tern: disable-tx ----$/m;

/**
 * A tern file's up (the lines above the marker line) and down (the lines below it). Without
 * `---- tern: disable-tx ----` a direction runs in a transaction (or as `transaction:` says);
 * with it, tern splits it and runs each statement on its own.
 */
function ternSections(
  source: string,
  file: string,
  setting: Settings['transaction'],
): Sections | undefined {
  if (!source.includes(TERN_SPLIT)) return undefined;
  const marker = findMarkers(source, /---- create above \/ drop below ----/)[0];
  if (!marker) return undefined;
  const lines = source.split('\n');
  const text = (from: number, to: number) => lines.slice(from - 1, to).join('\n');
  const mode = (body: string): TransactionMode =>
    TERN_DISABLE_TX.test(body) || setting === 'none' ? 'none' : 'transaction';
  const last = lineCount(source);
  const upText = text(1, marker.line - 1);
  const downText = text(marker.line + 1, last);
  return {
    runner: 'tern',
    up: scriptFromStatements(file, splitSection(source, file, 1, marker.line - 1), mode(upText)),
    down: scriptFromStatements(
      file,
      splitSection(source, file, marker.line + 1, last),
      mode(downText),
    ),
  };
}

/** The runner sections a file holds (tern's marker, sql-migrate's), or undefined. */
export function runnerSections(
  source: string,
  file: string,
  setting: Settings['transaction'],
): Sections | undefined {
  return ternSections(source, file, setting) ?? sqlMigrateSections(source, file);
}
