// Writes a golang-migrate folder whose second migration is a large data load of generated
// INSERTs, for the memory test and for measuring by hand:
//   node test/helpers/huge-migration.mjs <dir> <megabytes> <shape>
// Shapes: `medium` (INSERTs of 1000 rows each), `huge` (multi-row INSERTs of ~4 MB each),
// `mixed` (medium ones with one huge INSERT in the middle).
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Buffer } from 'node:buffer';

const SCHEMA = `CREATE TABLE t (id bigserial PRIMARY KEY, a integer NOT NULL, b integer, c text);\n`;

/** Short values, so that a megabyte holds many rows: the densest parse tree per byte. */
function row(i) {
  return `(${i}, ${i % 97}, 'v${i % 13}')`;
}

/** One INSERT of `rows` rows starting at `from`, ending with `;\n`. */
function insert(from, rows) {
  const parts = [];
  for (let i = from; i < from + rows; i++) parts.push(row(i));
  return `INSERT INTO t (a, b, c) VALUES ${parts.join(', ')};\n`;
}

const ROW_BYTES = Buffer.byteLength(row(1000000)) + 2;

/**
 * Writes the folder and returns the data migration's file name, its rows and bytes and, for the
 * `mixed` shape, the 1-based line the huge INSERT is on, its rows and its bytes (`;` left out).
 */
export function writeHugeMigration(dir, megabytes, shape = 'medium', hugeStatementBytes = 4 << 20) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '000001_create_t.up.sql'), SCHEMA);
  writeFileSync(join(dir, '000001_create_t.down.sql'), 'DROP TABLE t;\n');
  const file = '000002_load_t.up.sql';
  const fd = openSync(join(dir, file), 'w');
  const target = megabytes * 1024 * 1024;
  let written = 0;
  let line = 1;
  let next = 0;
  let hugeLine;
  let hugeBytes;
  const emit = (text) => {
    writeSync(fd, text);
    written += Buffer.byteLength(text);
    line += text.split('\n').length - 1;
  };
  emit('-- generated data load\n');
  const hugeRows = Math.ceil(hugeStatementBytes / ROW_BYTES);
  while (written < target) {
    const huge =
      shape === 'huge' || (shape === 'mixed' && hugeLine === undefined && written >= target / 2);
    if (huge && shape === 'mixed') hugeLine = line;
    const rows = huge ? hugeRows : 1000;
    const sql = insert(next, rows);
    if (huge && shape === 'mixed') hugeBytes = Buffer.byteLength(sql) - 2;
    emit(sql);
    next += rows;
  }
  closeSync(fd);
  writeFileSync(join(dir, '000002_load_t.down.sql'), 'TRUNCATE t;\n');
  return { file, rows: next, bytes: written, hugeLine, hugeRows, hugeBytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, mb = '50', shape = 'medium'] = process.argv.slice(2);
  console.log(JSON.stringify(writeHugeMigration(dir, Number(mb), shape)));
}
