/**
 * goose SQL migrations: `{version}_{name}.sql` holding `-- +goose Up` and `-- +goose Down`
 * sections; `-- +goose NO TRANSACTION` runs each statement on its own, otherwise goose wraps the
 * section in one transaction; `-- +goose ENVSUB ON` expands environment variables (see
 * goose-envsub.ts). `.go` migrations are compiled into the application and cannot be replayed
 * from files.
 */
import { join } from 'node:path';
import {
  compareSortKeys,
  type Discovery,
  type Finding,
  type Migration,
  type TransactionMode,
} from '../core/model.js';
import { InputError } from '../core/errors.js';
import { splitOnMarkers } from '../sql/sections.js';
import { gooseSplitFindings } from './goose-split.js';
import { expandEnvsub } from './goose-envsub.js';
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

const SQL_FILE = /^(\d+)_(.*)\.sql$/;
const GO_FILE = /^(\d+)_(.*)\.go$/;
const UP_MARKER = /^\s*--\s*\+goose\s+up\b/im;

async function detect(dir: string): Promise<string | undefined> {
  let count = 0;
  for (const name of (await listFileNames(dir)).filter((n) => SQL_FILE.test(n))) {
    if (UP_MARKER.test((await peekText(join(dir, name))) ?? '')) count++;
  }
  return count > 0 ? `found ${count} .sql files with a "-- +goose Up" annotation` : undefined;
}

const SECTION = /^\s*--\s*\+goose\s+(up|down)\s*$/i;
const NO_TRANSACTION = /^\s*--\s*\+goose\s+no\s+transaction\s*$/im;

async function toMigration(repoRoot: string, file: string, version: string, name: string) {
  const written = await readMigrationFile(repoRoot, file);
  const expanded = expandEnvsub(written, file);
  const source = expanded.source;
  const sections = splitOnMarkers(source, file, SECTION);
  const section = (which: string) =>
    sections.find((s) => s.marker.match[1].toLowerCase() === which);
  const upSection = section('up');
  if (!upSection) {
    throw new InputError(
      `${file}: no "-- +goose Up" annotation; goose refuses a SQL migration without one`,
    );
  }
  const mode: TransactionMode = NO_TRANSACTION.test(source) ? 'none' : 'transaction';
  const downSection = section('down');
  const down = downOrNothing(
    downSection && scriptFromStatements(file, downSection.statements, mode),
  );
  const migration: Migration = {
    id: version,
    name,
    format: 'goose',
    sortKey: [Number(version)],
    file,
    up: scriptFromStatements(file, upSection.statements, mode),
    ...(down ? { down } : downSection ? { emptyDown: true } : {}),
    checksum: checksumOf(written),
    state: 'new',
  };
  const statements = [...upSection.statements, ...(downSection?.statements ?? [])];
  return {
    migration,
    findings: [...expanded.findings, ...gooseSplitFindings(source, statements)],
  };
}

async function discover(repoRoot: string, dirPath: string): Promise<Discovery> {
  const dir = locateDir(repoRoot, dirPath);
  await assertDirectory(dir);
  const names = await listFileNames(dir.abs);
  const migrations: Migration[] = [];
  const splitFindings: Finding[] = [];
  for (const name of names) {
    const m = SQL_FILE.exec(name);
    if (!m) continue;
    const read = await toMigration(repoRoot, repoPath(dir, name), m[1], m[2]);
    migrations.push(read.migration);
    splitFindings.push(...read.findings);
  }
  migrations.sort(byVersion(compareSortKeys));
  const goFiles = names.filter((n) => GO_FILE.test(n) && !n.endsWith('_test.go'));
  const notes = goFiles.map(
    (n) =>
      `${repoPath(dir, n)} is a Go migration: it is compiled into the application and cannot be replayed from files, so it is not checked`,
  );
  const findings = [
    ...splitFindings,
    ...duplicateVersionFindings(migrations, (m) => String(m.sortKey[0]), 'goose'),
  ];
  return { format: 'goose', reason: '', migrations, findings, notes };
}

export const goose: FormatModule = {
  format: 'goose',
  priority: 30,
  expects: '{version}_{name}.sql with "-- +goose Up" / "-- +goose Down" annotations',
  detect,
  discover,
};
