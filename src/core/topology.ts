import type { TopologyKind } from './model.js';
import type { TenantHandle } from './tenants.js';

/**
 * How the run lays tenants out, answering every question the stages and gates ask about it, so
 * that no stage decides by the topology's name.
 * - `schema`: tenants are schemas of one database, each run with the shared schema after its own.
 * - `database`: each tenant is a database cloned from the base after the merged migrations.
 * - `shared`: one schema holds every tenant's rows; row-level security keeps them apart.
 */
export interface Topology {
  readonly kind: TopologyKind;
  /** The simulated tenants' names. */
  readonly tenantNames: readonly string[];
  /** The schema every tenant resolves after its own (the schema topology only). */
  readonly sharedSchema?: string;
  /**
   * Several tenants live in one database, each in a schema of its own: objects outside the
   * tenant's schema (extensions, the shared schema) exist once for all of them.
   */
  readonly schemaPerTenant: boolean;
  /** Each tenant has a database of its own; the PR is replayed in each. */
  readonly databasePerTenant: boolean;
  /** The tenants a database laid out from the base holds (one stands for all when alike). */
  tenantsIn(database: string): TenantHandle[];
  /** The tenant `name` in a database of its own (the database topology's PR replay). */
  tenantAlone(name: string, database: string): TenantHandle;
}

const alone = (name: string, database: string): TenantHandle => ({
  name,
  database,
  schema: 'public',
  searchPath: ['public'],
  wholeDatabase: true,
});

export function topologyOf(
  kind: TopologyKind,
  tenantNames: readonly string[],
  sharedSchema: string,
): Topology {
  switch (kind) {
    case 'schema':
      return {
        kind,
        tenantNames,
        sharedSchema,
        schemaPerTenant: true,
        databasePerTenant: false,
        tenantsIn: (database) =>
          tenantNames.map((name) => ({
            name,
            database,
            schema: name,
            searchPath: [name, sharedSchema],
          })),
        tenantAlone: alone,
      };
    case 'database':
      return {
        kind,
        tenantNames,
        schemaPerTenant: false,
        databasePerTenant: true,
        tenantsIn: (database) => [alone(tenantNames[0], database)],
        tenantAlone: alone,
      };
    case 'shared':
      return {
        kind,
        tenantNames,
        schemaPerTenant: false,
        databasePerTenant: false,
        tenantsIn: (database) => [alone('shared', database)],
        tenantAlone: alone,
      };
  }
}
