/** The isolation gate's rules. */
import { defineRules } from './rule.js';

export const ISOLATION = defineRules('isolation', {
  rlsNotEnabled: {
    id: 'rls-not-enabled',
    severity: 'blocker',
    title: 'A tenant-scoped table does not have row-level security enabled.',
  },
  rlsNotForced: {
    id: 'rls-not-forced',
    severity: 'blocker',
    title:
      'A tenant-scoped table has row-level security enabled but not forced, so its owner bypasses it.',
  },
  policyMissing: {
    id: 'tenant-policy-missing',
    severity: 'blocker',
    title:
      'A tenant-scoped table has no policy on the tenant setting for some of SELECT, INSERT, UPDATE, DELETE.',
  },
  policyWithoutTenantCheck: {
    id: 'policy-without-tenant-check',
    severity: 'blocker',
    title:
      'A permissive policy on a tenant-scoped table does not compare the tenant column with the tenant setting on every branch.',
  },
  policyWithoutRls: {
    id: 'policy-without-rls',
    severity: 'blocker',
    title: 'A table has policies but row-level security is disabled, so none of them applies.',
  },
  policyWeakened: {
    id: 'tenant-policy-weakened',
    severity: 'blocker',
    title: 'The PR drops or weakens a tenant policy or turns row-level security off.',
  },
  viewWithoutInvoker: {
    id: 'view-without-security-invoker',
    severity: 'blocker',
    title:
      "A view over tenant-scoped tables runs with its owner's rights, or a materialized view stores their rows; either bypasses row-level security.",
  },
  definerReadsTenantData: {
    id: 'security-definer-tenant-access',
    severity: 'blocker',
    title: "A SECURITY DEFINER function reads tenant-scoped tables with its owner's rights.",
  },
  definerSearchPath: {
    id: 'security-definer-search-path',
    severity: 'blocker',
    title: 'A SECURITY DEFINER function has no fixed search_path.',
  },
  grantToPublic: {
    id: 'tenant-table-public-grant',
    severity: 'blocker',
    title: 'A tenant-scoped table is granted to PUBLIC.',
  },
  tenantColumnMissing: {
    id: 'tenant-column-missing',
    severity: 'blocker',
    otherSeverities: { warning: 'when no table at all has the tenant column' },
    title: 'A table configured as tenant-scoped has no tenant column.',
  },
  readLeak: {
    id: 'tenant-read-leak',
    severity: 'blocker',
    title: 'Acting as one tenant, the application role reads rows of other tenants.',
  },
  writeLeak: {
    id: 'tenant-write-leak',
    severity: 'blocker',
    title: 'Acting as one tenant, the application role writes rows of another tenant.',
  },
  appRoleBypassesRls: {
    id: 'app-role-bypasses-rls',
    severity: 'blocker',
    title: 'The configured application role is a superuser or has BYPASSRLS.',
  },
  leakTestIncomplete: {
    id: 'leak-test-incomplete',
    severity: 'notice',
    title: 'The live leak test could not cover a tenant-scoped table.',
  },
  apiTableWithoutRls: {
    id: 'api-table-without-rls',
    severity: 'blocker',
    title:
      'A table the API roles (anon, authenticated) can reach does not have row-level security enabled.',
  },
  authCallPerRow: {
    id: 'auth-call-per-row',
    severity: 'warning',
    title:
      'A policy calls auth.uid(), auth.jwt() or current_setting() once per row where (select ...) would call it once.',
  },
  policyUserMetadata: {
    id: 'policy-user-metadata',
    severity: 'blocker',
    title: 'A policy trusts user metadata, which every user can edit for themselves.',
  },
  policyAlwaysTrue: {
    id: 'policy-always-true',
    severity: 'warning',
    title:
      'A permissive policy lets API roles insert, update or delete any row (USING or WITH CHECK true).',
  },
  crossSchemaWrite: {
    id: 'cross-schema-write',
    severity: 'blocker',
    title: "A tenant migration creates, alters or writes objects outside the tenant's schema.",
  },
  searchPathChange: {
    id: 'search-path-change',
    severity: 'blocker',
    title:
      'A tenant migration changes search_path, so later statements may land in another schema.',
  },
  crossTenantReference: {
    id: 'cross-tenant-reference',
    severity: 'blocker',
    title: "An object in one tenant references another tenant's schema.",
  },
  tenantDrift: {
    id: 'tenant-drift',
    severity: 'blocker',
    title: "Tenants' catalogs differ after the PR.",
  },
  crossDatabaseAccess: {
    id: 'cross-database-access',
    severity: 'blocker',
    title: 'The PR introduces access across databases (dblink, postgres_fdw, foreign servers).',
  },
});
