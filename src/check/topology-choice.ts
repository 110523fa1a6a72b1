/**
 * The topology a project's migrations can have, when no flag or setting chose one. Migrations
 * that name a schema on their tables (drizzle-kit writes `"public"."users"`; some teams write
 * `public.users`, others `CREATE SCHEMA app` and `app.users`) cannot be replayed once per tenant
 * schema: every tenant's would land in that one schema. Nor can migrations that look a table up
 * in the catalog by its name alone: in one database they find another tenant schema's table. Such
 * a project runs one database per tenant, and the check simulates that.
 */
import type { Migration } from '../core/model.js';
import { statementTargets } from '../sql/kinds.js';

/** A history this short says too little about how the project names its tables. */
const MIN_STATEMENTS = 5;

/** At least this share of the statements that name a table name it with a schema. */
const SHARE = 0.5;

/** Schemas of the catalog: reading them says nothing about where the project's tables are. */
const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

/**
 * How many statements name a table of the project, how many name every such table with a schema,
 * and which schemas those are.
 */
export function schemaQualified(migrations: Migration[]): {
  qualified: number;
  total: number;
  schemas: string[];
} {
  let qualified = 0;
  let total = 0;
  const schemas = new Set<string>();
  for (const m of migrations)
    for (const s of m.up.statements) {
      const targets = statementTargets(s).filter((t) => !SYSTEM_SCHEMAS.has(schemaOf(t) ?? ''));
      if (targets.length === 0) continue;
      total++;
      const named = targets.map(schemaOf);
      if (named.some((n) => n === undefined)) continue;
      qualified++;
      for (const n of named) schemas.add(n!);
    }
  return { qualified, total, schemas: [...schemas].sort() };
}

function schemaOf(target: string): string | undefined {
  const dot = target.indexOf('.');
  return dot > 0 ? target.slice(0, dot) : undefined;
}

/**
 * A table a migration creates without a schema that a later statement names in `public`
 * (`CREATE TABLE "registry"`, then `REFERENCES "public"."registry"`): per tenant schema, the
 * table is in the tenant's schema and the later statement looks for it in public.
 */
export function createdThenQualified(migrations: Migration[]): string | undefined {
  const created = new Set<string>();
  for (const m of migrations)
    for (const s of m.up.statements) {
      // Names in public anywhere in the text: also inside a DO block's dynamic SQL.
      for (const hit of s.sql.matchAll(PUBLIC_NAME)) {
        const name = hit[1] ?? hit[2].toLowerCase();
        if (created.has(name)) return `public.${name} (${s.file}:${s.line})`;
      }
      const table = s.kind === 'CreateStmt' ? statementTargets(s)[0] : undefined;
      if (table && !table.includes('.')) created.add(table);
    }
  return undefined;
}

/** `"public"."name"` or `public.name` in SQL text: the name, quoted (as is) or bare (folded). */
const PUBLIC_NAME = /(?:"public"|\bpublic)\s*\.\s*(?:"([^"]+)"|([A-Za-z_][\w$]*))/gi;

/**
 * A statement that looks an object up in the catalog by its name and not its schema
 * (`information_schema.tables WHERE table_name = 'schema_version'`), or in schema public by name
 * (`table_schema = 'public'`): in one database it finds what a tenant before made in its own
 * schema, or never finds the tenant's own.
 */
export function catalogLookupByName(migrations: Migration[]): string | undefined {
  for (const m of migrations)
    for (const s of m.up.statements)
      for (const lookup of CATALOG_LOOKUPS) {
        const hit = lookup.byName.exec(s.sql);
        if (!hit) continue;
        const filters = [...s.sql.matchAll(lookup.bySchema)];
        const inPublic = filters.length > 0 && filters.every((f) => /^'public'$/i.test(f[1]));
        if (filters.length > 0 && !inPublic) continue;
        const line = s.line + (s.sql.slice(0, hit.index).match(/\n/g)?.length ?? 0);
        const name = `${hit[1].replace(/\s+/g, '').toLowerCase()} by ${hit[2].toLowerCase()}`;
        const by = inPublic ? `${name} in schema public` : name;
        return `${by} at ${s.file}:${line}`;
      }
  return undefined;
}

/** What a schema filter compares with: a literal, a function call, a column. */
const COMPARED = String.raw`\s*(?:=|in\s*\(?)\s*('[^']*'|[\w.$]+(?:\(\))?)`;

/** The lookup's name filter, and its schema filter (whose compared value is captured). */
function lookup(from: string, byName: string, bySchema: string) {
  return {
    byName: new RegExp(String.raw`\b(${from})\b[\s\S]*?\b(${byName})\s*(?:=|in\b)`, 'i'),
    bySchema: new RegExp(String.raw`\b(?:${bySchema})${COMPARED}`, 'gi'),
  };
}

const CATALOG_LOOKUPS = [
  lookup(
    String.raw`information_schema\s*\.\s*(?:tables|columns|views|table_constraints|key_column_usage|constraint_column_usage|constraint_table_usage|triggers|sequences)`,
    'table_name|constraint_name|event_object_table|sequence_name|column_name',
    'table_schema|constraint_schema|event_object_schema|sequence_schema',
  ),
  lookup(
    String.raw`pg_(?:catalog\s*\.\s*)?(?:tables|indexes|views|matviews)`,
    'tablename|indexname|viewname|matviewname',
    'schemaname',
  ),
  lookup(
    String.raw`pg_(?:catalog\s*\.\s*)?(?:class|constraint|type)`,
    'relname|conname|typname',
    'relnamespace|connamespace|typnamespace|conrelid|nspname',
  ),
];

/** The note that says the database topology was chosen and why, or undefined to keep schema. */
export function databaseTopologyReason(migrations: Migration[]): string | undefined {
  const { qualified, total, schemas } = schemaQualified(migrations);
  const why = 'so a schema per tenant cannot hold them (set topology: to choose another)';
  if (total >= MIN_STATEMENTS && qualified >= total * SHARE) {
    const named = schemas.length === 1 ? `schema ${schemas[0]}` : `schemas ${schemas.join(', ')}`;
    return `topology: database, as the migrations name ${named} on their tables (${qualified} of ${total} statements), ${why}`;
  }
  const mixed = createdThenQualified(migrations);
  if (mixed)
    return `topology: database, as the migrations create tables without a schema and then name them in public (${mixed}), ${why}`;
  const lookup = catalogLookupByName(migrations);
  if (lookup)
    return `topology: database, as the migrations look a table up in the catalog by its name alone (${lookup}), which in one database finds the table another tenant's schema holds, ${why.replace('hold them', 'run them')}`;
  return undefined;
}
