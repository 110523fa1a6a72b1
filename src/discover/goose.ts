/**
 * goose SQL migrations: `{version}_{name}.sql` holding `-- +goose Up` and `-- +goose Down`
 * sections; `-- +goose NO TRANSACTION` runs each statement on its own, otherwise goose wraps the
 * section in one transaction. `.go` migrations are compiled into the application and cannot be
 * replayed from files.
 */
import {
  compareSortKeys,
  type Discovery,
  type Migration,
  type TransactionMode,
} from '../engine/model.js';
import { InputError } from '../engine/errors.js';
import { findMarkers, lineCount, splitSection } from '../sql/sections.js';
import {
  assertDirectory,
  checksumOf,
  listFileNames,
  locateDir,
  peekText,
  readMigrationFile,
  repoPath,
} from './files.js';
import {
  byVersion,
  downOrNothing,
  duplicateVersionFindings,
  scriptFromStatements,
  type FormatModule,
} from './format.js';
import { join } from 'node:path';

const SQL_FILE = /^(\d+)_(.*)\.sql$/;
const GO_FILE = /^(\d+)_(.*)\.go$/;
const ANNOTATION = /^\s*--\s*\+goose\s+(.*?)\s*$/i;
const UP_MARKER = /^\s*--\s*\+goose\s+up\b/im;

async function detect(dir: string): Promise<string | undefined> {
  let count = 0;
  for (const name of (await listFileNames(dir)).filter((n) => SQL_FILE.test(n))) {
    if (UP_MARKER.test((await peekText(join(dir, name))) ?? '')) count++;
  }
  return count > 0 ? `found ${count} .sql files with a "-- +goose Up" annotation` : undefined;
}

interface Sections {
  up?: { from: number; to: number };
  down?: { from: number; to: number };
  transaction: TransactionMode;
}

/** The Up and Down line ranges and the transaction mode from the file's annotations. */
function sectionsOf(source: string): Sections {
  const markers = findMarkers(source, ANNOTATION);
  const last = lineCount(source);
  const noTransaction = markers.some((m) => /^no\s+transaction$/i.test(m.match[1]));
  const bounds = markers.filter((m) => /^(up|down)$/i.test(m.match[1]));
  const sections: Sections = { transaction: noTransaction ? 'none' : 'transaction' };
  bounds.forEach((m, i) => {
    const to = (bounds[i + 1]?.line ?? last + 1) - 1;
    const which = m.match[1].toLowerCase() as 'up' | 'down';
    sections[which] ??= { from: m.line + 1, to };
  });
  return sections;
}

async function toMigration(repoRoot: string, file: string, version: string, name: string) {
  const source = await readMigrationFile(repoRoot, file);
  const sections = sectionsOf(source);
  if (!sections.up) {
    throw new InputError(
      `${file}: no "-- +goose Up" annotation; goose refuses a SQL migration without one`,
    );
  }
  const split = (s: { from: number; to: number }) =>
    scriptFromStatements(file, splitSection(source, file, s.from, s.to), sections.transaction);
  const down = sections.down ? downOrNothing(split(sections.down)) : undefined;
  const migration: Migration = {
    id: version,
    name,
    format: 'goose',
    sortKey: [Number(version)],
    file,
    up: split(sections.up),
    ...(down ? { down } : {}),
    checksum: checksumOf(source),
    state: 'new',
  };
  return migration;
}

async function discover(repoRoot: string, dirPath: string): Promise<Discovery> {
  const dir = locateDir(repoRoot, dirPath);
  await assertDirectory(dir);
  const names = await listFileNames(dir.abs);
  const migrations: Migration[] = [];
  for (const name of names) {
    const m = SQL_FILE.exec(name);
    if (m) migrations.push(await toMigration(repoRoot, repoPath(dir, name), m[1], m[2]));
  }
  migrations.sort(byVersion(compareSortKeys));
  const goFiles = names.filter((n) => GO_FILE.test(n) && !n.endsWith('_test.go'));
  const notes = goFiles.map(
    (n) =>
      `${repoPath(dir, n)} is a Go migration: it is compiled into the application and cannot be replayed from files, so it is not checked`,
  );
  const findings = duplicateVersionFindings(migrations, (m) => String(m.sortKey[0]), 'goose');
  return { format: 'goose', reason: '', migrations, findings, notes };
}

export const goose: FormatModule = {
  format: 'goose',
  priority: 30,
  expects: '{version}_{name}.sql with "-- +goose Up" / "-- +goose Down" annotations',
  detect,
  discover,
};
