/**
 * sqlc query text → plain Postgres with `$n` parameters, so that PREPARE accepts it:
 * `@name`, `sqlc.arg(name)`, `sqlc.narg(name)` and `sqlc.slice(name)` become `$n` (one number
 * per name, after the highest `$n` the query already uses), `sqlc.embed(t)` becomes `t.*`.
 * Quoted strings, quoted identifiers, dollar quotes and comments are left alone.
 */

const SKIPPED = [
  /^'(?:[^']|'')*'/, // string literal
  /^"(?:[^"]|"")*"/, // quoted identifier
  /^--[^\n]*/, // line comment
  /^\/\*[\s\S]*?\*\//, // block comment
  /^(\$[A-Za-z_]*\$)[\s\S]*?\1/, // dollar quote
];
const SQLC_FUNCTION = /^sqlc\.(arg|narg|slice)\(\s*(?:([A-Za-z_]\w*)|'([^']*)'|"([^"]*)")\s*\)/i;
const SQLC_EMBED = /^sqlc\.embed\(\s*([A-Za-z_]\w*)\s*\)/i;
const AT_NAME = /^@([A-Za-z_]\w*)/;
const POSITIONAL = /^\$(\d+)/;

type Rewrite = (match: RegExpExecArray) => string;

function scan(sql: string, rules: Array<[RegExp, Rewrite]>): string {
  let out = '';
  let i = 0;
  outer: while (i < sql.length) {
    const rest = sql.slice(i);
    for (const skip of SKIPPED) {
      const m = skip.exec(rest);
      if (m) {
        out += m[0];
        i += m[0].length;
        continue outer;
      }
    }
    const previous = sql[i - 1] ?? ' ';
    for (const [pattern, rewrite] of rules) {
      const m = /[\w.$]/.test(previous) ? null : pattern.exec(rest);
      if (m) {
        out += rewrite(m);
        i += m[0].length;
        continue outer;
      }
    }
    out += sql[i++];
  }
  return out;
}

export function toPositional(sql: string): string {
  let highest = 0;
  scan(sql, [
    [
      POSITIONAL,
      (m) => {
        highest = Math.max(highest, Number(m[1]));
        return m[0];
      },
    ],
  ]);
  const numbers = new Map<string, number>();
  const numberOf = (name: string) => {
    if (!numbers.has(name)) numbers.set(name, highest + numbers.size + 1);
    return `$${numbers.get(name)}`;
  };
  return scan(sql, [
    [SQLC_FUNCTION, (m) => numberOf(m[2] ?? m[3] ?? m[4])],
    [SQLC_EMBED, (m) => `${m[1]}.*`],
    [AT_NAME, (m) => numberOf(m[1])],
  ]);
}
