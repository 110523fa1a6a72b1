/**
 * Placeholders in SQL that the deploy renders before it runs a file, rendered here from
 * `placeholders:` in .schemagate.yml, after the file is split, so lines stay those of the file:
 *
 * - `{{ … }}` template expressions (Go's text/template, as tools that template their migrations
 *   write them): `{{ .Name }}` and `{{ index .Options "Name" }}` take `placeholders.Name`;
 * - `:NAME` placeholders (colon-placeholders.ts): graphile-migrate's, keys written with the colon
 *   (`":DATABASE_VISITOR"`), also read from the project's `.gmrc`, and psql's variables `:NAME`,
 *   `:'NAME'`, `:"NAME"`, keys written without it.
 *
 * A statement that only parses once rendered and holds a placeholder without a value is a
 * `template-placeholder` finding at that line, naming the setting to add; a statement that parses
 * as written (an expression inside a string literal) is left alone.
 */
import type { Discovery, Finding, Migration, Script, Statement } from '../core/model.js';
import type { Settings } from '../core/settings.js';
import { REPLAY, finding } from '../rules/index.js';
import { splitStatements } from '../sql/split.js';
import {
  colonPlaceholdersIn,
  mayHoldColonPlaceholder,
  renderColonPlaceholders,
  type ColonPlaceholder,
  type ColonValues,
} from './colon-placeholders.js';
import type { GraphileConfig } from './gmrc.js';
import { renderByLine } from './placeholders.js';

const TEMPLATE =
  /\{\{-?\s*(?:\.(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)|index\s+\.[A-Za-z_]\w*\s+"([^"]+)")\s*-?\}\}/g;

type Values = Settings['placeholders'];

interface Missing {
  expression: string;
  name: string;
  line: number;
}

/** The values of one run: `{{ }}` names, and the two kinds of `:NAME`. */
interface Context {
  values: Values;
  colon: ColonValues;
  /** Whether any `:NAME` has a value (otherwise only unparsed statements are scanned). */
  anyColon: boolean;
  graphile?: GraphileConfig;
}

/**
 * The discovery with every placeholder that has a value rendered. `graphile` is the project's
 * `.gmrc`, whose placeholders `placeholders:` keys written with the colon override.
 */
export function renderTemplates(
  discovery: Discovery,
  values: Values,
  graphile?: GraphileConfig,
): Discovery {
  const ctx = contextOf(values, graphile);
  const findings: Finding[] = [];
  const migrations = discovery.migrations.map((m) => renderMigration(m, ctx, findings));
  const notes = graphile ? [...discovery.notes, graphileNote(graphile)] : discovery.notes;
  return { ...discovery, migrations, notes, findings: [...discovery.findings, ...findings] };
}

function contextOf(values: Values, graphile: GraphileConfig | undefined): Context {
  const verbatim = new Map(graphile?.values);
  const variables: ColonValues['variables'] = {};
  for (const [key, value] of Object.entries(values)) {
    if (key.startsWith(':')) verbatim.set(key, String(value));
    else variables[key] = value;
  }
  const anyColon = verbatim.size > 0 || Object.keys(variables).length > 0;
  return { values, colon: { verbatim, variables }, anyColon, graphile };
}

function renderMigration(m: Migration, ctx: Context, findings: Finding[]): Migration {
  const up = renderScript(m.up, ctx, findings);
  const down = m.down ? renderScript(m.down, ctx, findings) : undefined;
  return { ...m, up, ...(down ? { down } : {}) };
}

function renderScript(script: Script, ctx: Context, findings: Finding[]): Script {
  if (!script.statements.some((s) => needsRendering(s, ctx))) return script;
  return {
    ...script,
    statements: script.statements.flatMap((s) => renderStatement(s, ctx, findings)),
  };
}

function needsRendering(s: Statement, ctx: Context): boolean {
  if (s.sql.includes('{{')) return true;
  return (ctx.anyColon || s.kind === 'Unparsed') && mayHoldColonPlaceholder(s.sql);
}

function renderStatement(s: Statement, ctx: Context, findings: Finding[]): Statement[] {
  if (!needsRendering(s, ctx)) return [s];
  const missing: Missing[] = [];
  const templated = renderByLine(
    s.sql,
    TEMPLATE,
    ({ whole, groups, line }) => {
      const name = (groups[0] ?? groups[1])!;
      const value = ctx.values[name];
      if (value === undefined) missing.push({ expression: whole, name, line });
      return value === undefined ? undefined : String(value);
    },
    { firstLine: s.line },
  );
  const sql = ctx.anyColon ? renderColonPlaceholders(templated, ctx.colon) : templated;
  const rendered = sql === s.sql ? [s] : reparsed(s, sql);
  const unparsed = rendered.filter((r) => r.kind === 'Unparsed');
  if (unparsed.length > 0) {
    findings.push(...missing.map((x) => missingValue(s.file, x)));
    const colons = unparsed.flatMap((r) => colonPlaceholdersIn(r.sql, r.line));
    findings.push(...colons.map((x) => missingColonValue(s.file, x, ctx.graphile)));
  }
  return rendered;
}

/** The rendered text parsed again, at the statement's lines (rendering never adds lines). */
function reparsed(s: Statement, sql: string): Statement[] {
  const parts = splitStatements(sql, s.file);
  if (parts.length === 0) return [s];
  return parts.map((p, i) => ({
    ...p,
    line: p.line + s.line - 1,
    endLine: p.endLine + s.line - 1,
    ignores: i === 0 ? s.ignores : [],
  }));
}

function missingValue(file: string, x: Missing): Finding {
  return finding(REPLAY.templatePlaceholder, {
    file,
    line: x.line,
    endLine: x.line,
    message: `${x.expression} is a template expression with no value: the statement is not SQL until it is rendered, so it cannot be replayed as written`,
    help: `Give it the value the deploy renders it with: placeholders: { ${x.name}: … } in .schemagate.yml.`,
  });
}

function missingColonValue(
  file: string,
  x: ColonPlaceholder,
  graphile: GraphileConfig | undefined,
): Finding {
  const unrendered =
    'the statement is not SQL until it is rendered, so it cannot be replayed as written';
  const at = { file, line: x.line, endLine: x.line };
  const key = `:${x.name}`;
  const variable = graphile?.unsetEnv.get(key);
  if (graphile && variable)
    return finding(REPLAY.templatePlaceholder, {
      ...at,
      message: `${x.expression} is a graphile-migrate placeholder with no value here: ${graphile.file} takes it from the environment variable ${variable} ("!ENV"), which is not set; ${unrendered}`,
      help: `Set ${variable} in the check's environment, or give it the value the deploy uses: placeholders: { "${key}": … } in .schemagate.yml.`,
    });
  if (graphile && x.expression === key)
    return finding(REPLAY.templatePlaceholder, {
      ...at,
      message: `${x.expression} is a placeholder with no value: ${graphile.file} does not list it in its placeholders, so graphile-migrate sends it as written; ${unrendered}`,
      help: `Give it the value the deploy replaces it with: placeholders: { "${key}": … } in .schemagate.yml (or list it in ${graphile.file}).`,
    });
  return finding(REPLAY.templatePlaceholder, {
    ...at,
    message: `${x.expression} is a psql variable with no value: ${unrendered}`,
    help: `Give it the value the deploy sets (psql -v ${x.name}=…): placeholders: { ${x.name}: … } in .schemagate.yml.`,
  });
}

function graphileNote(graphile: GraphileConfig): string {
  const builtIn = (k: string) => k === ':DATABASE_OWNER' || k === ':DATABASE_NAME';
  const keys = [...graphile.values.keys(), ...graphile.unsetEnv.keys()].filter((k) => !builtIn(k));
  const unset = [...graphile.unsetEnv.values()].sort();
  const listed = keys.length > 0 ? ` ${keys.sort().join(', ')}, and its built-ins` : '';
  const missing = unset.length > 0 ? `; "!ENV" variables not set here: ${unset.join(', ')}` : '';
  return `${graphile.file}: graphile-migrate placeholders${listed} :DATABASE_OWNER (the migrating role, CURRENT_USER) and :DATABASE_NAME (postgres), replaced as graphile-migrate replaces them${missing}`;
}
