/**
 * A normalised picture of one tenant's catalog. Tenant schema names are replaced by `$tenant`
 * so that tenants compare; every collection is keyed by a stable name and sorted.
 */

export interface ColumnInfo {
  name: string;
  type: string; // format_type(atttypid, atttypmod)
  notNull: boolean;
  default?: string;
  identity?: 'always' | 'by default';
  generated?: string; // generation expression
  /** Postgres 18 adds virtual generated columns; older ones are all stored. */
  generatedKind?: 'stored' | 'virtual';
  collation?: string;
}

export interface ConstraintInfo {
  name: string;
  table: string;
  type: 'p' | 'u' | 'f' | 'c' | 'x' | 'n' | 't';
  definition: string; // pg_get_constraintdef
  columns: string[];
  /** FK only */
  references?: { table: string; columns: string[] };
  onDelete?: string;
  onUpdate?: string;
  deferrable: boolean;
  deferred: boolean;
  validated: boolean;
  /** Index that backs a PK/UNIQUE/EXCLUDE constraint. */
  index?: string;
}

export interface IndexInfo {
  name: string;
  table: string;
  definition: string; // pg_get_indexdef with the tenant schema normalised
  columns: string[]; // key columns in order (expressions as their text)
  unique: boolean;
  primary: boolean;
  valid: boolean;
  constraint?: string;
}

export interface TableInfo {
  name: string; // qualified as `$tenant.x` or `public.x` etc.
  kind: 'table' | 'partitioned' | 'view' | 'materialized view' | 'foreign table';
  persistence: 'permanent' | 'unlogged' | 'temporary';
  owner: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  columns: ColumnInfo[];
  /** For views: the definition and whether it has security_invoker. */
  viewDefinition?: string;
  securityInvoker?: boolean;
  options?: string[]; // reloptions
}

export interface SequenceInfo {
  name: string;
  type: string;
  ownedBy?: string; // `table.column`
  /** Sequence parameters; bigint values as text. */
  start?: string;
  increment?: string;
  min?: string;
  max?: string;
  cache?: string;
  cycle?: boolean;
}

export interface FunctionInfo {
  name: string; // with argument types: `f(integer, text)`
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  returns: string;
  language: string;
  securityDefiner: boolean;
  /** proconfig, e.g. ["search_path=pg_catalog, public"] */
  config: string[];
  volatility: 'immutable' | 'stable' | 'volatile';
  body: string; // prosrc (normalised)
  /** A SECURITY DEFINER function runs with its owner's rights, so the owner is part of its meaning. */
  owner?: string;
}

export interface TriggerInfo {
  name: string;
  table: string;
  definition: string;
  enabled: boolean;
}

export interface TypeInfo {
  name: string;
  kind: 'enum' | 'composite' | 'domain' | 'range';
  /** enum labels in order, composite attributes as `name type`, domain base type + constraints */
  elements: string[];
}

export interface PolicyInfo {
  name: string;
  table: string;
  command: 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
  permissive: boolean;
  roles: string[];
  using?: string;
  withCheck?: string;
}

export interface GrantInfo {
  /**
   * Object as `table $tenant.users`, `sequence ...`, `function ...`, `schema ...`,
   * `column $tenant.users.email`, or default privileges as `future tables of owner in schema
   * $tenant` (database-wide without the schema).
   */
  object: string;
  grantee: string; // role name or PUBLIC
  privilege: string; // SELECT, INSERT, ...
  grantable: boolean;
  /**
   * True for a privilege Postgres grants by default (EXECUTE on functions to PUBLIC, the owner's
   * own rights) that has been revoked. Such a row is the absence of a privilege, not a grant.
   */
  revoked?: boolean;
}

export interface ExtensionInfo {
  name: string;
  version: string;
  schema: string;
}

export interface CatalogSnapshot {
  /** Schemas included (normalised names). */
  schemas: string[];
  tables: TableInfo[];
  constraints: ConstraintInfo[];
  indexes: IndexInfo[];
  sequences: SequenceInfo[];
  functions: FunctionInfo[];
  triggers: TriggerInfo[];
  types: TypeInfo[];
  policies: PolicyInfo[];
  grants: GrantInfo[];
  extensions: ExtensionInfo[];
}

export type ObjectKind =
  | 'schema'
  | 'table'
  | 'column'
  | 'constraint'
  | 'index'
  | 'sequence'
  | 'function'
  | 'trigger'
  | 'type'
  | 'policy'
  | 'grant'
  | 'extension';

export interface CatalogChange {
  change: 'added' | 'removed' | 'changed';
  kind: ObjectKind;
  /** e.g. `$tenant.users.email`, `index $tenant.users_email_idx` */
  name: string;
  /** For `changed`: which properties differ, with before and after values. */
  properties?: Array<{ property: string; before: unknown; after: unknown }>;
  /** How messages call the object when `kind` is too coarse, e.g. `view` for a kind `table`. */
  label?: string;
}
