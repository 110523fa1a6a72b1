/**
 * What a parsed statement creates, alters, drops, grants or writes, by object kind and name,
 * so that catalog findings can point at the statement behind them.
 */
import type { Statement } from '../../core/model.js';
import {
  alterCommandsOf,
  readByKind,
  strings,
  unwrap,
  type AlterTableStmt,
  type ByKind,
  type DropStmt,
  type GrantStmt,
  type RangeVar,
} from '../../sql/ast.js';

export type TouchKind = 'table' | 'view' | 'function' | 'policy' | 'extension' | 'foreign';
export type TouchAction =
  | 'create'
  | 'alter'
  | 'drop'
  | 'grant'
  | 'write'
  | 'rls-enable'
  | 'rls-disable'
  | 'rls-force'
  | 'rls-noforce';

export interface Touch {
  kind: TouchKind;
  name: string;
  /** Schema as written in the statement, when qualified. */
  schema?: string;
  action: TouchAction;
  /** For policies: the table. */
  table?: string;
  /** For grants: `PUBLIC` or role names. */
  grantees?: string[];
}

function relation(kind: TouchKind, rv: RangeVar | undefined, action: TouchAction): Touch[] {
  if (!rv?.relname) return [];
  return [{ kind, name: rv.relname, ...(rv.schemaname ? { schema: rv.schemaname } : {}), action }];
}

function qualified(kind: TouchKind, names: string[], action: TouchAction): Touch {
  const name = names[names.length - 1] ?? '';
  return names.length > 1
    ? { kind, name, schema: names[names.length - 2], action }
    : { kind, name, action };
}

const RLS_ACTIONS: Record<string, TouchAction> = {
  AT_EnableRowSecurity: 'rls-enable',
  AT_DisableRowSecurity: 'rls-disable',
  AT_ForceRowSecurity: 'rls-force',
  AT_NoForceRowSecurity: 'rls-noforce',
};

function alterTable(a: AlterTableStmt): Touch[] {
  const kind: TouchKind = a.objtype === 'OBJECT_VIEW' ? 'view' : 'table';
  const cmds = alterCommandsOf(a);
  const actions = new Set<TouchAction>(cmds.map((c) => RLS_ACTIONS[c.subtype ?? ''] ?? 'alter'));
  return [...actions].flatMap((action) => relation(kind, a.relation, action));
}

const DROP_KINDS: Record<string, TouchKind> = {
  OBJECT_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'view',
  OBJECT_FUNCTION: 'function',
  OBJECT_PROCEDURE: 'function',
  OBJECT_EXTENSION: 'extension',
  OBJECT_FOREIGN_SERVER: 'foreign',
  OBJECT_FOREIGN_TABLE: 'foreign',
};

function drop(a: DropStmt): Touch[] {
  if (a.removeType === 'OBJECT_POLICY') {
    return (a.objects ?? []).map((o) => {
      const items = strings(unwrap(o, 'List')?.items);
      return {
        kind: 'policy',
        name: items[items.length - 1],
        table: items[items.length - 2],
        action: 'drop',
      };
    });
  }
  const kind = DROP_KINDS[a.removeType ?? ''];
  if (!kind) return [];
  return (a.objects ?? []).map((o): Touch => {
    const func = unwrap(o, 'ObjectWithArgs');
    if (func) return qualified(kind, strings(func.objname), 'drop');
    const name = unwrap(o, 'String');
    if (name) return { kind, name: name.sval ?? '', action: 'drop' };
    return qualified(kind, strings(unwrap(o, 'List')?.items), 'drop');
  });
}

function grant(a: GrantStmt): Touch[] {
  if (!a.is_grant || a.objtype !== 'OBJECT_TABLE' || a.targtype !== 'ACL_TARGET_OBJECT') return [];
  const grantees = (a.grantees ?? []).map((g) => {
    const role = unwrap(g, 'RoleSpec');
    return role?.roletype === 'ROLESPEC_PUBLIC' ? 'PUBLIC' : (role?.rolename ?? '');
  });
  return (a.objects ?? []).flatMap((o) =>
    relation('table', unwrap(o, 'RangeVar'), 'grant').map((t) => ({ ...t, grantees })),
  );
}

const EXTRACTORS: ByKind<Touch[]> = {
  CreateStmt: (a) => relation('table', a.relation, 'create'),
  CreateForeignTableStmt: (a) => relation('foreign', a.base?.relation, 'create'),
  ViewStmt: (a) => relation('view', a.view, 'create'),
  CreateTableAsStmt: (a) =>
    relation(a.objtype === 'OBJECT_MATVIEW' ? 'view' : 'table', a.into?.rel, 'create'),
  CreateFunctionStmt: (a) => [qualified('function', strings(a.funcname), 'create')],
  CreatePolicyStmt: (a) => [
    { kind: 'policy', name: a.policy_name ?? '', table: a.table?.relname, action: 'create' },
  ],
  AlterPolicyStmt: (a) => [
    { kind: 'policy', name: a.policy_name ?? '', table: a.table?.relname, action: 'alter' },
  ],
  AlterTableStmt: alterTable,
  DropStmt: drop,
  GrantStmt: grant,
  IndexStmt: (a) => relation('table', a.relation, 'alter'),
  InsertStmt: (a) => relation('table', a.relation, 'write'),
  UpdateStmt: (a) => relation('table', a.relation, 'write'),
  DeleteStmt: (a) => relation('table', a.relation, 'write'),
  CreateExtensionStmt: (a) => [{ kind: 'extension', name: a.extname ?? '', action: 'create' }],
  CreateForeignServerStmt: (a) => [{ kind: 'foreign', name: a.servername ?? '', action: 'create' }],
};

export function touchesOf(stmt: Statement): Touch[] {
  return (readByKind(EXTRACTORS, stmt) ?? []).filter((t) => t.name);
}
