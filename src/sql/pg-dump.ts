/**
 * A plain-text dump as pg_dump writes it (13 to 18; `supabase db dump` and Rails' structure.sql
 * are the same text), read without psql: the SQL statements with their lines and the table of
 * contents entry each belongs to, the rows of `COPY … FROM stdin` blocks, and the database a
 * `\connect` names. psql's other meta-commands (`\restrict`, `\unrestrict`, `\set`) change nothing
 * on the server and are passed over.
 */
import type { Statement } from '../core/model.js';
import { splitStatements } from './split.js';

/** `-- Name: users; Type: TABLE; Schema: tenant_1; Owner: app`: the entry a statement belongs to. */
export interface TocEntry {
  name: string;
  type: string;
  /** Absent for objects outside any schema (`Schema: -`: schemas, extensions, databases). */
  schema?: string;
}

export interface DumpStatement {
  statement: Statement;
  toc?: TocEntry;
}

/** The rows of one `COPY table (columns) FROM stdin;` block, NULL as null. */
export interface DumpCopy {
  schema?: string;
  table: string;
  columns: string[];
  rows: Array<Array<string | null>>;
  /** 1-based line of the COPY statement. */
  line: number;
}

export interface PgDump {
  statements: DumpStatement[];
  copies: DumpCopy[];
  /** Databases `\connect` names, in order (pg_dump -C names one; pg_dumpall several). */
  connects: string[];
  /** The server version the header names (`-- Dumped from database version 15.18`). */
  serverVersion?: string;
}

const TOC = /^-- (?:Data for )?Name: (.*?); Type: (.*?); Schema: (.*?); Owner: ?(.*)$/;
const COPY =
  /^COPY\s+((?:"[^"]+"|[^\s(".]+)(?:\.(?:"[^"]+"|[^\s(".]+))?)\s*(?:\(([^)]*)\))?\s+FROM\s+stdin;\s*$/i;

/** Reads a dump's text; `file` is how statements name it (relative to the repository root). */
export function readPgDump(source: string, file: string): PgDump {
  const lines = source.replace(/^\uFEFF/, '').split('\n');
  const copies: DumpCopy[] = [];
  const connects: string[] = [];
  const tocAt: Array<{ line: number; entry: TocEntry }> = [];
  let serverVersion: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    const toc = TOC.exec(line);
    if (toc) tocAt.push({ line: i + 1, entry: tocEntry(toc) });
    serverVersion ??= /^-- Dumped from database version (\S+)/.exec(line)?.[1];
    const copy = COPY.exec(line);
    if (copy) {
      const end = endOfCopy(lines, i + 1);
      copies.push({ ...tableName(copy[1]), columns: columnList(copy[2]), rows: [], line: i + 1 });
      copies.at(-1)!.rows = lines.slice(i + 1, end).map(copyRow);
      for (let k = i; k <= Math.min(end, lines.length - 1); k++) lines[k] = '';
      i = end;
      continue;
    }
    if (!line.startsWith('\\')) continue;
    const connect = /^\\(?:c|connect)\s+(?:-reuse-previous=\S+\s+)?("(?:[^"]|"")+"|\S+)/.exec(line);
    if (connect) connects.push(unquote(connect[1]));
    lines[i] = '';
  }
  const statements = splitStatements(lines.join('\n'), file).map((statement) => {
    const toc = tocAt.findLast((t) => t.line < statement.line)?.entry;
    return toc ? { statement, toc } : { statement };
  });
  return { statements, copies, connects, ...(serverVersion ? { serverVersion } : {}) };
}

function tocEntry(m: RegExpExecArray): TocEntry {
  return { name: m[1], type: m[2], ...(m[3] !== '-' ? { schema: m[3] } : {}) };
}

/** The line index of the `\.` that ends a COPY block (or the file's end). */
function endOfCopy(lines: string[], from: number): number {
  for (let k = from; k < lines.length; k++) if (lines[k].replace(/\r$/, '') === '\\.') return k;
  return lines.length;
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name;
}

function tableName(text: string): { schema?: string; table: string } {
  const parts = text.match(/"(?:[^"]|"")+"|[^.]+/g)!.map(unquote);
  return parts.length === 2 ? { schema: parts[0], table: parts[1] } : { table: parts[0] };
}

function columnList(text: string | undefined): string[] {
  return text === undefined ? [] : text.split(',').map((c) => unquote(c.trim()));
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One row of COPY's text format: tab-separated, `\N` for NULL, backslash escapes. */
export function copyRow(line: string): Array<string | null> {
  return line
    .replace(/\r$/, '')
    .split('\t')
    .map((field) =>
      field === '\\N'
        ? null
        : field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
            if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
            if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
            return ESCAPES[e] ?? e;
          }),
    );
}
