import type { CatalogSnapshot, PolicyInfo, TableInfo } from '../../catalog/types.js';
import { bareName, functionBareName, matchesConfigured, mentions } from './names.js';
import type { IsolationSettings } from './settings.js';

/** Which tables and views of a shared-topology catalog hold tenant rows. */
export interface TenantScope {
  /** Tables (plain and partitioned) that are tenant-scoped. */
  tables: TableInfo[];
  /** Views over tenant-scoped tables, directly or through other such views. */
  views: TableInfo[];
  /** Whether a policy expression checks the tenant setting (directly or through a function). */
  checksSetting(expression: string | undefined): boolean;
}

export interface ScopeOptions {
  tenantColumn: string;
  tenantSetting: string;
  settings: IsolationSettings;
  /** Schema the tenant's objects live in (`public` in the shared topology). */
  schema: string;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function isTable(t: TableInfo): boolean {
  return t.kind === 'table' || t.kind === 'partitioned';
}

export function tenantColumnOf(t: TableInfo, column: string) {
  return t.columns.find((c) => c.name === column);
}

export function isTenantTable(t: TableInfo, o: ScopeOptions): boolean {
  if (!isTable(t) || !tenantColumnOf(t, o.tenantColumn)) return false;
  return !o.settings.globalTables.some((g) => matchesConfigured(g, t.name, o.schema));
}

/** A view (or function body) reads one of the relations when it names it. */
export function readsAny(text: string | undefined, relations: TableInfo[]): TableInfo[] {
  if (!text) return [];
  return relations.filter((r) => mentions(text, bareName(r.name)));
}

function viewsOver(snapshot: CatalogSnapshot, tables: TableInfo[]): TableInfo[] {
  const views: TableInfo[] = [];
  let frontier = tables;
  while (frontier.length) {
    const next = snapshot.tables.filter(
      (v) => v.kind === 'view' && !views.includes(v) && readsAny(v.viewDefinition, frontier).length,
    );
    views.push(...next);
    frontier = next;
  }
  return views;
}

function settingChecker(snapshot: CatalogSnapshot, setting: string): (e?: string) => boolean {
  const direct = new RegExp(`current_setting\\s*\\(\\s*'${escapeRegExp(setting)}'`, 'i');
  const helpers = snapshot.functions
    .filter((f) => direct.test(f.body))
    .map(
      (f) =>
        new RegExp(`(?<![A-Za-z0-9_$])${escapeRegExp(functionBareName(f.name))}"?\\s*\\(`, 'i'),
    );
  return (e) => !!e && (direct.test(e) || helpers.some((h) => h.test(e)));
}

export function tenantScope(snapshot: CatalogSnapshot, o: ScopeOptions): TenantScope {
  const tables = snapshot.tables.filter((t) => isTenantTable(t, o));
  return {
    tables,
    views: viewsOver(snapshot, tables),
    checksSetting: settingChecker(snapshot, o.tenantSetting),
  };
}

export function policiesOf(snapshot: CatalogSnapshot, table: TableInfo): PolicyInfo[] {
  return snapshot.policies.filter((p) => p.table === table.name);
}

/** Every expression a permissive policy has must check the tenant: permissive policies are ORed. */
export function policyChecksTenant(p: PolicyInfo, scope: TenantScope): boolean {
  const expressions = [p.using, p.withCheck].filter((e): e is string => e !== undefined);
  return expressions.length > 0 && expressions.every((e) => scope.checksSetting(e));
}

export const COMMANDS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

/** Commands no permissive, tenant-checking policy covers. */
export function uncoveredCommands(policies: PolicyInfo[], scope: TenantScope): string[] {
  const good = policies.filter((p) => p.permissive && policyChecksTenant(p, scope));
  return COMMANDS.filter((cmd) => !good.some((p) => p.command === cmd || p.command === 'ALL'));
}

/** The SQL that makes a table tenant-isolated, for help texts. */
export function policyTemplate(table: TableInfo, o: ScopeOptions): string {
  const name = bareName(table.name);
  const type = tenantColumnOf(table, o.tenantColumn)?.type ?? 'text';
  const check = `${o.tenantColumn} = current_setting('${o.tenantSetting}')::${type}`;
  return [
    `ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`,
    `CREATE POLICY ${name}_tenant_isolation ON ${name} USING (${check}) WITH CHECK (${check});`,
  ].join(' ');
}
