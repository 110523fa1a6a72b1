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

/** The note that says the database topology was chosen and why, or undefined to keep schema. */
export function databaseTopologyReason(migrations: Migration[]): string | undefined {
  const { qualified, total } = publicQualified(migrations);
  if (total < MIN_STATEMENTS || qualified < total * SHARE) return undefined;
  return `topology: database, as the migrations name schema public on their tables (${qualified} of ${total} statements), so a schema per tenant cannot hold them (set topology: to choose another)`;
}
