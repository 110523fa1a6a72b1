/**
 * The parse tree, typed (@pgsql/types, matching libpg-query 18), and the readers gates share.
 * A node is a one-key object (`{ RangeVar: {...} }`); `Statement.ast` is the payload under
 * `Statement.kind`. Read a statement with `astOf`, a child node with `unwrap`.
 */
import type { Node } from '@pgsql/types';
import type { ParsedNode, Statement } from '../core/model.js';
import { joinQualified, type QualifiedName } from './names.js';

// Every node and enum type of the parse tree: `IndexStmt`, `RangeVar`, `ObjectType`...
export type * from '@pgsql/types';
export type { ParsedNode } from '../core/model.js';

/** Every node type name: `RangeVar`, `IndexStmt`, `String`... */
export type NodeTag = Node extends infer N ? (N extends unknown ? keyof N : never) : never;
/** The payload type of a node type name: `NodeOf<'RangeVar'>` is `RangeVar`. */
export type NodeOf<K extends NodeTag> = Extract<Node, Record<K, unknown>>[K];

type Parsed = Pick<Statement, 'kind' | 'ast'>;

/** The statement's node when the statement is of this kind; undefined otherwise. */
export function astOf<K extends NodeTag>(stmt: Parsed, kind: K): NodeOf<K> | undefined {
  // The parser puts the node of type `kind` under `ast`: the one place that pairing is trusted.
  return stmt.kind === kind ? (stmt.ast as NodeOf<K> | undefined) : undefined;
}

/** A node's type name and payload: `{ RangeVar: r }` → `['RangeVar', r]`. */
export function entryOf(node: Node): [NodeTag, ParsedNode] {
  return Object.entries(node)[0] as [NodeTag, ParsedNode];
}

/** The payload of a node when the node is of this type: `unwrap(n, 'String')?.sval`. */
export function unwrap<K extends NodeTag>(node: Node | undefined, tag: K): NodeOf<K> | undefined {
  if (!node || !(tag in node)) return undefined;
  return (node as Partial<Record<NodeTag, unknown>>)[tag] as NodeOf<K>;
}

/** The payloads of the nodes of this type in a list, skipping any other. */
export function unwrapAll<K extends NodeTag>(list: Node[] | undefined, tag: K): NodeOf<K>[] {
  return (list ?? []).flatMap((n) => unwrap(n, tag) ?? []);
}

/** Readers keyed by statement kind, each given the node of its kind. */
export type ByKind<R> = { [K in NodeTag]?: (node: NodeOf<K>) => R };

/** What the reader of the statement's kind returns; undefined without a reader or a node. */
export function readByKind<R>(readers: ByKind<R>, stmt: Parsed): R | undefined {
  const read = (readers as Partial<Record<string, (node: ParsedNode) => R>>)[stmt.kind];
  return read && stmt.ast ? read(stmt.ast) : undefined;
}

/** A plain object of the tree, for walks that look at every node whatever its type. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

/** `schema.name` of a RangeVar, each part as the parser read it. */
export function rangeVar(node: NodeOf<'RangeVar'> | undefined): QualifiedName | undefined {
  if (!node?.relname) return undefined;
  return { ...(node.schemaname ? { schema: node.schemaname } : {}), name: node.relname };
}

/** `schema.name` or `name` of a RangeVar; empty without one. */
export function qualifiedName(node: NodeOf<'RangeVar'> | undefined): string {
  const name = rangeVar(node);
  return name ? joinQualified(name) : '';
}

/** The `sval` of each String node, `''` for any other node. */
export function strings(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => unwrap(n, 'String')?.sval ?? '');
}

/** The non-empty `sval`s of the String nodes of a list. */
export function stringList(list: Node[] | undefined): string[] {
  return strings(list).filter((s) => s !== '');
}

/** The last `sval` of a name list (`[schema, name]` → `name`); `''` when there is none. */
export function lastName(list: Node[] | undefined): string {
  return strings(list).pop() ?? '';
}

/** A `List { items: [String...] }` node or a `[String...]` list as a qualified name. */
export function listName(node: Node | Node[] | undefined): QualifiedName | undefined {
  const items = Array.isArray(node) ? node : unwrap(node, 'List')?.items;
  const parts = stringList(items);
  if (parts.length === 0) return undefined;
  const name = parts[parts.length - 1];
  return parts.length > 1 ? { schema: parts[parts.length - 2], name } : { name };
}

/** Last element of a column's type name: `int4`, `json`, `serial`. */
export function typeNameOf(columnDef: NodeOf<'ColumnDef'> | undefined): string {
  return lastName(columnDef?.typeName?.names);
}

export function constraintsOf(columnDef: NodeOf<'ColumnDef'> | undefined): NodeOf<'Constraint'>[] {
  return unwrapAll(columnDef?.constraints, 'Constraint');
}

/** Whether an option list (`DefElem`s) names this option. */
export function hasOption(params: Node[] | undefined, name: string): boolean {
  return unwrapAll(params, 'DefElem').some((d) => d.defname === name);
}

/** The commands of an ALTER TABLE-shaped statement (also ALTER INDEX, VIEW, SEQUENCE...). */
export function alterCommandsOf(
  a: NodeOf<'AlterTableStmt'> | undefined,
): NodeOf<'AlterTableCmd'>[] {
  return unwrapAll(a?.cmds, 'AlterTableCmd');
}

/** The commands of an ALTER TABLE proper; none for any other statement. */
export function alterCmds(stmt: Parsed): NodeOf<'AlterTableCmd'>[] {
  const a = astOf(stmt, 'AlterTableStmt');
  return a?.objtype === 'OBJECT_TABLE' ? alterCommandsOf(a) : [];
}

/** The `relation` a statement names, of the kinds that have one (ALTER TABLE, CREATE INDEX...). */
export function relationOf(stmt: Parsed): NodeOf<'RangeVar'> | undefined {
  const a = stmt.ast;
  return a && 'relation' in a && isRangeVar(a.relation) ? a.relation : undefined;
}

function isRangeVar(value: unknown): value is NodeOf<'RangeVar'> {
  return isRecord(value) && !('RangeVar' in value);
}
