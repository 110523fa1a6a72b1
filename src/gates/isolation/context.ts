import { presetOf } from '../../config/preset.js';
import type { Options } from '../../core/options.js';
import type { TenantContext, TenantMembership } from '../../core/settings.js';
import { DEFAULT_APP_ROLE } from './leak-role.js';

/**
 * How a session becomes tenant X, resolved from `isolation.tenantContext`: what the policies are
 * expected to read (the static rules) and how the live leak test signs in as a tenant.
 */
export interface ResolvedContext {
  kind: TenantContext['kind'];
  /** The role a tenant's session runs as (for `role`: the pattern's role of each tenant). */
  role: string;
  /**
   * Whether the application's role is known (configured, or given by the kind): only then is
   * FORCE ROW LEVEL SECURITY judged by who owns the table.
   */
  roleKnown: boolean;
  /** The setting that holds the tenant id (`setting`, `sql`) or the JWT claims (`jwt`). */
  setting: string;
  membership?: TenantMembership;
  /** `role`: the role name of a tenant, `{id}` standing for its id. */
  pattern: string;
  /** `sql`: what a session runs to become a tenant, the tenant id as $1. */
  sql?: string;
  /** The anonymous role that signed-out API requests use (`jwt`). */
  anonRole?: string;
}

const SET_CONFIG = /set_config\s*\(\s*'([^']+)'/i;
const SET_COMMAND = /\bset\s+(?:local\s+|session\s+)?([A-Za-z_]\w*\.[\w.]+)\s*(?:=|\bto\b)/i;

/** The setting an SQL context writes (`set_config('app.tenant', $1, false)`), if it says. */
function settingOfSql(sql: string): string | undefined {
  return SET_CONFIG.exec(sql)?.[1] ?? SET_COMMAND.exec(sql)?.[1];
}

/** The configured context, else `jwt` for a Supabase project, else the tenant setting. */
export function configuredContext(options: Options): TenantContext {
  const configured = options.settings.isolation.tenantContext;
  if (configured) return configured;
  const preset = presetOf(options.repoRoot, options.dir, options.settings.preset);
  if (preset?.name === 'supabase')
    return { kind: 'jwt', role: 'authenticated', claims: 'request.jwt.claims' };
  return { kind: 'setting' };
}

export function resolveContext(options: Options): ResolvedContext {
  const c = configuredContext(options);
  const appRole = options.settings.isolation.appRole;
  const base = { pattern: 'tenant_{id}', setting: options.tenantSetting };
  switch (c.kind) {
    case 'setting': {
      const role = c.role ?? appRole;
      return {
        ...base,
        kind: 'setting',
        role: role ?? DEFAULT_APP_ROLE,
        roleKnown: role !== undefined,
        setting: c.setting ?? options.tenantSetting,
      };
    }
    case 'sql': {
      const role = c.role ?? appRole;
      return {
        ...base,
        kind: 'sql',
        role: role ?? DEFAULT_APP_ROLE,
        roleKnown: role !== undefined,
        setting: settingOfSql(c.sql) ?? options.tenantSetting,
        sql: c.sql,
      };
    }
    case 'jwt':
      return {
        ...base,
        kind: 'jwt',
        role: c.role,
        roleKnown: true,
        setting: c.claims,
        anonRole: 'anon',
        ...(c.membership ? { membership: c.membership } : {}),
      };
    case 'role':
      return { ...base, kind: 'role', role: c.pattern, roleKnown: true, pattern: c.pattern };
  }
}

/** The role of one tenant under the `role` kind. */
export function tenantRoleName(pattern: string, id: string): string {
  return pattern.split('{id}').join(id);
}

/** Whether the context is a tenant id in a setting (`setting`, `sql`) rather than an identity. */
export function isSettingContext(c: ResolvedContext | undefined): boolean {
  return !c || c.kind === 'setting' || c.kind === 'sql';
}
