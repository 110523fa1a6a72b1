/**
 * `{{ … }}` template expressions in SQL (Go's text/template, as tools that template their
 * migrations write them): `{{ .Name }}` and `{{ index .Options "Name" }}` are replaced with
 * `placeholders.Name` from .schemagate.yml, line by line, after the file is split, so lines stay
 * those of the file. A statement that only parses once rendered and has an expression without a
 * value is a `template-placeholder` finding at that line, naming the setting to add; a statement
 * that parses as written (an expression inside a string literal) is left alone.
 */
import type { Discovery, Finding, Migration, Script, Statement } from '../core/model.js';
import type { Settings } from '../core/settings.js';
import { REPLAY, finding } from '../rules/index.js';
import { splitStatements } from '../sql/split.js';
import { renderByLine } from './placeholders.js';

const TEMPLATE =
  /\{\{-?\s*(?:\.(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)|index\s+\.[A-Za-z_]\w*\s+"([^"]+)")\s*-?\}\}/g;

type Values = Settings['placeholders'];

interface Missing {
  expression: string;
  name: string;
  line: number;
}

/** The discovery with every template expression that has a value rendered. */
export function renderTemplates(discovery: Discovery, values: Values): Discovery {
  const findings: Finding[] = [];
  const migrations = discovery.migrations.map((m) => renderMigration(m, values, findings));
  return { ...discovery, migrations, findings: [...discovery.findings, ...findings] };
}

function renderMigration(m: Migration, values: Values, findings: Finding[]): Migration {
  const up = renderScript(m.up, values, findings);
  const down = m.down ? renderScript(m.down, values, findings) : undefined;
  return { ...m, up, ...(down ? { down } : {}) };
}

function renderScript(script: Script, values: Values, findings: Finding[]): Script {
  if (!script.statements.some((s) => s.sql.includes('{{'))) return script;
  return {
    ...script,
    statements: script.statements.flatMap((s) => renderStatement(s, values, findings)),
  };
}

function renderStatement(s: Statement, values: Values, findings: Finding[]): Statement[] {
  if (!s.sql.includes('{{')) return [s];
  const missing: Missing[] = [];
  const sql = renderByLine(
    s.sql,
    TEMPLATE,
    ({ whole, groups, line }) => {
      const name = (groups[0] ?? groups[1])!;
      const value = values[name];
      if (value === undefined) missing.push({ expression: whole, name, line });
      return value === undefined ? undefined : String(value);
    },
    { firstLine: s.line },
  );
  const rendered = sql === s.sql ? [s] : reparsed(s, sql);
  if (rendered.some((r) => r.kind === 'Unparsed')) {
    findings.push(...missing.map((x) => missingValue(s.file, x)));
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
