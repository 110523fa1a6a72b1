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

/** Referrers of a snapshot, made once: tenants alike share one snapshot object. */
const made = new WeakMap<CatalogSnapshot, Referrer[]>();

function referrers(s: CatalogSnapshot): Referrer[] {
  let found = made.get(s);
  if (!found) {
    found = referrersOf(s);
    made.set(s, found);
  }
  return found;
}

function referrersOf(s: CatalogSnapshot): Referrer[] {
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

/**
 * The schema names texts mention, as `mentions` matches them, found by a look-up of each word
 * instead of a search for each name: with many tenants, every text would be searched once per
 * tenant schema. Names with characters outside a word are searched for the old way.
 */
class SchemaNames {
  private readonly plain = new Map<string, string[]>();
  private readonly odd: string[] = [];
  private readonly order: Map<string, number>;

  constructor(readonly schemas: string[]) {
    this.order = new Map(schemas.map((name, i) => [name, i]));
    for (const name of schemas) {
      if (!WORD.test(name)) this.odd.push(name);
      else {
        const key = name.toLowerCase();
        this.plain.set(key, [...(this.plain.get(key) ?? []), name]);
      }
    }
  }

  /** The schemas a word names: `"Name"` exactly, a bare word in any case. */
  private named(token: string): string[] {
    const quoted = QUOTED.exec(token)?.[1];
    if (quoted === undefined) return this.plain.get(token.toLowerCase()) ?? [];
    return this.order.has(quoted) ? [quoted] : [];
  }

  /** The names among `others` that one of the texts mentions, in the order of `schemas`. */
  mentionedIn(texts: string[], others: Set<string>): string[] {
    const hits = new Set<string>();
    for (const text of texts) {
      for (const token of text.match(TOKENS) ?? []) {
        for (const name of this.named(token)) if (others.has(name)) hits.add(name);
      }
      for (const name of this.odd) if (others.has(name) && mentions(text, name)) hits.add(name);
    }
    return [...hits].sort((a, b) => this.order.get(a)! - this.order.get(b)!);
  }
}

const WORD = /^[A-Za-z0-9_$]+$/;
const TOKENS = /[A-Za-z0-9_$"]+/g;
const QUOTED = /^"([A-Za-z0-9_$]+)"$/;

function references(
  s: CatalogSnapshot,
  names: SchemaNames,
  others: Set<string>,
): Array<{ r: Referrer; schema: string }> {
  return referrers(s).flatMap((r) =>
    names.mentionedIn(r.texts, others).map((schema) => ({ r, schema })),
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
  const names = new SchemaNames([...tenantSchemas.values()]);
  for (const [tenant, snapshot] of after) {
    const others = new Set(
      [...tenantSchemas].filter(([t]) => t !== tenant).map(([, schema]) => schema),
    );
    const old = new Set(
      references(before.get(tenant) ?? emptyish(), names, others).map(
        (x) => `${x.r.label} ${x.schema}`,
      ),
    );
    for (const { r, schema } of references(snapshot, names, others)) {
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
