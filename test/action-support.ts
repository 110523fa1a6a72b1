import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface FixtureRepo {
  root: string;
  base: string;
  head: string;
  dispose: () => void;
}

const fixtureRepoModule = resolve('scripts/fixture-repo.mjs');

/** A git repository with a base commit (baseDir) and a PR commit on top (prDir). */
export async function makeFixtureRepo(baseDir: string, prDir: string): Promise<FixtureRepo> {
  const mod = (await import(fixtureRepoModule)) as {
    makeFixtureRepo: (b: string, p: string) => FixtureRepo;
  };
  return mod.makeFixtureRepo(resolve(baseDir), resolve(prDir));
}

/** Writes test/fixtures-action/<name>.json with its placeholder SHAs filled in; returns the path. */
export function writeEvent(
  name: string,
  dir: string,
  shas: { BASE_SHA?: string; HEAD_SHA?: string; BEFORE_SHA?: string },
): string {
  let text = readFileSync(resolve('test/fixtures-action', `${name}.json`), 'utf8');
  for (const [key, value] of Object.entries(shas)) text = text.replaceAll(key, value ?? '');
  const path = join(dir, `${name}.json`);
  writeFileSync(path, text);
  return path;
}
