/**
 * What a parsed statement (libpg-query AST) adds, creates or drops, as far as the graph gate
 * cares: foreign keys, named objects, and the indexes and constraints it drops or adopts.
 */
import type { Statement } from '../../core/model.js';

type Node = Record<string, any>;

export interface ForeignKeyAdded {
  /** Bare table names (no schema), as the statement wrote them. */
  table: string;
  references: string;
  columns: string[];
  name?: string;
}

export type ObjectKind = 'relation' | 'column' | 'type' | 'function' | 'schema' | 'index';

export interface CreatedObject {
  kind: ObjectKind;
  name: string;
  /** For columns: the table that gets the column. */
  table?: string;
}

const strings = (list: Node[] | undefined): string[] =>
  (list ?? []).map((n) => String(n?.String?.sval ?? ''));
const lastName = (list: Node[] | undefined): string => strings(list).pop() ?? '';

/** The last segment of a possibly qualified name, unquoted: `$tenant."Users"` → `Users`. */
export function bareName(name: string): string {
  const last = name.slice(name.lastIndexOf('.') + 1);
  return /^".*"$/.test(last) ? last.slice(1, -1).replace(/""/g, '"') : last;
}

function foreignKey(table: string, c: Node, column?: string): ForeignKeyAdded | undefined {
  if (c?.contype !== 'CONSTR_FOREIGN' || !c.pktable?.relname) return undefined;
  const columns = column ? [column] : strings(c.fk_attrs);
  return { table, references: c.pktable.relname, columns, name: c.conname };
}

function columnForeignKeys(table: string, def: Node | undefined): ForeignKeyAdded[] {
  const col = def?.ColumnDef;
  if (!col) return [];
  return (col.constraints ?? []).flatMap(
    (c: Node) => foreignKey(table, c.Constraint, col.colname) ?? [],
  );
}

/** Foreign keys a CREATE TABLE or ALTER TABLE statement adds. */
export function foreignKeysAdded(stmt: Statement): ForeignKeyAdded[] {
  const a = stmt.ast;
  if (!a) return [];
  if (stmt.kind === 'CreateStmt') {
    const table = a.relation?.relname ?? '';
    return (a.tableElts ?? []).flatMap((e: Node) =>
      e.ColumnDef ? columnForeignKeys(table, e) : (foreignKey(table, e.Constraint) ?? []),
    );
  }
  if (stmt.kind !== 'AlterTableStmt') return [];
  const table = a.relation?.relname ?? '';
  return alterCommands(a).flatMap((cmd) => {
    if (cmd.subtype === 'AT_AddColumn') return columnForeignKeys(table, cmd.def);
    if (cmd.subtype === 'AT_AddConstraint') return foreignKey(table, cmd.def?.Constraint) ?? [];
    return [];
  });
}

function alterCommands(a: Node): Node[] {
  return (a.cmds ?? []).map((c: Node) => c.AlterTableCmd ?? {});
}

const RELATION_CREATORS: Record<string, (a: Node) => string | undefined> = {
  CreateStmt: (a) => a.relation?.relname,
  CreateTableAsStmt: (a) => a.into?.rel?.relname,
  ViewStmt: (a) => a.view?.relname,
  CreateSeqStmt: (a) => a.sequence?.relname,
  CreateForeignTableStmt: (a) => a.base?.relation?.relname,
};

const TYPE_CREATORS: Record<string, (a: Node) => string> = {
  CreateEnumStmt: (a) => lastName(a.typeName),
  CompositeTypeStmt: (a) => a.typevar?.relname ?? '',
  CreateDomainStmt: (a) => lastName(a.domainname),
  CreateRangeStmt: (a) => lastName(a.typeName),
};

/** Objects a statement creates, so that a failing use of one can be traced to its creator. */
export function objectsCreated(stmt: Statement): CreatedObject[] {
  const a = stmt.ast;
  if (!a) return [];
  const relation = RELATION_CREATORS[stmt.kind]?.(a);
  if (relation)
    return [{ kind: 'relation', name: relation }, ...columnsOfCreate(stmt.kind, a, relation)];
  const type = TYPE_CREATORS[stmt.kind]?.(a);
  if (type) return [{ kind: 'type', name: type }];
  if (stmt.kind === 'CreateFunctionStmt') return [{ kind: 'function', name: lastName(a.funcname) }];
  if (stmt.kind === 'CreateSchemaStmt') return [{ kind: 'schema', name: a.schemaname }];
  if (stmt.kind === 'IndexStmt' && a.idxname) return [{ kind: 'index', name: a.idxname }];
  if (stmt.kind === 'AlterTableStmt') return columnsAdded(a);
  if (stmt.kind === 'RenameStmt') return renamed(a);
  return [];
}

function columnsOfCreate(kind: string, a: Node, table: string): CreatedObject[] {
  if (kind !== 'CreateStmt') return [];
  return (a.tableElts ?? []).flatMap((e: Node) =>
    e.ColumnDef ? [{ kind: 'column' as const, name: e.ColumnDef.colname, table }] : [],
  );
}

function columnsAdded(a: Node): CreatedObject[] {
  const table = a.relation?.relname ?? '';
  return alterCommands(a).flatMap((cmd) =>
    cmd.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef
      ? [{ kind: 'column' as const, name: cmd.def.ColumnDef.colname, table }]
      : [],
  );
}

/** A rename creates the new name (a column or relation a later statement may need). */
function renamed(a: Node): CreatedObject[] {
  if (!a.newname) return [];
  if (a.renameType === 'OBJECT_COLUMN')
    return [{ kind: 'column', name: a.newname, table: a.relation?.relname }];
  if (/OBJECT_(TABLE|VIEW|SEQUENCE|MATVIEW)$/.test(a.renameType))
    return [{ kind: 'relation', name: a.newname }];
  if (a.renameType === 'OBJECT_INDEX') return [{ kind: 'index', name: a.newname }];
  return [];
}

export interface Dropped {
  kind: 'index' | 'constraint';
  name: string;
  table?: string;
  cascade: boolean;
}

/** Indexes (DROP INDEX) and constraints (ALTER TABLE … DROP CONSTRAINT) a statement drops. */
export function indexesAndConstraintsDropped(stmt: Statement): Dropped[] {
  const a = stmt.ast;
  if (!a) return [];
  if (stmt.kind === 'DropStmt' && a.removeType === 'OBJECT_INDEX') {
    const cascade = a.behavior === 'DROP_CASCADE';
    return (a.objects ?? []).map((o: Node) => ({
      kind: 'index' as const,
      name: lastName(o.List?.items),
      cascade,
    }));
  }
  if (stmt.kind !== 'AlterTableStmt') return [];
  const table = a.relation?.relname ?? '';
  return alterCommands(a).flatMap((cmd) =>
    cmd.subtype === 'AT_DropConstraint' && cmd.name
      ? [
          {
            kind: 'constraint' as const,
            name: cmd.name,
            table,
            cascade: cmd.behavior === 'DROP_CASCADE',
          },
        ]
      : [],
  );
}

export interface IndexAdoption {
  table: string;
  index: string;
  constraint?: string;
}

/** `ALTER TABLE t ADD CONSTRAINT c PRIMARY KEY|UNIQUE USING INDEX i`. */
export function indexesAdopted(stmt: Statement): IndexAdoption[] {
  if (stmt.kind !== 'AlterTableStmt' || !stmt.ast) return [];
  const table = stmt.ast.relation?.relname ?? '';
  return alterCommands(stmt.ast).flatMap((cmd) => {
    const c = cmd.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined;
    return c?.indexname ? [{ table, index: c.indexname, constraint: c.conname }] : [];
  });
}
