/**
 * Two branches that both add the next version: the PR's migration reuses a version that a
 * migration merged meanwhile already has. The finding belongs on the PR's file, whichever of the
 * two sorts first, because the PR is the one that must renumber.
 */
import { compareSortKeys, type Finding, type Format, type Migration } from '../../core/model.js';
import type { Plan } from '../../plan/index.js';
import { GRAPH, finding } from '../../rules/index.js';

/** The version as each tool compares it (as its discovery keys duplicates). */
const VERSION_OF: Partial<Record<Format, (m: Migration) => string>> = {
  'golang-migrate': (m) => String(m.sortKey[0]),
  goose: (m) => String(m.sortKey[0]),
  flyway: (m) => m.sortKey.join('.'),
};

const versionOf = (format: Format) => VERSION_OF[format] ?? ((m: Migration) => m.id);

/** What the tool does with two files of one version, on every database. */
const REFUSAL: Partial<Record<Format, (version: string) => string>> = {
  'golang-migrate': () =>
    'golang-migrate refuses a directory with two files of one version: `migrate up` stops with "duplicate migration file" on every database, production included',
  goose: (v) =>
    `goose refuses a directory with two files of one version: \`goose up\` stops with "duplicate version ${v} detected" on every database, production included`,
  flyway: (v) =>
    `Flyway refuses two migrations of one version: migrate stops with "Found more than one migration with version ${v}" on every database, production included`,
};

function consequence(format: Format, version: string, merged: Migration): string {
  const say = REFUSAL[format];
  if (say) return say(version);
  if (format === 'dbmate')
    return `dbmate records a version once: production, which already ran ${merged.file}, takes this migration for applied and never runs it`;
  return `the production tool records a version once: production, which already ran ${merged.file}, either refuses the directory or never runs this migration`;
}

export interface CrossBranchDuplicate {
  merged: Migration;
  added: Migration;
}

const versioned = (ms: Migration[]) => ms.filter((m) => !m.repeatable);

/** Each new migration of the PR whose version a merged migration already has. */
export function crossBranchDuplicates(format: Format, plan: Plan): CrossBranchDuplicate[] {
  const version = versionOf(format);
  const merged = new Map<string, Migration>();
  for (const m of versioned(plan.merged)) if (!merged.has(version(m))) merged.set(version(m), m);
  return versioned(plan.added)
    .filter((m) => m.state === 'new' && merged.has(version(m)))
    .map((added) => ({ merged: merged.get(version(added))!, added }));
}

/** A free version for the example: the highest numeric one plus one, as wide as the PR's. */
function nextVersion(plan: Plan, added: Migration): string | undefined {
  if (!/^\d+$/.test(added.id)) return undefined;
  const numbers = [...plan.merged, ...plan.added].map((m) => m.id).filter((id) => /^\d+$/.test(id));
  const highest = numbers.reduce((max, id) => (BigInt(id) > max ? BigInt(id) : max), 0n);
  return String(highest + 1n).padStart(added.id.length, '0');
}

/** `db/migrations/000004_add_author_email.up.sql` for the PR's `000002_add_author_email.up.sql`. */
function renamed(file: string, id: string, next: string): string | undefined {
  const slash = file.lastIndexOf('/') + 1;
  const base = file.slice(slash);
  const at = base.indexOf(id);
  return at === -1
    ? undefined
    : `${file.slice(0, slash)}${base.slice(0, at)}${next}${base.slice(at + id.length)}`;
}

function newestMerged(plan: Plan): Migration | undefined {
  return versioned(plan.merged).reduce<Migration | undefined>(
    (max, m) => (!max || compareSortKeys(m.sortKey, max.sortKey) > 0 ? m : max),
    undefined,
  );
}

/** duplicate-version on the PR's file, naming the merged file that holds the version. */
export function crossBranchFinding(d: CrossBranchDuplicate, plan: Plan, format: Format): Finding {
  const { merged, added } = d;
  const version = versionOf(format)(added);
  const newest = newestMerged(plan) ?? merged;
  const next = nextVersion(plan, added);
  const example = next ? renamed(added.file, added.id, next) : undefined;
  const down = added.downFile ? ' and its down file' : '';
  return finding(GRAPH.duplicateVersion, {
    file: added.file,
    line: 1,
    endLine: 1,
    message: `version ${added.id} of this new migration is already taken by merged migration ${merged.file} (two branches added the same version; the other one merged first); ${consequence(format, version, merged)}`,
    help: `Renumber ${added.file}${down} to a version above ${newest.id}, the newest merged one${example ? `, e.g. ${example}` : ''}, and rebase the PR on the base branch.`,
  });
}

/**
 * Discovery's duplicate-version findings as the PR should see them: one about a merged and a new
 * migration is said again on the new one (discovery puts it on the later file, which may be the
 * merged one); the others are kept.
 */
export function duplicatesOnThePr(findings: Finding[], format: Format, plan: Plan): Finding[] {
  const cross = crossBranchDuplicates(format, plan);
  if (cross.length === 0) return findings;
  const files = new Set(cross.flatMap((d) => [d.merged.file, d.added.file]));
  const kept = findings.filter(
    (f) => f.rule !== GRAPH.duplicateVersion.id || !f.file || !files.has(f.file),
  );
  return [...kept, ...cross.map((d) => crossBranchFinding(d, plan, format))];
}
