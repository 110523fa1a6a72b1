/**
 * A setup file as psql (and so docker-entrypoint-initdb.d) reads it, without psql: the SQL in
 * parts split where `\connect` switches database, psql's meta-commands blanked out so that every
 * statement keeps its line, and the statements ending in `\gexec` marked (their results are SQL
 * to run, the idiom for `CREATE DATABASE` if it does not exist).
 */

export interface ScriptPart {
  /** The database `\connect` named for this part; undefined: the one the script started in. */
  database?: string;
  /** 1-based line of that `\connect`. */
  connectLine?: number;
  /** The file's text with every line outside this part (and every meta-command) blank. */
  text: string;
  /** 1-based lines of statements that end in `\gexec`. */
  gexec: Set<number>;
}

export interface PsqlScript {
  parts: ScriptPart[];
  /** Meta-commands that were not carried out (other than the harmless ones), with their line. */
  skipped: Array<{ line: number; command: string }>;
  /** Line of a `COPY … FROM stdin` (its rows follow in the file; only psql can send them). */
  copyFromStdin?: number;
}

/** Meta-commands that change nothing on the server: passed over without a word. */
const HARMLESS = /^\\(restrict|unrestrict|echo|qecho|set|unset|timing|pset|encoding|o|q)\b/;

export function psqlScript(source: string): PsqlScript {
  const lines = source.split('\n');
  const parts: Array<{ database?: string; from: number; gexec: Set<number> }> = [
    { from: 0, gexec: new Set() },
  ];
  const blank = new Set<number>();
  const skipped: PsqlScript['skipped'] = [];
  let copyFromStdin: number | undefined;
  for (const [i, line] of lines.entries()) {
    const trimmed = line.trim();
    if (copyFromStdin === undefined && /^copy\b[^;]*\bfrom\s+stdin\b/i.test(trimmed))
      copyFromStdin = i + 1;
    if (/\\gexec\s*$/.test(line)) {
      lines[i] = line.replace(/\\gexec\s*$/, ';');
      parts[parts.length - 1].gexec.add(i + 1);
      continue;
    }
    if (!trimmed.startsWith('\\')) continue;
    blank.add(i);
    const connect = /^\\(?:c|connect)\s+("[^"]+"|\S+)/.exec(trimmed);
    if (connect) {
      const name = connect[1].replace(/^"|"$/g, '');
      parts.push({
        database: name === '-' ? parts.at(-1)!.database : name,
        from: i + 1,
        gexec: new Set(),
      });
    } else if (!HARMLESS.test(trimmed)) skipped.push({ line: i + 1, command: trimmed });
  }
  const bounds = parts.map((p, k) => [p.from, parts[k + 1]?.from ?? lines.length]);
  return {
    parts: parts.map((p, k) => ({
      ...(p.database !== undefined ? { database: p.database, connectLine: p.from } : {}),
      text: lines
        .map((l, i) => (i >= bounds[k][0] && i < bounds[k][1] && !blank.has(i) ? l : ''))
        .join('\n'),
      gexec: p.gexec,
    })),
    skipped,
    ...(copyFromStdin !== undefined ? { copyFromStdin } : {}),
  };
}
