import type {
  CatalogSnapshot,
  ColumnInfo,
  ConstraintInfo,
  ExtensionInfo,
  FunctionInfo,
  GrantInfo,
  IndexInfo,
  ObjectKind,
  PolicyInfo,
  SequenceInfo,
  TableInfo,
  TriggerInfo,
  TypeInfo,
} from './types.js';
import { comparableBody } from './normalise.js';

export interface PropertySpec<T> {
  name: (item: T) => string;
  value: (item: T) => unknown;
  /** What is compared when it differs from `value` (e.g. a definition without its flags). */
  compare?: (item: T) => unknown;
}

/** How one kind of catalog object is matched between snapshots and what is compared. */
export interface ObjectSpec<T> {
  kind: ObjectKind;
  items: (s: CatalogSnapshot) => T[];
  key: (item: T) => string;
  name: (item: T) => string;
  label?: (item: T) => string | undefined;
  /**
   * The object this one lives on, as `table $tenant.users`, `sequence ...`, `function ...`:
   * a constraint's table, a grant's object.
   */
  parent?: (item: T) => string | undefined;
  properties: PropertySpec<T>[];
}

function fields<T>(names: readonly (keyof T & string)[]): PropertySpec<T>[] {
  return names.map((field) => ({ name: () => field, value: (item: T) => item[field] }));
}

const TABLE_LABEL: Record<TableInfo['kind'], string | undefined> = {
  table: undefined,
  partitioned: 'partitioned table',
  view: 'view',
  'materialized view': 'materialized view',
  'foreign table': 'foreign table',
};

export const TABLE_SPEC: ObjectSpec<TableInfo> = {
  kind: 'table',
  items: (s) => s.tables,
  key: (t) => t.name,
  name: (t) => t.name,
  label: (t) => TABLE_LABEL[t.kind],
  properties: fields<TableInfo>([
    'kind',
    'persistence',
    'owner',
    'rlsEnabled',
    'rlsForced',
    'viewDefinition',
    'securityInvoker',
    'options',
  ]),
};

/** Columns are named `table.column`. */
export const COLUMN_SPEC: ObjectSpec<ColumnInfo & { table: string }> = {
  kind: 'column',
  items: (s) => s.tables.flatMap((t) => t.columns.map((c) => ({ ...c, table: t.name }))),
  key: (c) => `${c.table}.${c.name}`,
  name: (c) => `${c.table}.${c.name}`,
  parent: (c) => `table ${c.table}`,
  properties: fields<ColumnInfo>([
    'type',
    'notNull',
    'default',
    'identity',
    'generated',
    'generatedKind',
    'collation',
  ]),
};

/**
 * pg_get_constraintdef repeats flags and actions that have properties of their own; comparing
 * the definition without them reports "validated false → true" rather than the text as well.
 */
function constraintCore(c: ConstraintInfo): string {
  return c.definition
    .replace(
      / ON (DELETE|UPDATE) (CASCADE|RESTRICT|NO ACTION|SET NULL|SET DEFAULT)( \([^)]*\))?/g,
      '',
    )
    .replace(/ (NOT )?DEFERRABLE| INITIALLY (DEFERRED|IMMEDIATE)| NOT VALID/g, '');
}

const CONSTRAINT_SPEC: ObjectSpec<ConstraintInfo> = {
  kind: 'constraint',
  items: (s) => s.constraints,
  key: (c) => `${c.table}.${c.name}`,
  name: (c) => `${c.table}.${c.name}`,
  parent: (c) => `table ${c.table}`,
  properties: [
    { name: () => 'definition', value: (c) => c.definition, compare: constraintCore },
    ...fields<ConstraintInfo>([
      'type',
      'onDelete',
      'onUpdate',
      'deferrable',
      'deferred',
      'validated',
      'index',
    ]),
  ],
};

/** Key columns and uniqueness are part of the index definition, so they are not repeated. */
const INDEX_SPEC: ObjectSpec<IndexInfo> = {
  kind: 'index',
  items: (s) => s.indexes,
  key: (i) => i.name,
  name: (i) => i.name,
  parent: (i) => `table ${i.table}`,
  properties: fields<IndexInfo>(['table', 'definition', 'valid', 'primary', 'constraint']),
};

const SEQUENCE_SPEC: ObjectSpec<SequenceInfo> = {
  kind: 'sequence',
  items: (s) => s.sequences,
  key: (q) => q.name,
  name: (q) => q.name,
  properties: fields<SequenceInfo>([
    'type',
    'ownedBy',
    'start',
    'increment',
    'min',
    'max',
    'cache',
    'cycle',
  ]),
};

const FUNCTION_SPEC: ObjectSpec<FunctionInfo> = {
  kind: 'function',
  items: (s) => s.functions,
  key: (f) => f.name,
  name: (f) => f.name,
  label: (f) => (f.kind === 'function' ? undefined : f.kind),
  properties: [
    ...fields<FunctionInfo>([
      'kind',
      'returns',
      'language',
      'securityDefiner',
      'config',
      'volatility',
    ]),
    // Comments and layout are not what a function does (normalise.ts).
    {
      name: () => 'body',
      value: (f: FunctionInfo) => f.body,
      compare: (f: FunctionInfo) => comparableBody(f.body),
    },
    ...fields<FunctionInfo>(['owner']),
  ],
};

const TRIGGER_SPEC: ObjectSpec<TriggerInfo> = {
  kind: 'trigger',
  items: (s) => s.triggers,
  key: (t) => `${t.table}.${t.name}`,
  name: (t) => `${t.table}.${t.name}`,
  parent: (t) => `table ${t.table}`,
  properties: fields<TriggerInfo>(['definition', 'enabled']),
};

/** What a type's elements are called, so a message says "labels" for an enum. */
const ELEMENTS_NAME: Record<TypeInfo['kind'], string> = {
  enum: 'labels',
  composite: 'attributes',
  domain: 'definition',
  range: 'definition',
};

const TYPE_SPEC: ObjectSpec<TypeInfo> = {
  kind: 'type',
  items: (s) => s.types,
  key: (t) => t.name,
  name: (t) => t.name,
  properties: [
    ...fields<TypeInfo>(['kind']),
    { name: (t) => ELEMENTS_NAME[t.kind], value: (t) => t.elements },
  ],
};

const POLICY_SPEC: ObjectSpec<PolicyInfo> = {
  kind: 'policy',
  items: (s) => s.policies,
  key: (p) => `${p.table}.${p.name}`,
  name: (p) => `${p.table}.${p.name}`,
  parent: (p) => `table ${p.table}`,
  properties: fields<PolicyInfo>(['command', 'permissive', 'roles', 'using', 'withCheck']),
};

/** `SELECT on table $tenant.users to PUBLIC`; a revoked default reads `... from PUBLIC`. */
export function grantName(g: GrantInfo): string {
  return `${g.privilege} on ${g.object} ${g.revoked ? 'from' : 'to'} ${g.grantee}`;
}

const GRANT_SPEC: ObjectSpec<GrantInfo> = {
  kind: 'grant',
  items: (s) => s.grants,
  key: grantName,
  name: grantName,
  label: (g) => (g.revoked ? 'revocation' : undefined),
  // Default privileges live on their schema (or on nothing, database-wide).
  parent: (g) =>
    g.object.startsWith('future ') ? /in (schema .+)$/.exec(g.object)?.[1] : g.object,
  properties: fields<GrantInfo>(['grantable']),
};

const EXTENSION_SPEC: ObjectSpec<ExtensionInfo> = {
  kind: 'extension',
  items: (s) => s.extensions,
  key: (e) => e.name,
  name: (e) => e.name,
  properties: fields<ExtensionInfo>(['version', 'schema']),
};

/** Every kind compared object by object (schemas and column order are handled in diff.ts). */
export const OBJECT_SPECS: ObjectSpec<any>[] = [
  EXTENSION_SPEC,
  TYPE_SPEC,
  SEQUENCE_SPEC,
  TABLE_SPEC,
  COLUMN_SPEC,
  CONSTRAINT_SPEC,
  INDEX_SPEC,
  FUNCTION_SPEC,
  TRIGGER_SPEC,
  POLICY_SPEC,
  GRANT_SPEC,
];
