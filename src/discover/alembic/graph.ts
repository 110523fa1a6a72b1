/**
 * The Alembic revision graph: the order `alembic upgrade heads` applies revisions in (parents
 * and `depends_on` first, siblings by creation date) and what is wrong with the graph itself:
 * duplicate revision ids, parents no file declares, cycles and more than one head.
 */
import type { Finding } from '../../core/model.js';
import type { RevisionFile } from './revisions.js';
import { GRAPH, finding } from '../../rules/index.js';
import { missingParentFinding, multipleHeadsFinding } from '../../rules/graph-findings.js';

export interface RevisionGraph {
  /** Revisions in upgrade order (members of cycles and duplicates left out). */
  ordered: RevisionFile[];
  /** Revisions that cannot be ordered (on or behind a cycle), by creation date. */
  stranded: RevisionFile[];
  findings: Finding[];
  /** True when Alembic itself would refuse the graph (not for multiple heads). */
  broken: boolean;
}

function byCreation(a: RevisionFile, b: RevisionFile): number {
  const x = a.createDate ?? '';
  const y = b.createDate ?? '';
  return x < y ? -1 : x > y ? 1 : a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

/** The first file of each id wins, as later ones shadow nothing in Alembic: it refuses both. */
function withoutDuplicates(revisions: RevisionFile[]) {
  const kept = new Map<string, RevisionFile>();
  const findings: Finding[] = [];
  for (const r of [...revisions].sort((a, b) => (a.file < b.file ? -1 : 1))) {
    const first = kept.get(r.id);
    if (!first) {
      kept.set(r.id, r);
      continue;
    }
    findings.push(
      finding(GRAPH.alembicDuplicateRevision, {
        file: r.file,
        line: r.revisionLine,
        endLine: r.revisionLine,
        message: `revision ${r.id} is declared twice: ${first.file} and ${r.file}; Alembic refuses to load a script directory with a duplicate revision id`,
        help: 'Give the newer revision a fresh id (`alembic revision` generates one) and point its children at it.',
      }),
    );
  }
  return { kept, findings };
}

/** Parents and dependencies of a revision that exist; a finding for each that does not. */
function resolveEdges(kept: Map<string, RevisionFile>) {
  const labels = new Map<string, string>();
  for (const r of kept.values()) for (const l of r.branchLabels) labels.set(l, r.id);
  const edges = new Map<string, string[]>();
  const findings: Finding[] = [];
  for (const r of kept.values()) {
    const found: string[] = [];
    for (const p of r.parents) {
      if (kept.has(p)) found.push(p);
      else findings.push(missingParentFinding(r, p, 'down_revision', r.parentsLine, 'discovery'));
    }
    for (const d of r.dependsOn) {
      const target = kept.has(d) ? d : labels.get(d);
      if (target) found.push(target);
      else {
        const line = r.dependsOnLine ?? r.parentsLine;
        findings.push(missingParentFinding(r, d, 'depends_on', line, 'discovery'));
      }
    }
    edges.set(r.id, found);
  }
  return { edges, findings };
}

/** Kahn's algorithm; whatever never becomes ready sits on or behind a cycle. */
function topologicalOrder(kept: Map<string, RevisionFile>, edges: Map<string, string[]>) {
  const waiting = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const [id, parents] of edges) {
    waiting.set(id, new Set(parents).size);
    for (const p of new Set(parents)) children.set(p, [...(children.get(p) ?? []), id]);
  }
  const ready = [...kept.values()].filter((r) => waiting.get(r.id) === 0);
  const ordered: RevisionFile[] = [];
  while (ready.length > 0) {
    ready.sort(byCreation);
    const next = ready.shift()!;
    ordered.push(next);
    for (const c of children.get(next.id) ?? []) {
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) ready.push(kept.get(c)!);
    }
  }
  return ordered;
}

function cycleFindings(
  kept: Map<string, RevisionFile>,
  edges: Map<string, string[]>,
  placed: Set<string>,
): Finding[] {
  const reported = new Set<string>();
  const findings: Finding[] = [];
  const left = [...kept.values()].filter((r) => !placed.has(r.id)).sort(byCreation);
  for (const start of left) {
    const path: string[] = [];
    let id: string | undefined = start.id;
    while (id && !path.includes(id)) {
      path.push(id);
      id = edges.get(id)!.find((p) => !placed.has(p));
    }
    if (!id) continue;
    const cycle = path.slice(path.indexOf(id));
    if (cycle.some((c) => reported.has(c))) continue;
    cycle.forEach((c) => reported.add(c));
    const at = cycle.map((c) => kept.get(c)!).sort((a, b) => (a.file < b.file ? -1 : 1))[0];
    findings.push(
      finding(GRAPH.alembicCycle, {
        file: at.file,
        line: at.parentsLine,
        endLine: at.parentsLine,
        message: `the revisions ${[...cycle, cycle[0]].join(' → ')} revise each other in a cycle; Alembic cannot order them and refuses the script directory`,
        help: 'Make one revision of the cycle revise the current head instead of its own descendant.',
      }),
    );
  }
  return findings;
}

/**
 * Heads (revisions nobody revises) that share their branch labels: Alembic's `upgrade head`
 * stops with "Multiple head revisions are present". Heads of differently labelled branches are
 * intentional. The finding sits at the newest head, usually the one a pull request added.
 */
function multipleHeadFindings(ordered: RevisionFile[], edges: Map<string, string[]>): Finding[] {
  const parentsSeen = new Set([...edges.values()].flat());
  const labelsOf = new Map<string, Set<string>>();
  for (const r of ordered) {
    const labels = new Set(r.branchLabels);
    for (const p of edges.get(r.id) ?? []) for (const l of labelsOf.get(p) ?? []) labels.add(l);
    labelsOf.set(r.id, labels);
  }
  const groups = new Map<string, RevisionFile[]>();
  for (const r of ordered.filter((x) => !parentsSeen.has(x.id))) {
    const key = [...labelsOf.get(r.id)!].sort().join(',');
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .filter((heads) => heads.length > 1)
    .map((heads) => {
      const newest = heads[heads.length - 1];
      return multipleHeadsFinding(newest, heads, newest.parentsLine, 'discovery');
    });
}

export function revisionGraph(revisions: RevisionFile[]): RevisionGraph {
  const { kept, findings: duplicates } = withoutDuplicates(revisions);
  const { edges, findings: missing } = resolveEdges(kept);
  const ordered = topologicalOrder(kept, edges);
  const cycles = cycleFindings(kept, edges, new Set(ordered.map((r) => r.id)));
  const placed = new Set(ordered.map((r) => r.id));
  const stranded = [...kept.values()].filter((r) => !placed.has(r.id)).sort(byCreation);
  const broken = duplicates.length + missing.length + cycles.length > 0;
  // Heads of a graph Alembic refuses anyway would only repeat the same problem.
  const heads = broken ? [] : multipleHeadFindings(ordered, edges);
  return { ordered, stranded, findings: [...duplicates, ...missing, ...cycles, ...heads], broken };
}
