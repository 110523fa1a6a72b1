/**
 * Where else in the repository a Flyway placeholder is defined: a Spring profile's file or
 * document (`application-dev.yml`, `on-profile: dev`), a `flyway.toml` environment, or a
 * configuration file outside the folders the scripts' configuration is read from. A placeholder
 * without a value that one of these defines is not missing from the project, only from the
 * configuration a run without that profile reads, and the remedy says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import { relativeToRepo } from '../core/paths.js';

export interface PlaceholderSource {
  /** Repository-relative path of the file that defines it. */
  file: string;
  /** The Spring profile or Flyway environment it applies to; undefined for an unconditional definition. */
  profile?: string;
}

const CONFIG_FILE = /^(?:application.*\.(?:properties|ya?ml)|flyway.*\.(?:conf|toml))$/;

/**
 * A lookup by lower-cased placeholder name, reading the candidate files once, on first use.
 * `folders` are the folders from the repository root down to the scripts (absolute); `read` lists
 * the files the run reads (repository-relative), whose unconditional definitions are not
 * "elsewhere".
 */
export function placeholderSources(
  repoRoot: string,
  folders: string[],
  read: Set<string>,
): (name: string) => PlaceholderSource | undefined {
  let found: Map<string, PlaceholderSource> | undefined;
  return (name) => {
    found ??= scan(repoRoot, candidates(folders), read);
    return found.get(name.toLowerCase());
  };
}

/**
 * Configuration files of the project the scripts belong to: in each folder on the way down to
 * them, its `config/`, and its `src/<set>/resources/` (Spring's test resources beside the main
 * ones), the nearest folder first.
 */
function candidates(folders: string[]): string[] {
  return [...folders].reverse().flatMap((folder) => {
    const resources = subfolders(join(folder, 'src')).map((set) => join(set, 'resources'));
    return [folder, join(folder, 'config'), ...resources].flatMap((dir) =>
      listNames(dir)
        .filter((name) => CONFIG_FILE.test(name))
        .map((name) => join(dir, name)),
    );
  });
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}

function scan(
  repoRoot: string,
  files: string[],
  read: Set<string>,
): Map<string, PlaceholderSource> {
  const found = new Map<string, PlaceholderSource>();
  for (const path of new Set(files)) {
    const file = relativeToRepo(repoRoot, path);
    let definitions: Array<[string, string | undefined]>;
    try {
      definitions = definedIn(readFileSync(path, 'utf8'), basename(path));
    } catch {
      continue; // a file the run does not read may be broken; it is only a hint here
    }
    for (const [name, profile] of definitions) {
      if (!profile && read.has(file)) continue;
      if (!found.has(name)) found.set(name, { file, ...(profile ? { profile } : {}) });
    }
  }
  return found;
}

/** Placeholder names (lower-cased) a file defines, each with the profile it applies to. */
function definedIn(text: string, name: string): Array<[string, string | undefined]> {
  const fileProfile = /^application-(.+)\.(?:properties|ya?ml)$/.exec(name)?.[1];
  if (name.endsWith('.properties') || name.endsWith('.conf')) {
    const keys = [...text.matchAll(/^\s*(?:spring\.)?flyway\.placeholders\.([\w.-]+)\s*[=:]/gm)];
    return keys.map((m) => [m[1].toLowerCase(), fileProfile]);
  }
  if (name.endsWith('.toml')) return fromToml(parseToml(text) as Record<string, any>);
  return parseAllDocuments(text).flatMap((d) => {
    const doc = ('errors' in d && d.errors.length === 0 ? d.toJS() : null) as Record<
      string,
      any
    > | null;
    const profile = fileProfile ?? (doc ? springProfileOf(doc) : undefined);
    return namesOf(doc?.spring?.flyway?.placeholders).map((n): [string, string | undefined] => [
      n,
      profile,
    ]);
  });
}

/** The profile a Spring YAML document applies to (`on-profile`, or Spring Boot 2.3's `spring.profiles`). */
export function springProfileOf(doc: Record<string, any>): string | undefined {
  const profile = doc.spring?.config?.activate?.['on-profile'] ?? doc.spring?.profiles;
  return typeof profile === 'string' ? profile : undefined;
}

function fromToml(doc: Record<string, any>): Array<[string, string | undefined]> {
  const environments = Object.entries((doc.environments ?? {}) as Record<string, any>);
  return [
    ...namesOf(doc.flyway?.placeholders).map((n): [string, undefined] => [n, undefined]),
    ...environments.flatMap(([env, e]) =>
      namesOf(e?.flyway?.placeholders).map((n): [string, string] => [n, env]),
    ),
  ];
}

function namesOf(placeholders: unknown): string[] {
  if (!placeholders || typeof placeholders !== 'object') return [];
  return Object.keys(placeholders).map((k) => k.toLowerCase());
}
