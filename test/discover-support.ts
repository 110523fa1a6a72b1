import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Discovery, Migration } from '../src/core/model.js';

/** A throwaway repository holding `files` (paths relative to its root). */
export function tempRepo(files: Record<string, string | Buffer>): {
  root: string;
  dispose: () => void;
} {
  const root = mkdtempSync(join(tmpdir(), 'schemagate-discover-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** The shape of a statement list that tests assert on: kind and first/last line. */
export function outline(script: Migration['up'] | undefined): Array<[string, number, number]> {
  return (script?.statements ?? []).map((s) => [s.kind, s.line, s.endLine]);
}

export function ids(d: Discovery): string[] {
  return d.migrations.map((m) => m.id);
}
