/**
 * The graph rules that both discovery (while reading the directory) and the graph gate (against
 * the base) can find: one builder each, so both say the same thing. Discovery knows the tool and
 * the whole revision graph; the gate may know less, and says so in its wording.
 */
import type { Finding } from '../core/model.js';
import { GRAPH } from './graph.js';
import { finding } from './rule.js';

/** Where a migration-set finding points: a file, at a line (1 for the whole file). */
export interface At {
  file: string;
  line: number;
}

const at = ({ file, line }: At) => ({ file, line, endLine: line });

/**
 * orphan-down: a down file no up pairs with. `upFile`, when the down's name says which up it
 * belongs to, is named in the help.
 */
export function orphanDownFinding(
  down: { file: string; version: string; upFile?: string },
  tool: string,
): Finding {
  const add = down.upFile ? `the matching ${down.upFile}` : 'the up migration of this version';
  return finding(GRAPH.orphanDown, {
    ...at({ file: down.file, line: 1 }),
    message: `${down.file} has no up migration with version ${down.version}; ${tool} pairs up and down by version, so this down never runs`,
    help: `Add ${add}, renumber the down to its up’s version, or delete it.`,
  });
}

/**
 * duplicate-version: `later` reuses the version of `earlier`. With the `tool` named the message
 * says what that tool does; without it, what production tools do.
 */
export function duplicateVersionFinding(
  earlier: { file: string },
  later: { id: string; file: string },
  tool?: string,
): Finding {
  const consequence = tool
    ? `${tool} records a version once, so it either refuses the directory or runs only one of them`
    : 'the production tool records one version once and fails or skips the other';
  return finding(GRAPH.duplicateVersion, {
    ...at({ file: later.file, line: 1 }),
    message: `version ${later.id} is used twice: ${earlier.file} and ${later.file}; ${consequence}`,
    help: 'Give the newer migration a version of its own, higher than every merged one.',
  });
}

interface Revision {
  id: string;
  file: string;
}

/**
 * alembic-multiple-heads at `head`, one of `heads` (all of them, `head` included, oldest first).
 * Discovery sees the whole graph and names the other heads' files; the gate names the PR's
 * revision that branches the history.
 */
export function multipleHeadsFinding(
  head: Revision,
  heads: Revision[],
  line: number,
  by: 'discovery' | 'gate',
): Finding {
  const others = heads.filter((h) => h !== head);
  const merge = `alembic merge -m "merge heads" ${heads.map((h) => h.id).join(' ')}`;
  const message =
    by === 'discovery'
      ? `revision ${head.id} is a second head next to ${others.map((h) => `${h.id} (${h.file})`).join(', ')}: both revise an older revision and nothing merges them, so \`alembic upgrade head\` stops with "Multiple head revisions are present"`
      : `revision ${head.id} makes the history branch: heads ${heads.map((h) => h.id).join(', ')}; \`alembic upgrade head\` fails with "Multiple head revisions are present"`;
  return finding(GRAPH.multipleHeads, {
    ...at({ file: head.file, line }),
    message,
    help: `Revise the other head instead (down_revision = '${others[0].id}'), or add a merge revision: ${merge}`,
  });
}

/**
 * alembic-missing-parent: `revision` names `parent` in `field` (down_revision, depends_on) and no
 * file declares it.
 */
export function missingParentFinding(
  revision: Revision,
  parent: string,
  field: string,
  line: number,
  by: 'discovery' | 'gate',
): Finding {
  const refused = `Revision ${parent} referenced from ${revision.id} is not present`;
  const message =
    by === 'discovery'
      ? `revision ${revision.id} names ${parent} in ${field}, but no revision file declares ${parent}; Alembic stops with "${refused}"`
      : `revision ${revision.id} names ${field} ${parent}, which no migration file defines; Alembic cannot build the revision graph ("${refused}")`;
  return finding(GRAPH.missingParent, {
    ...at({ file: revision.file, line }),
    message,
    help: 'Point down_revision at an existing revision (`alembic heads` shows the current head), or restore the missing revision file.',
  });
}
