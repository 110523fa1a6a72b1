import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The floors of docs/architecture.md: a module imports only from its own floor or lower ones,
 * and no files import each other in a circle. Floors are listed bottom first; folders on one
 * line are one floor's rooms and may not import each other unless listed as lower.
 */
const FLOORS: string[][] = [
  ['core'],
  ['sql', 'catalog'],
  ['rules'],
  ['config'],
  ['discover'],
  ['plan'],
  ['provision'],
  ['replay'],
  ['gates'],
  ['report'],
  ['check'],
  ['action', 'cli.ts', 'terminal-logger.ts', 'main.ts', 'index.ts'],
];

const SRC = resolve('src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Project files a file imports (static, re-export, type-only and `import()` type forms). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name.replace(/\.js$/, '.ts')));
}

const room = (file: string) => relative(SRC, file).split('/')[0];
const floorOf = (file: string) => FLOORS.findIndex((rooms) => rooms.includes(room(file)));

describe('architecture', () => {
  const files = sourceFiles(SRC);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));

  it('puts every source folder on a floor', () => {
    expect([...new Set(files.map(room))].filter((r) => floorOf(join(SRC, r)) === -1)).toEqual([]);
  });

  it('imports only from the same floor or a lower one, never across rooms of one floor', () => {
    const upward: string[] = [];
    for (const [file, deps] of graph) {
      for (const dep of deps) {
        const [from, to] = [floorOf(file), floorOf(dep)];
        if (to > from || (to === from && room(dep) !== room(file) && from !== FLOORS.length - 1))
          upward.push(`${relative(SRC, file)} -> ${relative(SRC, dep)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no circle of imports between files', () => {
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        circles.push(
          [...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' -> '),
        );
        return;
      }
      state.set(file, 'open');
      for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });

  it('keeps @actions/* out of everything below the action floor', () => {
    const leaks = files.filter(
      (f) =>
        floorOf(f) < FLOORS.length - 1 &&
        ts
          .preProcessFile(readFileSync(f, 'utf8'), true, true)
          .importedFiles.some((i) => i.fileName.startsWith('@actions/')),
    );
    expect(leaks.map((f) => relative(SRC, f))).toEqual([]);
  });
});
