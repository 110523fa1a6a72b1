import { accessSync, constants } from 'node:fs';
import { relative, sep } from 'node:path';

/** `abs` relative to the repository root, with `/` separators ('' for the root itself). */
export function relativeToRepo(repoRoot: string, abs: string): string {
  return relative(repoRoot, abs).split(sep).join('/');
}

/** Whether `file` exists and this process may run it. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
