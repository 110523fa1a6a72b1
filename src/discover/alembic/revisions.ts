/**
 * Reads Alembic revision files as text, never executing them: the module-level assignments
 * `revision`, `down_revision`, `branch_labels` and `depends_on` (plain or type-annotated), with
 * the line of each, and the lines of `def upgrade()` / `def downgrade()`.
 */
import { InputError } from '../../core/errors.js';

export interface RevisionFile {
  id: string;
  /** Repository-relative path of the revision file. */
  file: string;
  /** The first line of the docstring (Alembic's revision message), or the file name's tail. */
  message: string;
  parents: string[];
  branchLabels: string[];
  dependsOn: string[];
  revisionLine: number;
  /** Line of `down_revision = ...` (of `revision = ...` when the file has none). */
  parentsLine: number;
  dependsOnLine?: number;
  upgradeLine?: number;
  downgradeLine?: number;
  /** `Create Date:` from the docstring, to order sibling revisions the way they were written. */
  createDate?: string;
  source: string;
}

const ASSIGNMENT = /^(revision|down_revision|branch_labels|depends_on)\s*(?::[^=]*)?=\s*(.*)$/;
const STRING_LITERAL = /[rbuRBU]{0,2}("""|'''|"|')(.*?)\1/g;
const DEF_LINE = /^def\s+(upgrade|downgrade)\s*\(/;

interface Assignment {
  value: string;
  line: number;
}

/** Top-level `name = value` lines; a value in brackets may continue over several lines. */
function assignments(lines: string[]): Map<string, Assignment> {
  const found = new Map<string, Assignment>();
  for (let i = 0; i < lines.length; i++) {
    const m = ASSIGNMENT.exec(lines[i]);
    if (!m || found.has(m[1])) continue;
    let value = stripComment(m[2]);
    let j = i;
    while (openBrackets(value) > 0 && j + 1 < lines.length) value += ' ' + stripComment(lines[++j]);
    found.set(m[1], { value: value.trim(), line: i + 1 });
  }
  return found;
}

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return text.slice(0, i);
  }
  return text;
}

function openBrackets(value: string): number {
  const withoutStrings = value.replace(STRING_LITERAL, '');
  return (
    (withoutStrings.match(/[([{]/g)?.length ?? 0) - (withoutStrings.match(/[)\]}]/g)?.length ?? 0)
  );
}

/** `None`, `'a'`, `('a', 'b')`, `['a']`, `{'a'}` → the string literals in it. */
function stringsOf(value: string | undefined): string[] | undefined {
  if (value === undefined || value === 'None' || value === '') return [];
  const strings = [...value.matchAll(STRING_LITERAL)].map((m) => m[2]);
  const rest = value.replace(STRING_LITERAL, '').replace(/[\s,()[\]{}]/g, '');
  return rest === '' ? strings : undefined;
}

function docstringFacts(source: string): { message?: string; createDate?: string } {
  const doc = /^\s*(?:[rRuU]?)("""|''')([\s\S]*?)\1/.exec(source);
  if (!doc) return {};
  const text = doc[2];
  const message = text
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim();
  const createDate = /^\s*Create Date:\s*(.+?)\s*$/m.exec(text)?.[1];
  return { message, createDate };
}

function listValue(file: string, a: Assignment | undefined, name: string): string[] {
  const values = stringsOf(a?.value);
  if (values === undefined) {
    throw new InputError(
      `${file}:${a!.line}: ${name} must be None, a string or a tuple of strings (schemagate reads revision files without running them), got ${a!.value}`,
    );
  }
  return values;
}

/** Reads one revision file; undefined when it declares no `revision` (not a revision file). */
export function readRevision(file: string, source: string): RevisionFile | undefined {
  const lines = source.split(/\r?\n/);
  const found = assignments(lines);
  const revision = found.get('revision');
  if (!revision) return undefined;
  const ids = listValue(file, revision, 'revision');
  if (ids.length !== 1) {
    throw new InputError(
      `${file}:${revision.line}: revision must be one string, got ${revision.value}`,
    );
  }
  const down = found.get('down_revision');
  const depends = found.get('depends_on');
  const defs = new Map<string, number>();
  lines.forEach((l, i) => {
    const m = DEF_LINE.exec(l);
    if (m && !defs.has(m[1])) defs.set(m[1], i + 1);
  });
  const doc = docstringFacts(source);
  return {
    id: ids[0],
    file,
    message: doc.message ?? fileTitle(file),
    parents: listValue(file, down, 'down_revision'),
    branchLabels: listValue(file, found.get('branch_labels'), 'branch_labels'),
    dependsOn: listValue(file, depends, 'depends_on'),
    revisionLine: revision.line,
    parentsLine: down?.line ?? revision.line,
    ...(depends ? { dependsOnLine: depends.line } : {}),
    ...(defs.has('upgrade') ? { upgradeLine: defs.get('upgrade') } : {}),
    ...(defs.has('downgrade') ? { downgradeLine: defs.get('downgrade') } : {}),
    ...(doc.createDate ? { createDate: doc.createDate } : {}),
    source,
  };
}

function fileTitle(file: string): string {
  const base = file.split('/').pop()!.replace(/\.py$/, '');
  return base.replace(/^[0-9a-f]+_/, '');
}
