/**
 * The migration set against the base: duplicate and out-of-order versions, merged migrations
 * edited or deleted by the PR. Each message says what the production tool does with it.
 */
import { compareSortKeys, type Format, type Migration, type Finding } from '../../core/model.js';
import type { GateContext } from '../gate.js';
import { GRAPH, finding } from '../../rules/index.js';
import { duplicateVersionFinding } from '../../rules/graph-findings.js';
import { crossBranchDuplicates, crossBranchFinding } from './duplicates.js';

const versioned = (ms: Migration[]) => ms.filter((m) => !m.repeatable);

/**
 * For formats whose discovery does not compare versions: two migrations of one version. One the
 * PR adds next to a merged one is said on the PR's file; two merged ones are production's past.
 */
export function duplicateVersionFindings(ctx: GateContext): Finding[] {
  if (ctx.discovery.findings.some((f) => f.rule === GRAPH.duplicateVersion.id)) return [];
  const { format } = ctx.discovery;
  const cross = crossBranchDuplicates(format, ctx.plan);
  const merged = new Set(ctx.plan.merged.map((m) => m.file));
  const placed = new Set(cross.map((d) => d.added.file));
  const byId = new Map<string, Migration[]>();
  for (const m of versioned(ctx.discovery.migrations))
    byId.set(m.id, [...(byId.get(m.id) ?? []), m]);
  const withinThePr = [...byId.values()]
    .filter((group) => group.length > 1)
    .flatMap(([first, ...rest]) =>
      rest
        .filter((m) => !merged.has(m.file) && !placed.has(m.file))
        .map((m) => duplicateVersionFinding(first, m)),
    );
  return [...withinThePr, ...cross.map((d) => crossBranchFinding(d, ctx.plan, format))];
}

const PRODUCTION_BEHAVIOUR: Partial<Record<Format, (m: Migration, newest: Migration) => string>> = {
  'golang-migrate': (m, n) =>
    `golang-migrate never applies a version lower than the database's current version: on a database at ${n.id}, \`migrate up\` never runs ${m.id}`,
  goose: (m, n) =>
    `goose refuses it: \`goose up\` on a database at ${n.id} fails with "found 1 missing migrations" unless run with -allow-missing, which then applies ${m.id} after ${n.id}`,
  flyway: (m, n) =>
    `Flyway refuses it with outOfOrder=false (the default): migrate fails validation with "Detected resolved migration not applied to database: ${m.id}"; with outOfOrder=true it runs after ${n.id}`,
  drizzle: (m, n) =>
    `drizzle-orm does not order by index: on a database at ${n.id} it runs ${m.id} after ${n.id}, the reverse of the order a fresh database uses`,
  dbmate: (m, n) =>
    `dbmate applies it anyway: production runs ${m.id} after ${n.id}, the reverse of the order a fresh database uses`,
};

function productionBehaviour(format: Format, m: Migration, newest: Migration): string {
  const say = PRODUCTION_BEHAVIOUR[format];
  return say
    ? say(m, newest)
    : `the production tool either skips it or runs it after ${newest.id}, the reverse of the order a fresh database uses`;
}

/** ISO time of a journal `when`, to the second. */
const isoTime = (millis: number) => new Date(millis).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Drizzle: drizzle-orm runs an entry only when its `when` is later than the newest applied one's,
 * so a new entry stamped at or before the newest merged entry is skipped without an error.
 */
function journalTimeFindings(ctx: GateContext): Finding[] {
  const newest = ctx.plan.merged.reduce<Migration | undefined>(
    (max, m) =>
      m.journalWhen && (!max || m.journalWhen.millis > max.journalWhen!.millis) ? m : max,
    undefined,
  );
  if (!newest) return [];
  const last = newest.journalWhen!;
  return ctx.plan.added
    .filter((m) => m.journalWhen && m.journalWhen.millis <= last.millis)
    .map((m) => {
      const when = m.journalWhen!;
      return finding(GRAPH.outOfOrder, {
        file: when.file,
        line: when.line,
        message: `new migration ${m.id} has journal "when" ${when.millis} (${isoTime(when.millis)}), not later than ${newest.id}'s ${last.millis} (${isoTime(last.millis)}), the newest merged one; drizzle-orm's migrator runs only entries whose "when" is later than the newest applied one's, so on a database at ${newest.id} it skips ${m.id} without an error`,
        help: `Set its "when" after ${last.millis}, or regenerate the migration with drizzle-kit generate on top of the base branch.`,
      });
    });
}

export function outOfOrderFindings(ctx: GateContext): Finding[] {
  if (ctx.discovery.format === 'alembic') return []; // ordered by its revision graph, not by version
  if (ctx.discovery.format === 'drizzle') {
    const byTime = journalTimeFindings(ctx);
    if (byTime.length) return byTime;
  }
  const newest = versioned(ctx.plan.merged).reduce<Migration | undefined>(
    (max, m) => (!max || compareSortKeys(m.sortKey, max.sortKey) > 0 ? m : max),
    undefined,
  );
  if (!newest) return [];
  return versioned(ctx.plan.added)
    .filter((m) => compareSortKeys(m.sortKey, newest.sortKey) < 0)
    .map((m) =>
      ctx.discovery.outOfOrder && ['flyway', 'golang-migrate'].includes(ctx.discovery.format)
        ? outOfOrderAllowed(m, ctx.plan.merged, newest, ctx.discovery.format)
        : finding(GRAPH.outOfOrder, {
            file: m.file,
            line: 1,
            message: `new migration ${m.id} sorts before ${newest.id} (${newest.file}), the newest merged one; ${productionBehaviour(ctx.discovery.format, m, newest)}`,
            help: `Renumber it after ${newest.id} (and its down with it) so that every database applies it last.`,
          }),
    );
}

/**
 * With outOfOrder=true Flyway applies it, as ory/pop (read as golang-migrate) always does:
 * production runs it after the merged versions above it, fresh databases run it before them.
 */
function outOfOrderAllowed(
  m: Migration,
  merged: Migration[],
  newest: Migration,
  format: Format,
): Finding {
  const tool =
    format === 'flyway'
      ? 'Flyway is configured with outOfOrder=true'
      : 'ory/pop runs every version its schema_migration table does not hold';
  const later = versioned(merged).filter((x) => compareSortKeys(x.sortKey, m.sortKey) > 0);
  const shown =
    later.length > 4
      ? [...later.slice(0, 3).map((x) => x.id), '…', newest.id]
      : later.map((x) => x.id);
  return finding(GRAPH.outOfOrder, {
    severity: 'warning',
    file: m.file,
    line: 1,
    message: `new migration ${m.id} sorts before ${newest.id} (${newest.file}), the newest merged one; ${tool}, so databases already at ${newest.id} (production) run ${m.id} after ${newest.id}, while fresh databases (CI, new tenants, restores) run it before ${shown.join(', ')}`,
    help: `Make sure ${m.id} and the merged versions after it (${shown.join(', ')}) touch different objects, so that both orders give the same schema, or renumber it after ${newest.id} so that every database applies it last.`,
  });
}

/** The first statement whose text differs, as the head has it. */
function firstDifference(base: Migration['up'] | undefined, head: Migration['up'] | undefined) {
  const b = base?.statements ?? [];
  const h = head?.statements ?? [];
  for (let i = 0; i < Math.max(b.length, h.length); i++) {
    if (b[i]?.sql !== h[i]?.sql)
      return { line: h[i]?.line ?? h[h.length - 1]?.line ?? 1, endLine: h[i]?.endLine };
  }
  return undefined;
}

export function mergedEditedFindings(ctx: GateContext): Finding[] {
  return ctx.plan.changed.flatMap(({ base, head }) => {
    const up = firstDifference(base.up, head.up);
    if (up) {
      return finding(GRAPH.mergedEdited, {
        file: head.file,
        ...up,
        message: `migration ${head.id} already ran in production and the PR edits it: production keeps the old version (the tool never re-runs an applied version; Flyway fails validation on the checksum), so fresh databases and production drift apart`,
        help: 'Restore the merged file as it is on the base branch and make the change in a new migration.',
      });
    }
    const down = firstDifference(base.down, head.down);
    if (!down)
      return head.format === 'flyway' && base.up.statements.length > 0
        ? checksumOnlyEdit(head)
        : [];
    return finding(GRAPH.mergedEdited, {
      severity: 'warning',
      file: head.downFile ?? head.file,
      ...down,
      message: `the down of merged migration ${head.id} is edited; production's state is unchanged, but a rollback now differs from what was reviewed with the up`,
      help: 'Prefer a new migration; if the old down was broken, say so in the PR and test the rollback.',
    });
  });
}

/** Flyway checksums the whole file: comments and whitespace count. */
function checksumOnlyEdit(head: Migration): Finding {
  return finding(GRAPH.mergedEdited, {
    file: head.file,
    line: 1,
    message: `migration ${head.id} already ran in production and the PR edits its comments or whitespace: Flyway's checksum covers the whole file, so migrate fails validation with "Migration checksum mismatch for migration version ${head.id}"`,
    help: 'Restore the merged file byte for byte as it is on the base branch.',
  });
}

export function mergedRemovedFindings(ctx: GateContext): Finding[] {
  return ctx.plan.removed.map((m) =>
    finding(GRAPH.mergedRemoved, {
      file: m.file,
      line: 1,
      message: `migration ${m.id} (${m.file}) already ran in production and the PR deletes it: production keeps its effects while fresh databases (CI, new tenants, restores) no longer get them, and the tool finds a version in its history table that has no file`,
      help: 'Restore the file and undo its effects in a new migration.',
    }),
  );
}
