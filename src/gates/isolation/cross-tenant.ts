import type { CatalogSnapshot } from '../../catalog/types.js';
import type { Finding } from '../../core/model.js';
import type { StatementLocator, ObjectQuery } from './locate.js';
import { bareName, mentions } from './names.js';
import { ISOLATION, finding } from '../../rules/index.js';

/** An object of a tenant's catalog and the texts in which it may name other schemas. */
interface Referrer {
  label: string;
  query: ObjectQuery;
  texts: string[];
}

function referrers(s: CatalogSnapshot): Referrer[] {
  const table = (name: string): ObjectQuery => ({
    kind: 'table',
    name: bareName(name),
    actions: ['create', 'alter'],
  });
  return [
    ...s.tables.map((t) => ({
      label: `${t.kind} ${bareName(t.name)}`,
      query:
        t.kind === 'view' || t.kind === 'materialized view'
          ? { kind: 'view' as const, name: bareName(t.name), actions: ['create' as const] }
          : table(t.name),
      texts: [
        t.viewDefinition ?? '',
        ...t.columns.map((c) => `${c.default ?? ''} ${c.generated ?? ''}`),
      ],
    })),
    ...s.constraints.map((c) => ({
      label: `constraint ${c.name} on ${bareName(c.table)}`,
      query: table(c.table),
      texts: [c.definition, c.references?.table ?? ''],
    })),
    ...s.functions.map((f) => {
      const name = bareName(f.name.slice(0, f.name.indexOf('(')));
      return {
        label: `function ${name}`,
        query: { kind: 'function' as const, name, actions: ['create' as const] },
        texts: [f.body, ...f.config],
      };
    }),
    ...s.triggers.map((t) => ({
      label: `trigger ${t.name} on ${bareName(t.table)}`,
      query: table(t.table),
      texts: [t.definition],
    })),
    ...s.policies.map((p) => ({
      label: `policy ${p.name} on ${bareName(p.table)}`,
      query: { kind: 'policy' as const, name: p.name, table: bareName(p.table) },
      texts: [p.using ?? '', p.withCheck ?? ''],
    })),
  ];
}

function references(s: CatalogSnapshot, others: string[]): Array<{ r: Referrer; schema: string }> {
  return referrers(s).flatMap((r) =>
    others.filter((o) => r.texts.some((t) => mentions(t, o))).map((schema) => ({ r, schema })),
  );
}

/**
 * Objects of one tenant's schema that name another tenant's schema (FKs, views, functions,
 * defaults, triggers, policies), new in the PR. Snapshots name the tenant's own schema
 * `$tenant`, so any tenant schema name left in them belongs to another tenant.
 */
export function crossTenantReferences(
  before: Map<string, CatalogSnapshot>,
  after: Map<string, CatalogSnapshot>,
  tenantSchemas: Map<string, string>,
  locator: StatementLocator,
): Finding[] {
  const out: Finding[] = [];
  for (const [tenant, snapshot] of after) {
    const others = [...tenantSchemas].filter(([t]) => t !== tenant).map(([, schema]) => schema);
    const old = new Set(
      references(before.get(tenant) ?? emptyish(), others).map((x) => `${x.r.label} ${x.schema}`),
    );
    for (const { r, schema } of references(snapshot, others)) {
      if (old.has(`${r.label} ${schema}`)) continue;
      out.push(
        finding(ISOLATION.crossTenantReference, {
          ...(locator.find(r.query) ?? {}),
          tenant,
          message: `${r.label} in tenant ${tenant} references schema ${schema}, which belongs to another tenant: ${tenant} reads or depends on that tenant's data`,
          help: `Use unqualified names so that each tenant's objects resolve in its own schema.`,
        }),
      );
    }
  }
  return out;
}

function emptyish(): CatalogSnapshot {
  return {
    schemas: [],
    tables: [],
    constraints: [],
    indexes: [],
    sequences: [],
    functions: [],
    triggers: [],
    types: [],
    policies: [],
    grants: [],
    extensions: [],
  };
}
