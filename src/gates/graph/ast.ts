/**
 * What a parsed statement (libpg-query AST) adds, creates or drops, as far as the graph gate
 * cares: foreign keys, named objects, and the indexes and constraints it drops or adopts.
 */
import type { Statement } from '../../core/model.js';
import {
  alterCommandsOf,
  astOf,
  lastName,
  readByKind,
  strings,
  unwrap,
  unwrapAll,
  type AlterTableStmt,
  type ByKind,
  type Constraint,
  type CreateStmt,
  type Node,
  type RenameStmt,
} from '../../sql/ast.js';

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

function foreignKey(
  table: string,
  c: Constraint | undefined,
  column?: string,
): ForeignKeyAdded | undefined {
  if (c?.contype !== 'CONSTR_FOREIGN' || !c.pktable?.relname) return undefined;
  const columns = column ? [column] : strings(c.fk_attrs);
  return { table, references: c.pktable.relname, columns, name: c.conname };
}

function columnForeignKeys(table: string, def: Node | undefined): ForeignKeyAdded[] {
  const col = unwrap(def, 'ColumnDef');
  if (!col) return [];
  return (col.constraints ?? []).flatMap(
    (c) => foreignKey(table, unwrap(c, 'Constraint'), col.colname) ?? [],
  );
}

/** Foreign keys a CREATE TABLE or ALTER TABLE statement adds. */
export function foreignKeysAdded(stmt: Statement): ForeignKeyAdded[] {
  const create = astOf(stmt, 'CreateStmt');
  if (create) {
    const table = create.relation?.relname ?? '';
    return (create.tableElts ?? []).flatMap((e) =>
      unwrap(e, 'ColumnDef')
        ? columnForeignKeys(table, e)
        : (foreignKey(table, unwrap(e, 'Constraint')) ?? []),
    );
  }
  const a = astOf(stmt, 'AlterTableStmt');
  if (!a) return [];
  const table = a.relation?.relname ?? '';
  return alterCommandsOf(a).flatMap((cmd) => {
    if (cmd.subtype === 'AT_AddColumn') return columnForeignKeys(table, cmd.def);
    if (cmd.subtype === 'AT_AddConstraint')
      return foreignKey(table, unwrap(cmd.def, 'Constraint')) ?? [];
    return [];
  });
}

const RELATION_CREATORS: ByKind<string | undefined> = {
  CreateStmt: (a) => a.relation?.relname,
  CreateTableAsStmt: (a) => a.into?.rel?.relname,
  ViewStmt: (a) => a.view?.relname,
  CreateSeqStmt: (a) => a.sequence?.relname,
  CreateForeignTableStmt: (a) => a.base?.relation?.relname,
};

const TYPE_CREATORS: ByKind<string> = {
  CreateEnumStmt: (a) => lastName(a.typeName),
  CompositeTypeStmt: (a) => a.typevar?.relname ?? '',
  CreateDomainStmt: (a) => lastName(a.domainname),
  CreateRangeStmt: (a) => lastName(a.typeName),
};

/** Objects a statement creates, so that a failing use of one can be traced to its creator. */
export function objectsCreated(stmt: Statement): CreatedObject[] {
  if (!stmt.ast) return [];
  const relation = readByKind(RELATION_CREATORS, stmt);
  if (relation)
    return [
      { kind: 'relation', name: relation },
      ...columnsOfCreate(astOf(stmt, 'CreateStmt'), relation),
    ];
  const type = readByKind(TYPE_CREATORS, stmt);
  if (type) return [{ kind: 'type', name: type }];
  const func = astOf(stmt, 'CreateFunctionStmt');
  if (func) return [{ kind: 'function', name: lastName(func.funcname) }];
  const schema = astOf(stmt, 'CreateSchemaStmt');
  if (schema) return [{ kind: 'schema', name: schema.schemaname! }];
  const index = astOf(stmt, 'IndexStmt');
  if (index?.idxname) return [{ kind: 'index', name: index.idxname }];
  const alter = astOf(stmt, 'AlterTableStmt');
  if (alter) return columnsAdded(alter);
  const rename = astOf(stmt, 'RenameStmt');
  if (rename) return renamed(rename);
  return [];
}

function columnsOfCreate(a: CreateStmt | undefined, table: string): CreatedObject[] {
  return unwrapAll(a?.tableElts, 'ColumnDef').map((c) => ({
    kind: 'column' as const,
    name: c.colname!,
    table,
  }));
}

function columnsAdded(a: AlterTableStmt): CreatedObject[] {
  const table = a.relation?.relname ?? '';
  return alterCommandsOf(a).flatMap((cmd) => {
    const column = cmd.subtype === 'AT_AddColumn' ? unwrap(cmd.def, 'ColumnDef') : undefined;
    return column ? [{ kind: 'column' as const, name: column.colname!, table }] : [];
  });
}

/** A rename creates the new name (a column or relation a later statement may need). */
function renamed(a: RenameStmt): CreatedObject[] {
  if (!a.newname) return [];
  if (a.renameType === 'OBJECT_COLUMN')
    return [{ kind: 'column', name: a.newname, table: a.relation?.relname }];
  if (/OBJECT_(TABLE|VIEW|SEQUENCE|MATVIEW)$/.test(String(a.renameType)))
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
  const drop = astOf(stmt, 'DropStmt');
  if (drop?.removeType === 'OBJECT_INDEX') {
    const cascade = drop.behavior === 'DROP_CASCADE';
    return (drop.objects ?? []).map((o) => ({
      kind: 'index' as const,
      name: lastName(unwrap(o, 'List')?.items),
      cascade,
    }));
  }
  const a = astOf(stmt, 'AlterTableStmt');
  if (!a) return [];
  const table = a.relation?.relname ?? '';
  return alterCommandsOf(a).flatMap((cmd) =>
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
  const a = astOf(stmt, 'AlterTableStmt');
  if (!a) return [];
  const table = a.relation?.relname ?? '';
  return alterCommandsOf(a).flatMap((cmd) => {
    const c = cmd.subtype === 'AT_AddConstraint' ? unwrap(cmd.def, 'Constraint') : undefined;
    return c?.indexname ? [{ table, index: c.indexname, constraint: c.conname }] : [];
  });
}
