import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, gitEnv } from '../core/child-env.js';
import { InputError } from '../core/errors.js';
import { makeRunSubdir } from '../core/run-dir.js';
import type { Discovery, Migration } from '../core/model.js';

/** The split of the migration set into what production already has and what the PR brings. */
export interface Plan {
  /** Present at the base ref with the same content, in the base's order. */
  merged: Migration[];
  /**
   * Added by the PR, in the order the production tool would apply them; with them, as `changed`,
   * the Flyway repeatables the PR edits, which Flyway re-runs over their merged version.
   */
  added: Migration[];
  /** Present at base but edited by the PR; replay uses the base version (what production ran). */
  changed: Array<{ base: Migration; head: Migration }>;
  /** Present at base, gone from the PR. */
  removed: Migration[];
  /** The base ref as given (`--base`), and the commit it resolved to. */
  baseRef?: string;
  baseCommit?: string;
  /**
   * Files discovery reported on that the base has with the same bytes (a stray file the journal
   * never listed, merged long ago): what it says of them is not the PR's doing.
   */
  unchangedAtBase?: string[];
}

/** A git command's output in the repository; throws when git fails. */
export function git(repoRoot: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 512 << 20,
    env: gitEnv(),
  }).toString();
}

/** Resolves REF to a commit or throws an InputError that says what was wrong. */
export function resolveBase(repoRoot: string, ref: string): string {
  try {
    git(repoRoot, ['rev-parse', '--show-toplevel']);
  } catch {
    throw new InputError(`--base ${ref}: ${repoRoot} is not inside a git repository`);
  }
  try {
    return git(repoRoot, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim();
  } catch {
    throw new InputError(
      `--base ${ref}: no such commit in ${repoRoot} (on a shallow checkout, fetch the base first: actions/checkout with fetch-depth: 0)`,
    );
  }
}

/**
 * Writes the files under `paths` as they are at `commit` into a new temp directory with the
 * same relative layout, so discovery can read the base exactly as it reads the work tree. It
 * lives in the run's directory (core/run-dir.ts), so a killed run leaves no checkout behind.
 */
export function materializeAt(
  repoRoot: string,
  commit: string,
  paths: string[],
): { dir: string; dispose: () => void } {
  const dir = makeRunSubdir('base-');
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  // Paths are relative to repoRoot, which may be a subdirectory of the work tree.
  const [top, prefix = ''] = git(repoRoot, ['rev-parse', '--show-toplevel', '--show-prefix'])
    .split('\n')
    .map((l) => l.trim());
  // One listing of the files under every path: a path the commit has is one of them or holds
  // some (a directory given with a file inside it lists both).
  const wanted = [...new Set(paths.map((p) => join(prefix, p).replace(/\/$/, '')))];
  const files = git(top, ['ls-tree', '-r', '--name-only', commit, '--', ...wanted])
    .split('\n')
    .filter(Boolean);
  const inTree = wanted.filter(
    (p) => p === '.' || files.some((f) => f === p || f.startsWith(`${p}/`)),
  );
  if (files.length === 0 || inTree.length === 0) return { dir, dispose };
  const archive = spawnSync('git', ['archive', '--format=tar', commit, '--', ...inTree], {
    cwd: top,
    maxBuffer: 1 << 30,
    env: gitEnv(),
  });
  if (archive.status !== 0) {
    dispose();
    throw new InputError(`--base: git archive failed: ${archive.stderr.toString().trim()}`);
  }
  const strip = prefix.split('/').filter(Boolean).length;
  const untar = spawnSync(
    'tar',
    ['-x', '-C', dir, ...(strip ? [`--strip-components=${strip}`] : [])],
    {
      input: archive.stdout,
      maxBuffer: 1 << 30,
      env: childEnv(),
    },
  );
  if (untar.status !== 0) {
    dispose();
    throw new InputError(
      `--base: could not unpack the base tree: ${untar.stderr.toString().trim()}`,
    );
  }
  return { dir, dispose };
}

/** Splits the head's migrations against the base's, matching by file path, then by id. */
export function splitPlan(head: Discovery, base: Discovery | undefined, baseRef?: string): Plan {
  if (!base)
    return {
      merged: [],
      added: head.migrations.map((m) => ({ ...m, state: 'new' })),
      changed: [],
      removed: [],
      baseRef,
    };
  const baseByFile = new Map(base.migrations.map((m) => [m.file, m]));
  const headFiles = new Set(head.migrations.map((m) => m.file));
  const merged: Migration[] = [];
  const added: Migration[] = [];
  const changed: Plan['changed'] = [];
  const rerun: Migration[] = [];
  for (const m of head.migrations) {
    const b = baseByFile.get(m.file);
    if (!b) added.push({ ...m, state: 'new' });
    else if (b.checksum === m.checksum) merged.push({ ...m, state: 'merged' });
    else if (m.repeatable && b.repeatable) {
      // Flyway re-runs a repeatable whose checksum changed, after the pending versions.
      rerun.push(b);
      added.push({ ...m, state: 'changed' });
    } else if (m.declarative && b.declarative) {
      // A schema file kept in place: what the PR appends is its step; a rewrite is replayed whole.
      const appended = appendedStatements(b, m);
      if (appended) rerun.push(b);
      const up = appended ? { ...m.up, statements: appended } : m.up;
      added.push({ ...m, up, state: 'changed' });
    } else changed.push({ base: b, head: { ...m, state: 'changed' } });
  }
  const removed = base.migrations.filter((m) => !headFiles.has(m.file));
  // Production has run the base version of edited migrations: replay those, in the base order.
  const mergedIds = new Set(
    [...merged, ...rerun, ...changed.map((c) => c.base)].map((m) => m.file),
  );
  const replayMerged = base.migrations
    .filter((m) => mergedIds.has(m.file) || removed.includes(m))
    .map((m) => {
      const head = merged.find((h) => h.file === m.file);
      return head ?? { ...m, state: 'merged' as const };
    });
  return { merged: replayMerged, added, changed, removed, baseRef };
}

/** The statements `head` adds after every statement of `base`, unchanged; undefined otherwise. */
function appendedStatements(
  base: Migration,
  head: Migration,
): Migration['up']['statements'] | undefined {
  const before = base.up.statements;
  const after = head.up.statements;
  if (after.length < before.length) return undefined;
  if (!before.every((s, i) => s.sql === after[i].sql)) return undefined;
  return after.slice(before.length);
}

/** Treats the first `count` discovered migrations as merged (library and test use, no git). */
export function splitByCount(head: Discovery, count: number): Plan {
  return {
    merged: head.migrations.slice(0, count).map((m) => ({ ...m, state: 'merged' })),
    added: head.migrations.slice(count).map((m) => ({ ...m, state: 'new' })),
    changed: [],
    removed: [],
  };
}

/**
 * Of the files discovery's findings name, those `baseDir` (the base's files, laid out as the
 * repository) has with the same content as the work tree.
 */
export function unchangedAtBase(
  findings: Discovery['findings'],
  repoRoot: string,
  baseDir: string,
): string[] {
  const files = [...new Set(findings.map((f) => f.file).filter((f): f is string => !!f))];
  return files.filter((f) => {
    const head = join(repoRoot, f);
    const base = join(baseDir, f);
    if (!existsSync(head) || !existsSync(base)) return false;
    if (!statSync(head).isFile() || !statSync(base).isFile()) return false;
    return readFileSync(head).equals(readFileSync(base));
  });
}
