import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, normalize, posix } from 'node:path';
import { DockerfileParser, type Dockerfile, type Instruction } from 'dockerfile-ast';
import { expandGlobs } from '../core/globs.js';

/**
 * What a compose service built from a Dockerfile of its own runs: the image its final stage
 * starts FROM, the files it copies into /docker-entrypoint-initdb.d, and the RUN steps it adds
 * (extensions installed with apt-get, say), which that image lacks. Teams build their Postgres
 * this way as often as they mount init scripts (`FROM postgres:16`, `COPY init.sql
 * /docker-entrypoint-initdb.d/`).
 */

export const INIT_DIR = '/docker-entrypoint-initdb.d';

export interface DockerfileCopy {
  /** Path relative to the repository root; undefined when it is not in the repository. */
  file?: string;
  /** The source as the Dockerfile writes it. */
  source: string;
  /** Where the image has it: /docker-entrypoint-initdb.d/<name>, or the folder itself. */
  target: string;
  /** 1-based line of the COPY or ADD. */
  line: number;
}

export interface PostgresDockerfile {
  /** Path relative to the repository root. */
  file: string;
  /** The final stage's base image with its ARGs resolved; undefined when a variable has no value. */
  from?: string;
  /** The FROM line as written. */
  fromDeclared: string;
  /** Files copied into /docker-entrypoint-initdb.d, in the Dockerfile's order. */
  copies: DockerfileCopy[];
  /** RUN steps of the final stage (and the stages it builds on), as written. */
  runs: Array<{ line: number; text: string }>;
}

interface BuildSpec {
  context: string;
  dockerfile?: string;
  inline?: string;
  args: Record<string, string>;
  target?: string;
}

/** A compose service's `build:` in either form: a context path, or a mapping. */
function buildSpecOf(build: unknown): BuildSpec | undefined {
  if (typeof build === 'string') return { context: build, args: {} };
  if (!build || typeof build !== 'object') return undefined;
  const b = build as Record<string, unknown>;
  const args: Record<string, string> = {};
  const raw = b.args;
  const pairs: Array<[string, unknown]> = Array.isArray(raw)
    ? raw.map((item) => {
        const [key, ...value] = String(item).split('=');
        return [key, value.length ? value.join('=') : undefined];
      })
    : Object.entries(raw ?? {});
  for (const [key, value] of pairs)
    if (value !== undefined && value !== null && !/\$\{?\w/.test(String(value)))
      args[key.trim()] = String(value);
  return {
    context: typeof b.context === 'string' ? b.context : '.',
    ...(typeof b.dockerfile === 'string' ? { dockerfile: b.dockerfile } : {}),
    ...(typeof b.dockerfile_inline === 'string' ? { inline: b.dockerfile_inline } : {}),
    args,
    ...(typeof b.target === 'string' ? { target: b.target } : {}),
  };
}

/**
 * The Dockerfile a compose service builds, relative to the repository root (the compose file is
 * at the root); undefined for an inline one, a remote context, or one outside the repository.
 */
export function dockerfilePathOf(build: unknown): string | undefined {
  const spec = buildSpecOf(build);
  if (!spec || spec.inline !== undefined || /^[\w+.-]+:\/\//.test(spec.context)) return undefined;
  const path = normalize(join(spec.context, spec.dockerfile ?? 'Dockerfile'));
  return path.startsWith('..') || path.startsWith('/') ? undefined : path;
}

/** The Dockerfile of a compose service's `build:`, read; undefined when there is none to read. */
export function postgresDockerfile(
  repoRoot: string,
  build: unknown,
): PostgresDockerfile | undefined {
  const spec = buildSpecOf(build);
  if (!spec) return undefined;
  const file = spec.inline !== undefined ? '(dockerfile_inline)' : dockerfilePathOf(build);
  if (!file) return undefined;
  let text = spec.inline;
  if (text === undefined) {
    try {
      text = readFileSync(join(repoRoot, file), 'utf8');
    } catch {
      return undefined;
    }
  }
  const dockerfile = DockerfileParser.parse(text);
  const stages = finalStages(dockerfile, spec.target);
  if (stages.length === 0) return undefined;
  const base = stages[0].from;
  const expand = (value: string, line: number) => expanded(dockerfile, spec.args, value, line);
  const context = normalize(spec.context);
  const copies: DockerfileCopy[] = [];
  const runs: PostgresDockerfile['runs'] = [];
  for (const stage of stages) {
    let workdir = '/';
    for (const instruction of stage.instructions) {
      const line = instruction.getRange().start.line;
      const keyword = instruction.getKeyword();
      if (keyword === 'WORKDIR') {
        const dir = expand(instruction.getArgumentsContent() ?? '', line);
        if (dir !== undefined) workdir = posix.resolve(workdir, dir);
      } else if (keyword === 'RUN') {
        runs.push({ line: line + 1, text: (instruction.getArgumentsContent() ?? '').trim() });
      } else if (keyword === 'COPY' || keyword === 'ADD') {
        copies.push(...initCopies(repoRoot, context, instruction, workdir, expand));
      }
    }
  }
  const fromLine = base.getRange().start.line;
  const declared = base.getImage() ?? '';
  const from = expand(declared, fromLine);
  return { file, ...(from ? { from } : {}), fromDeclared: declared, copies, runs };
}

interface Stage {
  from: Instruction & { getImage(): string | null; getBuildStage(): string | null };
  instructions: Instruction[];
}

/**
 * The stage the build ends in (the last, or `target:`) and the stages it starts FROM, the first
 * being the one whose FROM names an image rather than a stage.
 */
function finalStages(dockerfile: Dockerfile, target: string | undefined): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM')
      stages.push({ from: instruction as Stage['from'], instructions: [] });
    else stages.at(-1)?.instructions.push(instruction);
  }
  const named = (name: string) =>
    stages.findLast((s) => s.from.getBuildStage()?.toLowerCase() === name.toLowerCase());
  let stage = target ? named(target) : stages.at(-1);
  const chain: Stage[] = [];
  while (stage && !chain.includes(stage)) {
    chain.unshift(stage);
    const image = stage.from.getImage() ?? '';
    const earlier = named(image);
    stage = earlier && stages.indexOf(earlier) < stages.indexOf(chain[0]) ? earlier : undefined;
  }
  return chain;
}

/** `${VAR}`, `${VAR:-default}` and `$VAR` with the compose file's build args, then the ARG/ENV defaults. */
function expanded(
  dockerfile: Dockerfile,
  args: Record<string, string>,
  value: string,
  line: number,
): string | undefined {
  let unknown = false;
  const out = value.replace(
    /\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)/g,
    (_m, braced?: string, fallback?: string, bare?: string) => {
      const name = (braced ?? bare)!;
      const v = args[name] ?? dockerfile.resolveVariable(name, line) ?? fallback;
      if (v === undefined || v === null) unknown = true;
      return v ?? '';
    },
  );
  return unknown ? undefined : out;
}

/** The files one COPY or ADD puts into /docker-entrypoint-initdb.d, each where the image has it. */
function initCopies(
  repoRoot: string,
  context: string,
  instruction: Instruction,
  workdir: string,
  expand: (value: string, line: number) => string | undefined,
): DockerfileCopy[] {
  const line = instruction.getRange().start.line;
  const flags = (instruction as Instruction & { getFlags(): Array<{ getName(): string }> })
    .getFlags()
    .map((f) => f.getName().toLowerCase());
  const values = jsonArguments(instruction) ?? instruction.getArguments().map((a) => a.getValue());
  const paths = values.map((v) => expand(v, line));
  if (paths.length < 2 || paths.some((p) => p === undefined)) return [];
  const sources = paths.slice(0, -1) as string[];
  const dest = posix.resolve(workdir, paths.at(-1)!);
  const intoFolder = dest === INIT_DIR || paths.at(-1)!.endsWith('/') || sources.length > 1;
  if (dest !== INIT_DIR && !dest.startsWith(`${INIT_DIR}/`)) return [];
  const out: DockerfileCopy[] = [];
  for (const source of sources) {
    // From another stage or image, or a URL: nothing the repository has.
    if (flags.includes('from') || /^[\w+.-]+:\/\//.test(source)) {
      out.push({
        source,
        target: intoFolder ? `${dest}/${basename(source)}` : dest,
        line: line + 1,
      });
      continue;
    }
    for (const file of contextFiles(repoRoot, context, source)) {
      const abs = join(repoRoot, file);
      const isDir = statSync(abs).isDirectory();
      if (isDir)
        for (const name of readdirSync(abs).sort()) {
          if (statSync(join(abs, name)).isFile())
            out.push({ file: join(file, name), source, target: `${dest}/${name}`, line: line + 1 });
        }
      else
        out.push({
          file,
          source,
          target: intoFolder ? `${dest}/${basename(file)}` : dest,
          line: line + 1,
        });
    }
    if (!out.some((c) => c.source === source)) out.push({ source, target: dest, line: line + 1 });
  }
  return out;
}

function jsonArguments(instruction: Instruction): string[] | undefined {
  const json = instruction as Instruction & { getOpeningBracket?(): unknown };
  if (!json.getOpeningBracket?.()) return undefined;
  // The exec form is a JSON array (the parser's own values lose the spaces inside a string).
  const content = instruction.getArgumentsContent() ?? '';
  try {
    const values: unknown = JSON.parse(content.slice(content.indexOf('[')));
    return Array.isArray(values) ? values.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/** A COPY source (a path or a simple `*` glob) inside the build context, as repository paths. */
function contextFiles(repoRoot: string, context: string, source: string): string[] {
  const path = normalize(join(context, source.replace(/^\/+/, '')));
  if (path.startsWith('..')) return [];
  if (/[*?]/.test(basename(path))) return expandGlobs(repoRoot, [path]);
  return existsSync(join(repoRoot, path)) ? [path] : [];
}
