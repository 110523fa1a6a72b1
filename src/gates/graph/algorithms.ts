/**
 * Pure graph algorithms of the graph gate: elementary cycles of a directed graph with their
 * paths, and whether an index's leading columns cover a set of columns. No I/O.
 */

export interface Edge<T> {
  from: string;
  to: string;
  data: T;
}

export interface Cycle<T> {
  /** Nodes in order, starting at the smallest; the path closes back on `nodes[0]`. */
  nodes: string[];
  /** `hops[i]` holds every edge from `nodes[i]` to `nodes[(i + 1) % n]`. */
  hops: Array<Array<Edge<T>>>;
}

/** Stable identity of a cycle: its node path rotated to start at the smallest node. */
export function cycleKey(nodes: readonly string[]): string {
  return nodes.join(' → ');
}

/** `a → b → a`: the path as people read it, closed on its first node. */
export function cyclePath(
  nodes: readonly string[],
  label: (node: string) => string = (n) => n,
): string {
  return [...nodes, nodes[0]].map(label).join(' → ');
}

function adjacency<T>(edges: Array<Edge<T>>): Map<string, Map<string, Array<Edge<T>>>> {
  const out = new Map<string, Map<string, Array<Edge<T>>>>();
  for (const e of edges) {
    if (e.from === e.to) continue; // a self-reference is not a cycle between tables
    const targets = out.get(e.from) ?? new Map<string, Array<Edge<T>>>();
    targets.set(e.to, [...(targets.get(e.to) ?? []), e]);
    out.set(e.from, targets);
  }
  return out;
}

/**
 * Every elementary cycle (no repeated node) of length ≥ 2, each reported once, rooted at its
 * smallest node, sorted by length then path. Parallel edges between the same two nodes are one
 * hop. Stops after `limit` cycles so that a dense graph cannot stall a run.
 */
export function findCycles<T>(edges: Array<Edge<T>>, limit = 200): Array<Cycle<T>> {
  const adj = adjacency(edges);
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort();
  const found: Array<Cycle<T>> = [];
  for (const start of nodes) {
    if (found.length >= limit) break;
    const path = [start];
    const onPath = new Set(path);
    const walk = (node: string): void => {
      for (const next of [...(adj.get(node)?.keys() ?? [])].sort()) {
        if (found.length >= limit) return;
        if (next === start) found.push(toCycle(path, adj));
        // Only nodes greater than the root: each cycle is found once, from its smallest node.
        else if (next > start && !onPath.has(next)) {
          path.push(next);
          onPath.add(next);
          walk(next);
          onPath.delete(path.pop() as string);
        }
      }
    };
    walk(start);
  }
  return found.sort(
    (a, b) => a.nodes.length - b.nodes.length || cycleKey(a.nodes).localeCompare(cycleKey(b.nodes)),
  );
}

function toCycle<T>(path: string[], adj: Map<string, Map<string, Array<Edge<T>>>>): Cycle<T> {
  const nodes = [...path];
  const hops = nodes.map((n, i) => adj.get(n)?.get(nodes[(i + 1) % nodes.length]) ?? []);
  return { nodes, hops };
}

/**
 * An index serves lookups on `columns` (e.g. the referencing side of a foreign key, scanned on
 * every delete or key update of the referenced row) when its first `columns.length` key columns
 * are exactly those columns, in any order.
 */
export function indexCovers(indexColumns: readonly string[], columns: readonly string[]): boolean {
  if (columns.length === 0 || indexColumns.length < columns.length) return false;
  const leading = new Set(indexColumns.slice(0, columns.length));
  return columns.every((c) => leading.has(c)) && leading.size === new Set(columns).size;
}
