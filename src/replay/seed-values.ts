import type { SeedCheck, SeedColumn, SeedType } from './seed-catalog.js';

/**
 * SQL expressions that generate a column's values from the row number `g` (an int from
 * generate_series). Each column gets a list of candidates, tried in order when a CHECK or a
 * domain constraint refuses the previous one. The first candidate of every type is distinct per
 * row, so unique constraints hold.
 */

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Literals a CHECK mentions (`status in ('a','b')`, `rating between 1 and 5`). */
export function checkLiterals(checks: SeedCheck[]): { strings: string[]; numbers: string[] } {
  const strings = new Set<string>();
  const numbers = new Set<string>();
  for (const c of checks) {
    for (const m of c.definition.matchAll(/'((?:[^']|'')*)'/g))
      strings.add(m[1].replace(/''/g, "'"));
    const withoutStrings = c.definition.replace(/'(?:[^']|'')*'/g, '');
    for (const m of withoutStrings.matchAll(/(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])/g))
      numbers.add(m[0]);
  }
  return { strings: [...strings], numbers: [...numbers] };
}

function cycle(values: string[]): string {
  return `(ARRAY[${values.join(', ')}])[1 + g % ${values.length}]`;
}

function numericCandidates(name: string, typmod: number, attnum: number): string[] {
  if (name === 'smallint') return ['g % 32767', `(g % 3000) * 10 + ${attnum}`];
  if (name === 'numeric' && typmod >= 4) {
    const precision = ((typmod - 4) >> 16) & 0xffff;
    const intDigits = precision - ((typmod - 4) & 0xffff);
    if (intDigits <= 0) return ['0'];
    if (intDigits < 9) return [`g % ${10 ** intDigits}`, `1`];
  }
  return ['g', `g * 10 + ${attnum}`];
}

function stringCandidates(column: string, maxLength: number | undefined): string[] {
  const named = /e-?mail/i.test(column)
    ? `'user' || g || '@example.com'`
    : `${quote(`${column}-`)} || g`;
  // Limited lengths keep the distinct part and drop the prefix; hex packs more rows in few chars.
  const fit = (e: string) =>
    maxLength === undefined
      ? e
      : maxLength < 8
        ? `right(to_hex(g), ${maxLength})`
        : `right(${e}, ${maxLength})`;
  return [fit(named), `translate(g::text, '0123456789', 'abcdefghij')`, 'g::text'];
}

const DAY0 = `date '2024-01-01'`;

function temporalCandidates(name: string, attnum: number): string[] | undefined {
  // attnum shifts later columns later, so `starts_at < ends_at` checks hold on the first try.
  const ts = `g * interval '1 minute' + ${attnum} * interval '1 day'`;
  switch (name) {
    case 'date':
      return [`${DAY0} + (g % 3650) + ${attnum}`, `current_date - (g % 3650)`];
    case 'timestamp without time zone':
      return [`timestamp '2024-01-01' + ${ts}`, `localtimestamp - g * interval '1 minute'`];
    case 'timestamp with time zone':
      return [`timestamptz '2024-01-01 00:00:00+00' + ${ts}`, `now() - g * interval '1 minute'`];
    case 'time without time zone':
    case 'time with time zone':
      return [`time '08:00' + (g % 600) * interval '1 second' + ${attnum} * interval '1 minute'`];
    case 'interval':
      return [`g * interval '1 second'`];
  }
  return undefined;
}

function rangeCandidates(name: string): string[] | undefined {
  const ranges: Record<string, string> = {
    int4range: 'int4range(g, g + 1)',
    int8range: 'int8range(g, g + 1)',
    numrange: 'numrange(g, g + 1)',
    daterange: `daterange(${DAY0} + g, ${DAY0} + g + 1)`,
    tsrange: `tsrange(timestamp '2024-01-01' + g * interval '1 hour', timestamp '2024-01-01' + (g + 1) * interval '1 hour')`,
    tstzrange: `tstzrange(timestamptz '2024-01-01+00' + g * interval '1 hour', timestamptz '2024-01-01+00' + (g + 1) * interval '1 hour')`,
  };
  return ranges[name] ? [ranges[name]] : undefined;
}

const OTHER: Record<string, string[]> = {
  boolean: ['g % 2 = 0', 'true', 'false'],
  uuid: [`md5(g::text || ':seed')::uuid`],
  json: [`json_build_object('n', g)`, `'{}'`, `'[]'`],
  jsonb: [`jsonb_build_object('n', g)`, `'{}'`, `'[]'`],
  bytea: [`decode(md5(g::text), 'hex')`],
  inet: [`('10.' || (g / 65536) % 256 || '.' || (g / 256) % 256 || '.' || g % 256)::inet`],
  cidr: [`('10.' || (g / 65536) % 256 || '.' || (g / 256) % 256 || '.' || g % 256 || '/32')::cidr`],
  macaddr: [
    `('08:00:2b:' || lpad(to_hex((g / 65536) % 256), 2, '0') || ':' || lpad(to_hex((g / 256) % 256), 2, '0') || ':' || lpad(to_hex(g % 256), 2, '0'))::macaddr`,
  ],
  money: ['g::numeric::money'],
  tsvector: [`to_tsvector('simple', 'word' || g)`],
  xml: [`xmlparse(content '<n>' || g || '</n>')`],
  oid: ['g::oid'],
};

const NUMERIC = new Set(['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision']);

/** Candidates for a value of `typeOid`, as SQL expressions of `g`, most representative first. */
export function typeCandidates(
  types: Map<number, SeedType>,
  typeOid: number,
  typmod: number,
  column: string,
  attnum: number,
): string[] {
  const type = types.get(typeOid);
  if (!type) return [];
  if (type.typtype === 'd') {
    const mod = typmod >= 0 ? typmod : type.baseTypmod;
    return typeCandidates(types, type.baseType, mod, column, attnum);
  }
  if (type.typtype === 'e') {
    const labels = type.enumLabels.map(quote);
    return labels.length ? [cycle(labels), labels[0]] : [];
  }
  if (type.category === 'A' && type.elem) {
    const elem = typeCandidates(types, type.elem, typmod, column, attnum);
    return [...elem.map((e) => `ARRAY[${e}]`), `'{}'`];
  }
  const name = type.name;
  if (NUMERIC.has(name)) return numericCandidates(name, typmod, attnum);
  if (type.category === 'S') {
    const limited = name.startsWith('character') && typmod >= 4 ? typmod - 4 : undefined;
    return stringCandidates(column, limited);
  }
  return temporalCandidates(name, attnum) ?? rangeCandidates(name) ?? OTHER[name] ?? ['g::text'];
}

/** The domain checks a column's type carries (directly, or through an array's element type). */
export function domainChecksOf(types: Map<number, SeedType>, typeOid: number): SeedCheck[] {
  const type = types.get(typeOid);
  if (!type) return [];
  if (type.typtype === 'd') return [...type.domainChecks, ...domainChecksOf(types, type.baseType)];
  if (type.category === 'A' && type.elem) return domainChecksOf(types, type.elem);
  return [];
}

/**
 * The full candidate list of a column: the type's values, then literals the column's CHECKs
 * name (second, because `status in (...)` is the usual check), then NULL when allowed.
 */
export function columnCandidates(
  types: Map<number, SeedType>,
  column: SeedColumn,
  checks: SeedCheck[],
): string[] {
  const base = typeCandidates(types, column.typeOid, column.typmod, column.name, column.attnum);
  const { strings, numbers } = checkLiterals(checks);
  const literals: string[] = [];
  if (strings.length) literals.push(cycle(strings.map(quote)));
  if (numbers.length) literals.push(cycle(numbers.map((n) => `${n}`)));
  const list = [...base.slice(0, 1), ...literals, ...base.slice(1)];
  if (!column.notNull) list.push('NULL');
  return [...new Set(list)];
}
