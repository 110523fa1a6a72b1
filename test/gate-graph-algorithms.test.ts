import { describe, expect, it } from 'vitest';
import {
  cycleKey,
  cyclePath,
  findCycles,
  indexCovers,
  type Edge,
} from '../src/gates/graph/algorithms.js';

const edge = (from: string, to: string, data = `${from}->${to}`): Edge<string> => ({
  from,
  to,
  data,
});
const paths = (edges: Array<Edge<string>>) => findCycles(edges).map((c) => cyclePath(c.nodes));

describe('findCycles', () => {
  it('finds a two-table cycle once, rooted at its smallest node, with both hops', () => {
    const cycles = findCycles([
      edge('tenant_accounts', 'billing_records'),
      edge('billing_records', 'tenant_accounts'),
    ]);
    expect(cycles).toHaveLength(1);
    expect(cyclePath(cycles[0].nodes)).toBe('billing_records → tenant_accounts → billing_records');
    expect(cycles[0].hops.map((h) => h.map((e) => e.data))).toEqual([
      ['billing_records->tenant_accounts'],
      ['tenant_accounts->billing_records'],
    ]);
  });

  it('ignores self-references and acyclic chains', () => {
    expect(paths([edge('a', 'a'), edge('a', 'b'), edge('b', 'c'), edge('a', 'c')])).toEqual([]);
  });

  it('reports every elementary cycle of a strongly connected component, shortest first', () => {
    const edges = [edge('a', 'b'), edge('b', 'a'), edge('b', 'c'), edge('c', 'a'), edge('c', 'c')];
    expect(paths(edges)).toEqual(['a → b → a', 'a → b → c → a']);
  });

  it('groups parallel foreign keys between the same tables into one hop', () => {
    const cycles = findCycles([
      edge('a', 'b', 'fk1'),
      edge('a', 'b', 'fk2'),
      edge('b', 'a', 'fk3'),
    ]);
    expect(cycles).toHaveLength(1);
    expect(cycles[0].hops.map((h) => h.map((e) => e.data))).toEqual([['fk1', 'fk2'], ['fk3']]);
  });

  it('finds disjoint cycles and stops at the limit', () => {
    const edges = [edge('x', 'y'), edge('y', 'x'), edge('a', 'b'), edge('b', 'a')];
    expect(paths(edges)).toEqual(['a → b → a', 'x → y → x']);
    expect(findCycles(edges, 1)).toHaveLength(1);
  });

  it('keys a cycle by its rooted path and labels nodes for display', () => {
    expect(cycleKey(['a', 'b'])).toBe('a → b');
    expect(cyclePath(['$tenant.a', '$tenant.b'], (n) => n.replace('$tenant.', ''))).toBe(
      'a → b → a',
    );
  });
});

describe('indexCovers', () => {
  it('accepts an index whose leading columns are the foreign key columns in any order', () => {
    expect(indexCovers(['account_id'], ['account_id'])).toBe(true);
    expect(indexCovers(['account_id', 'created_at'], ['account_id'])).toBe(true);
    expect(indexCovers(['b', 'a', 'c'], ['a', 'b'])).toBe(true);
  });

  it('rejects an index where the columns are not leading, or only partly present', () => {
    expect(indexCovers(['created_at', 'account_id'], ['account_id'])).toBe(false);
    expect(indexCovers(['a'], ['a', 'b'])).toBe(false);
    expect(indexCovers(['a', 'c', 'b'], ['a', 'b'])).toBe(false);
    expect(indexCovers([], [])).toBe(false);
  });
});
