/**
 * Line-preserving text substitution shared by the formats that render SQL before sending it
 * (Flyway's `${name}` placeholders, `{{ .Name }}` templates): each match is replaced on its own
 * line, so every reported line stays the line of the file.
 */

/** One match: the whole text, its capture groups and its 1-based line in the rendered text. */
export interface PlaceholderMatch {
  whole: string;
  groups: Array<string | undefined>;
  line: number;
}

/**
 * Replaces each match of `pattern` (a global RegExp) with `valueOf(match)`; a match without a
 * value stays as written. `prepare` may rewrite a line first (Flyway's default-schema prefix).
 * `firstLine` is the line `source` starts at in its file.
 */
export function renderByLine(
  source: string,
  pattern: RegExp,
  valueOf: (match: PlaceholderMatch) => string | undefined,
  options: { firstLine?: number; prepare?: (line: string) => string } = {},
): string {
  const first = options.firstLine ?? 1;
  const prepare = options.prepare ?? ((line: string) => line);
  return source
    .split('\n')
    .map((text, i) =>
      prepare(text).replace(pattern, (whole: string, ...rest: unknown[]) => {
        const groups = rest.slice(0, -2) as Array<string | undefined>;
        return valueOf({ whole, groups, line: first + i }) ?? whole;
      }),
    )
    .join('\n');
}
