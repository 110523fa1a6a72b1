import type { CatalogSnapshot, TypeInfo } from '../../catalog/types.js';
import type { Statement } from '../../core/model.js';
import type { TenantHandle } from '../gate.js';
import {
  alterCmds,
  astOf,
  listName,
  rangeVar,
  relationOf,
  stringList,
  unwrap,
  unwrapAll,
  type Constraint,
  type IndexStmt,
  type RenameStmt,
} from '../../sql/ast.js';
import { quoteIdentIfNeeded as quoteIdent } from '../../sql/ident.js';
import { bareName, type QualifiedName as RelationName } from '../../sql/names.js';

/**
 * What existed before the PR, as the PR's statements go by: objects the PR creates are new and
 * empty (never flagged), objects it renames keep their history. Keys are the catalog snapshot's
 * names (`$tenant.users`, `public.plans`).
 */

const TENANT = '$tenant';

interface NotNullCheck {
  name: string;
  table: string;
  column: string;
  validated: boolean;
}

export class Scope {
  private readonly tables = new Map<string, Set<string>>();
  private readonly notNullColumns = new Set<string>();
  private readonly indexes = new Map<string, string>();
  private readonly indexColumns = new Map<string, string[]>();
  private readonly checks: NotNullCheck[] = [];
  private readonly types = new Map<string, TypeInfo>();
  private readonly createdSchemas = new Set<string>();
  private readonly matviews = new Set<string>();
  private readonly partitioned = new Set<string>();

  constructor(
    before: CatalogSnapshot | undefined,
    private readonly tenant: TenantHandle,
  ) {
    for (const t of before?.tables ?? []) {
      if (t.kind === 'materialized view') this.matviews.add(t.name);
      if (t.kind !== 'table' && t.kind !== 'partitioned') continue;
      if (t.kind === 'partitioned') this.partitioned.add(t.name);
      this.tables.set(t.name, new Set(t.columns.map((c) => c.name)));
      t.columns
        .filter((c) => c.notNull)
        .forEach((c) => this.notNullColumns.add(`${t.name}.${c.name}`));
    }
    for (const i of before?.indexes ?? []) {
      this.indexes.set(i.name, i.table);
      this.indexColumns.set(i.name, i.columns);
    }
    for (const t of before?.types ?? []) this.types.set(t.name, t);
    for (const c of before?.constraints ?? []) {
      const column = /^CHECK \(\(("?)(.+)\1 IS NOT NULL\)\)/.exec(c.definition)?.[2];
      if (c.type === 'c' && column && c.columns.length === 1)
        this.checks.push({
          name: c.name,
          table: c.table,
          column: c.columns[0],
          validated: c.validated,
        });
    }
  }

  private schemaKey(schema: string): string {
    return schema === this.tenant.schema ? TENANT : quoteIdent(schema);
  }

  private candidates(r: RelationName): string[] {
    const schemas = r.schema ? [r.schema] : this.tenant.searchPath;
    return schemas.map((s) => `${this.schemaKey(s)}.${quoteIdent(r.name)}`);
  }

  /** The snapshot key of a pre-existing table the name resolves to, else undefined. */
  table(r: RelationName | undefined): string | undefined {
    return r ? this.candidates(r).find((k) => this.tables.has(k)) : undefined;
  }

  /** Key of a pre-existing index. */
  index(r: RelationName | undefined): string | undefined {
    return r ? this.candidates(r).find((k) => this.indexes.has(k)) : undefined;
  }

  /** The key of a pre-existing enum, domain, composite or range type, with its kind. */
  type(r: RelationName | undefined): TypeInfo | undefined {
    const key = r ? this.candidates(r).find((k) => this.types.has(k)) : undefined;
    return key ? this.types.get(key) : undefined;
  }

  /** Whether the PR itself created a schema of that name earlier. */
  createdSchema(name: string): boolean {
    return this.createdSchemas.has(name);
  }

  /** Key of a pre-existing materialized view. */
  matview(r: RelationName | undefined): string | undefined {
    return r ? this.candidates(r).find((k) => this.matviews.has(k)) : undefined;
  }

  /** Key columns of an index that existed before the PR or that the PR built, in order. */
  indexColumnsOf(table: string, index: string): string[] | undefined {
    const schema = table.slice(0, table.lastIndexOf('.'));
    return this.indexColumns.get(`${schema}.${quoteIdent(index)}`);
  }

  /** The pre-existing indexes of a table that cover any of `columns`. */
  indexesOn(tableKey: string, columns: string[]): string[] {
    return [...this.indexes]
      .filter(([, table]) => table === tableKey)
      .filter(([index]) => (this.indexColumns.get(index) ?? []).some((c) => columns.includes(c)))
      .map(([index]) => index);
  }

  tableOfIndex(indexKey: string): string | undefined {
    return this.indexes.get(indexKey);
  }

  /** A trace relation name (`users`, `public.plans`) as a key. */
  traceKey(relation: string): string {
    const dot = relation.indexOf('.');
    return dot < 0
      ? `${TENANT}.${quoteIdent(relation)}`
      : `${this.schemaKey(relation.slice(0, dot))}.${quoteIdent(relation.slice(dot + 1))}`;
  }

  isTable(key: string): boolean {
    return this.tables.has(key);
  }

  /** A partitioned table (its indexes cannot be built or dropped CONCURRENTLY). */
  isPartitioned(key: string): boolean {
    return this.partitioned.has(key);
  }

  isIndex(key: string): boolean {
    return this.indexes.has(key);
  }

  hasColumn(table: string, column: string): boolean {
    return this.tables.get(table)?.has(column) ?? false;
  }

  isNotNull(table: string, column: string): boolean {
    return this.notNullColumns.has(`${table}.${column}`);
  }

  hasValidatedNotNullCheck(table: string, column: string): boolean {
    return this.checks.some((c) => c.table === table && c.column === column && c.validated);
  }

  /** Records what a statement changes, after the rules have looked at it. */
  apply(stmt: Statement): void {
    const create = astOf(stmt, 'CreateStmt');
    const createAs = astOf(stmt, 'CreateTableAsStmt');
    const drop = astOf(stmt, 'DropStmt');
    const rename = astOf(stmt, 'RenameStmt');
    const schema = astOf(stmt, 'CreateSchemaStmt');
    const index = astOf(stmt, 'IndexStmt');
    if (schema?.schemaname) this.createdSchemas.add(schema.schemaname);
    if (index?.idxname) this.addIndex(index);
    if (create || createAs) {
      const relation = create?.relation ?? createAs?.into?.rel;
      if (!(create ?? createAs)?.if_not_exists) this.forget(this.table(rangeVar(relation)));
    } else if (drop?.removeType === 'OBJECT_TABLE') {
      for (const o of drop.objects ?? []) this.forget(this.table(listName(o)));
    } else if (drop?.removeType === 'OBJECT_INDEX') {
      for (const o of drop.objects ?? []) this.indexes.delete(this.index(listName(o)) ?? '');
    } else if (rename) {
      this.rename(rename);
    } else if (stmt.kind === 'AlterTableStmt') {
      this.alter(stmt);
    }
  }

  /** The columns of an index the PR builds, for a later ADD CONSTRAINT ... USING INDEX. */
  private addIndex(index: IndexStmt): void {
    const table = this.table(rangeVar(index.relation));
    if (!table) return;
    const schema = table.slice(0, table.lastIndexOf('.'));
    const columns = unwrapAll(index.indexParams, 'IndexElem').map((e) => e.name ?? '');
    this.indexColumns.set(`${schema}.${quoteIdent(index.idxname ?? '')}`, columns);
  }

  private forget(key: string | undefined): void {
    if (!key) return;
    this.tables.delete(key);
    for (const [index, table] of this.indexes) if (table === key) this.indexes.delete(index);
  }

  private rename(a: RenameStmt): void {
    const key = this.table(rangeVar(a.relation));
    if (!key) return;
    if (a.renameType === 'OBJECT_TABLE') {
      const renamed = `${key.slice(0, key.lastIndexOf('.'))}.${quoteIdent(a.newname ?? '')}`;
      this.tables.set(renamed, this.tables.get(key)!);
      this.tables.delete(key);
      for (const [index, table] of this.indexes)
        if (table === key) this.indexes.set(index, renamed);
      this.checks.filter((c) => c.table === key).forEach((c) => (c.table = renamed));
    } else if (a.renameType === 'OBJECT_COLUMN') {
      const columns = this.tables.get(key)!;
      if (columns.delete(a.subname ?? '')) columns.add(a.newname ?? '');
    }
  }

  private alter(stmt: Statement): void {
    const key = this.table(rangeVar(relationOf(stmt)));
    if (!key) return;
    for (const cmd of alterCmds(stmt)) {
      if (cmd.subtype === 'AT_DropColumn' && cmd.name) this.tables.get(key)?.delete(cmd.name);
      if (cmd.subtype === 'AT_SetNotNull' && cmd.name)
        this.notNullColumns.add(`${key}.${cmd.name}`);
      if (cmd.subtype === 'AT_ValidateConstraint')
        this.checks
          .filter((c) => c.table === key && c.name === cmd.name)
          .forEach((c) => (c.validated = true));
      if (cmd.subtype === 'AT_AddConstraint') this.addCheck(key, unwrap(cmd.def, 'Constraint'));
    }
  }

  /** Remembers `CHECK (col IS NOT NULL)` and Postgres 18's `NOT NULL col` constraints. */
  private addCheck(table: string, c: Constraint | undefined): void {
    const test = unwrap(c?.raw_expr, 'NullTest');
    const column =
      c?.contype === 'CONSTR_CHECK' && test?.nulltesttype === 'IS_NOT_NULL'
        ? stringList(unwrap(test.arg, 'ColumnRef')?.fields).pop()
        : c?.contype === 'CONSTR_NOTNULL'
          ? stringList(c.keys).pop()
          : undefined;
    if (!column) return;
    const name =
      c!.conname ??
      `${bareName(table)}_${column}_${c!.contype === 'CONSTR_CHECK' ? 'check' : 'not_null'}`;
    this.checks.push({ name, table, column, validated: !c!.skip_validation });
  }
}
