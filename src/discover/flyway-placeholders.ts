import { placeholderEnv } from '../core/child-env.js';
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../core/errors.js';
import type { Finding } from '../core/model.js';
import type { FlywaySettings } from '../core/settings.js';
import { REPLAY, finding } from '../rules/index.js';
import { escapeRegExp } from '../core/regexp.js';
import { relativeToRepo } from '../core/paths.js';
import {
  placeholderSources,
  springProfileOf,
  type PlaceholderSource,
} from './flyway-placeholder-sources.js';
import { renderByLine } from './placeholders.js';

/**
 * Flyway placeholders (`${name}` unless the prefix and suffix are changed), replaced the way
 * Flyway replaces them before it sends a script, and the other Flyway settings that change what
 * a migration run does (`mixed`, `outOfOrder`, `executeInTransaction`). Settings come from, lowest
 * precedence first:
 * `flyway.conf` and `flyway.toml` (also under `conf/`) and Spring Boot's `application.properties`
 * / `application.yml` (`spring.flyway.*`) in the folders from the repository root down to the
 * scripts, the nearest winning; then `FLYWAY_*` environment variables; then `flyway:` in
 * .schemagate.yml; plus Flyway's built-ins. Replacements never add lines, so reported lines stay
 * those of the file.
 */

export interface Placeholders {
  /** Values by lower-cased name. */
  values: Map<string, string>;
  prefix: string;
  suffix: string;
  /** `placeholderReplacement=false` sends scripts as written. */
  replace: boolean;
  /** Names whose configured value needs an environment variable that is not set here. */
  unresolved: Map<string, { file: string; variable: string }>;
  /** Where the repository defines a name outside what the run reads (a Spring profile's file). */
  definedElsewhere?: (name: string) => PlaceholderSource | undefined;
}

/** Placeholders plus the settings that decide transactions and ordering. */
export interface FlywayConfig extends Placeholders {
  /** `mixed=true`: a script mixing transactional and non-transactional statements runs without a transaction instead of being refused. */
  mixed: boolean;
  /** `outOfOrder=true`: a pending version below the newest applied one runs instead of failing validation. */
  outOfOrder: boolean;
  /** `executeInTransaction=false`: every script runs without a transaction unless its .sql.conf says otherwise. */
  executeInTransaction: boolean;
}

type Setting = 'prefix' | 'suffix' | 'replace' | 'mixed' | 'outOfOrder' | 'executeInTransaction';

/** What one source says; later sources override earlier ones key by key. */
interface Layer {
  values: Array<[string, string]>;
  settings: Partial<Record<Setting, string>>;
  unresolved?: Array<[string, { file: string; variable: string }]>;
}

const SETTING_KEYS: Record<string, Setting> = {
  placeholderprefix: 'prefix',
  placeholdersuffix: 'suffix',
  placeholderreplacement: 'replace',
  mixed: 'mixed',
  outoforder: 'outOfOrder',
  executeintransaction: 'executeInTransaction',
};

/** `placeholderPrefix`, `placeholder-prefix`, `PLACEHOLDER_PREFIX`, `out-of-order` → the setting it names. */
function settingOf(key: string): Setting | undefined {
  return SETTING_KEYS[key.replace(/[-_]/g, '').toLowerCase()];
}

function emptyLayer(): Layer {
  return { values: [], settings: {} };
}

/** `flyway.conf` / Spring `application.properties` lines under `namespace.`. */
function fromProperties(text: string, namespace: string): Layer {
  const layer = emptyLayer();
  const escaped = namespace.replace(/\./g, '\\.');
  const pattern = new RegExp(`^\\s*${escaped}\\.([A-Za-z0-9_.-]+)\\s*[=:]\\s*(.*?)\\s*$`);
  for (const line of text.split(/\r?\n/)) {
    const m = pattern.exec(line);
    if (!m) continue;
    const [, key, value] = m;
    const placeholder = /^placeholders\.(.+)$/.exec(key);
    if (placeholder) layer.values.push([placeholder[1].toLowerCase(), value]);
    const setting = settingOf(key);
    if (setting) layer.settings[setting] = value;
  }
  return layer;
}

/** A `flyway` object from TOML or YAML: `placeholders` and the other settings. */
function fromObject(flyway: unknown): Layer {
  const layer = emptyLayer();
  if (!flyway || typeof flyway !== 'object') return layer;
  for (const [key, value] of Object.entries(flyway as Record<string, unknown>)) {
    if (key === 'placeholders' && value && typeof value === 'object') {
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        // `name:` with nothing after it is YAML's null, which Spring binds as the empty string.
        if (v === null) layer.values.push([name.toLowerCase(), '']);
        if (isScalar(v)) layer.values.push([name.toLowerCase(), String(v)]);
      }
    }
    const setting = settingOf(key);
    if (setting && isScalar(value)) layer.settings[setting] = String(value);
  }
  return layer;
}

const isScalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

function fromToml(text: string, file: string): Layer {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    const e = error as TomlError;
    const at = typeof e.line === 'number' ? `:${e.line}` : '';
    throw new InputError(`${file}${at}: not valid TOML (${e.message.split('\n')[0]})`);
  }
  const flyway = doc.flyway as Record<string, unknown> | undefined;
  const layer = fromObject(flyway);
  // `[environments.<env>.flyway]` overrides `[flyway]` for the environment Flyway is told to use.
  const env = typeof flyway?.environment === 'string' ? flyway.environment : 'default';
  const environment = (doc.environments as Record<string, Record<string, unknown>> | undefined)?.[
    env
  ];
  return mergeLayers([layer, fromObject(environment?.flyway)]);
}

/** Layers read from one file as one layer, later ones overriding earlier ones key by key. */
function mergeLayers(layers: Layer[]): Layer {
  return {
    values: layers.flatMap((l) => l.values),
    settings: Object.assign({}, ...layers.map((l) => l.settings)),
  };
}

/** Spring Boot's `spring.flyway` in application.yml: documents without a profile condition. */
function fromSpringYaml(text: string): Layer {
  return mergeLayers(
    parseAllDocuments(text)
      .filter((d) => !('errors' in d) || d.errors.length === 0)
      .map((d) => d.toJS() as Record<string, any> | null)
      .filter((d) => d && !springProfileOf(d))
      .map((d) => fromObject(d?.spring?.flyway)),
  );
}

/**
 * Spring resolves `${VAR:default}` in its own properties before Flyway sees them; a value that
 * still needs an unset variable is unknown here, so it is left out and remembered.
 */
function springValues(layer: Layer, file: string): Layer {
  let missing = '';
  const env = placeholderEnv();
  const resolveValue = (v: string): string | undefined => {
    missing = '';
    const out = v.replace(/\$\{([^}:]+)(?::([^}]*))?\}/g, (_, name: string, fallback?: string) => {
      const value = env[name] ?? fallback;
      if (value === undefined) missing ||= name;
      return value ?? '';
    });
    return missing ? undefined : out;
  };
  const unresolved: NonNullable<Layer['unresolved']> = [];
  return {
    values: layer.values.flatMap(([k, v]) => {
      const r = resolveValue(v);
      if (r === undefined) unresolved.push([k, { file, variable: missing }]);
      return r === undefined ? [] : [[k, r] as [string, string]];
    }),
    unresolved,
    settings: Object.fromEntries(
      Object.entries(layer.settings).flatMap(([k, v]) => {
        const r = resolveValue(v!);
        return r === undefined ? [] : [[k, r]];
      }),
    ),
  };
}

/** Spring Boot's files, then Flyway's own (`conf/` first, the folder's own file winning). */
const CONFIG_FILES = [
  'application.properties',
  'application.yml',
  'application.yaml',
  'conf/flyway.conf',
  'conf/flyway.toml',
  'flyway.conf',
  'flyway.toml',
];

/**
 * The files that can configure Flyway for the scripts in `dir`, relative to the repository root,
 * lowest precedence first: the files discovery reads, so that the base ref is read the same way.
 */
export function flywayConfigFiles(repoRoot: string, dir: string): string[] {
  const rel = relative(resolve(repoRoot), resolve(repoRoot, dir));
  const parts = rel.split(sep).filter((p) => p !== '' && p !== '.');
  if (parts.includes('..') || isAbsolute(rel)) return [];
  const folders = [[], ...parts.map((_, i) => parts.slice(0, i + 1))];
  return folders.flatMap((f) => CONFIG_FILES.map((name) => [...f, name].join('/')));
}

function fileLayer(path: string, shown: string): Layer | undefined {
  if (!existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const name = basename(path);
  if (name.startsWith('application.'))
    return springValues(
      name.endsWith('.properties') ? fromProperties(text, 'spring.flyway') : fromSpringYaml(text),
      shown,
    );
  return name.endsWith('.conf') ? fromProperties(text, 'flyway') : fromToml(text, shown);
}

function fileLayers(dir: string, repoRoot: string): Layer[] {
  const shown = (path: string) => relativeToRepo(repoRoot, path);
  return CONFIG_FILES.flatMap((name) => fileLayer(join(dir, name), shown(join(dir, name))) ?? []);
}

function envLayer(): Layer {
  const layer = emptyLayer();
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    const m = /^FLYWAY_PLACEHOLDERS_(.+)$/.exec(key);
    if (m) layer.values.push([m[1].toLowerCase(), value]);
    const setting =
      /^FLYWAY_(PLACEHOLDER_(?:PREFIX|SUFFIX|REPLACEMENT)|MIXED|OUT_OF_ORDER|EXECUTE_IN_TRANSACTION)$/.exec(
        key,
      );
    if (setting) layer.settings[settingOf(setting[1])!] = value;
  }
  return layer;
}

const isTrue = (value: string) => value.trim().toLowerCase() === 'true';
const isFalse = (value: string) => value.trim().toLowerCase() === 'false';

/** The Flyway settings visible to a Flyway project rooted at `dirAbs` / `repoRoot`. */
export function loadFlywayConfig(
  repoRoot: string,
  dirAbs: string,
  configured: FlywaySettings | undefined,
): FlywayConfig {
  const root = resolve(repoRoot);
  const folders = foldersDown(root, resolve(dirAbs));
  const read = folders.flatMap((dir) =>
    CONFIG_FILES.filter((name) => existsSync(join(dir, name))).map((name) =>
      relativeToRepo(root, join(dir, name)),
    ),
  );
  const layers = [
    ...folders.flatMap((dir) => fileLayers(dir, root)),
    envLayer(),
    fromObject(configured),
  ];
  const result: FlywayConfig = {
    values: new Map(),
    prefix: '${',
    suffix: '}',
    replace: true,
    unresolved: new Map(),
    definedElsewhere: placeholderSources(root, folders, new Set(read)),
    mixed: false,
    outOfOrder: false,
    executeInTransaction: true,
  };
  for (const layer of layers) {
    for (const [k, v] of layer.unresolved ?? []) result.unresolved.set(k, v);
    for (const [k, v] of layer.values) {
      result.values.set(k, v);
      result.unresolved.delete(k);
    }
    const { prefix, suffix, replace, mixed, outOfOrder, executeInTransaction } = layer.settings;
    if (prefix) result.prefix = prefix;
    if (suffix) result.suffix = suffix;
    if (replace !== undefined) result.replace = !isFalse(replace);
    if (mixed !== undefined) result.mixed = isTrue(mixed);
    if (outOfOrder !== undefined) result.outOfOrder = isTrue(outOfOrder);
    if (executeInTransaction !== undefined)
      result.executeInTransaction = !isFalse(executeInTransaction);
  }
  return result;
}

function foldersDown(root: string, leaf: string): string[] {
  const rel = relative(root, leaf);
  if (rel.startsWith('..')) return [leaf];
  const parts = rel.split(sep).filter(Boolean);
  return [root, ...parts.map((_, i) => join(root, ...parts.slice(0, i + 1)))];
}

/** Built-ins whose value depends on the script. `defaultSchema` is handled by substitute(). */
function builtIn(name: string, file: string): string | undefined {
  switch (name) {
    case 'flyway:user':
      return 'CURRENT_USER';
    case 'flyway:database':
      return 'postgres';
    case 'flyway:timestamp':
      return '2000-01-01 00:00:00';
    case 'flyway:filename':
      return basename(file);
    case 'flyway:table':
      return 'flyway_schema_history';
    case 'flyway:workingdirectory':
      return '.';
    default:
      return undefined;
  }
}

export interface Substitution {
  source: string;
  findings: Finding[];
}

function placeholderPattern(p: Pick<Placeholders, 'prefix' | 'suffix'>): RegExp {
  return new RegExp(`${escapeRegExp(p.prefix)}([A-Za-z0-9_.:-]+)${escapeRegExp(p.suffix)}`, 'g');
}

/**
 * Replaces the placeholders of one script. `${flyway:defaultSchema}.x` becomes `x`, so the object
 * lands in the schema being migrated (each tenant's, through its search_path); elsewhere the
 * default schema is `public`. An unknown placeholder is a blocker: Flyway refuses the script.
 */
export function substitute(source: string, file: string, config: Placeholders): Substitution {
  const findings: Finding[] = [];
  if (!config.replace) return { source, findings };
  const defaultSchema = new RegExp(
    `"?${escapeRegExp(config.prefix)}flyway:defaultSchema${escapeRegExp(config.suffix)}"?\\.`,
    'gi',
  );
  const rendered = renderByLine(
    source,
    placeholderPattern(config),
    ({ groups, line }) => {
      const raw = groups[0]!;
      const name = raw.toLowerCase();
      if (name === 'flyway:defaultschema') return 'public';
      const value = config.values.get(name) ?? builtIn(name, file);
      if (value === undefined) findings.push(unknownPlaceholder(file, line, raw, config));
      return value;
    },
    { prepare: (line) => line.replace(defaultSchema, '') },
  );
  return { source: rendered, findings };
}

function unknownPlaceholder(
  file: string,
  line: number,
  name: string,
  config: Placeholders,
): Finding {
  const from = config.unresolved.get(name.toLowerCase());
  const elsewhere = from ? undefined : config.definedElsewhere?.(name);
  const why = from
    ? ` (${from.file} sets it from \${${from.variable}}, which is not set here)`
    : elsewhere
      ? ` (${definedWhere(elsewhere)})`
      : '';
  return finding(REPLAY.flywayPlaceholder, {
    file,
    line,
    endLine: line,
    message: `no value for Flyway placeholder ${config.prefix}${name}${config.suffix}: Flyway refuses to run ${basename(file)} without one${why}`,
    help: from
      ? `Set ${from.variable} in the check's environment, or flyway: { placeholders: { ${name}: ... } } in .schemagate.yml.`
      : elsewhere
        ? `Give it the value production runs with (${definedWhere(elsewhere)}): flyway: { placeholders: { ${name}: ... } } in .schemagate.yml, or FLYWAY_PLACEHOLDERS_${name.toUpperCase()} in the check's environment.`
        : `Set flyway.placeholders.${name} in flyway.conf, FLYWAY_PLACEHOLDERS_${name.toUpperCase()} in the environment, or flyway: { placeholders: { ${name}: ... } } in .schemagate.yml.`,
  });
}

function definedWhere(source: PlaceholderSource): string {
  if (source.profile)
    return `${source.file} defines it for the ${source.file.endsWith('.toml') ? 'Flyway environment' : 'Spring profile'} ${source.profile}, which the check does not activate`;
  return `${source.file} defines it, a file the check does not read`;
}
