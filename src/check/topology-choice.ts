/**
 * The topology a project's migrations can have, when no flag or setting chose one. Migrations
 * that name schema `public` on their tables (drizzle-kit writes `"public"."users"`; some teams
 * write `public.users`) cannot be replayed once per tenant schema: every tenant's would land in
 * `public`. Such a project runs one database per tenant, and the check simulates that.
 */
import type { Migration } from '../core/model.js';
import { statementTargets } from '../sql/kinds.js';

/** A history this short says too little about how the project names its tables. */
const MIN_STATEMENTS = 5;

/** At least this share of the statements that name a table name it in `public`. */
const SHARE = 0.5;

/** How many statements name a table, and how many name every table they name in `public`. */
export function publicQualified(migrations: Migration[]): { qualified: number; total: number } {
  let qualified = 0;
  let total = 0;
  for (const m of migrations)
    for (const s of m.up.statements) {
      const targets = statementTargets(s);
      if (targets.length === 0) continue;
      total++;
      if (targets.every((t) => t.startsWith('public.'))) qualified++;
    }
  return { qualified, total };
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

/** The note that says the database topology was chosen and why, or undefined to keep schema. */
export function databaseTopologyReason(migrations: Migration[]): string | undefined {
  const { qualified, total } = publicQualified(migrations);
  const why = 'so a schema per tenant cannot hold them (set topology: to choose another)';
  if (total >= MIN_STATEMENTS && qualified >= total * SHARE)
    return `topology: database, as the migrations name schema public on their tables (${qualified} of ${total} statements), ${why}`;
  const mixed = createdThenQualified(migrations);
  if (mixed)
    return `topology: database, as the migrations create tables without a schema and then name them in public (${mixed}), ${why}`;
  return undefined;
}
