import { relative, sep } from 'node:path';

/** `abs` relative to the repository root, with `/` separators ('' for the root itself). */
export function relativeToRepo(repoRoot: string, abs: string): string {
  return relative(repoRoot, abs).split(sep).join('/');
}
