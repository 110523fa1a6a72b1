import type { CatalogSnapshot, TableInfo } from '../../catalog/types.js';
import type { Finding } from '../../core/model.js';
import { quoteIdentIfNeeded as sqlName } from '../../sql/ident.js';
import type { StatementLocator, ObjectQuery } from './locate.js';
import { bareName } from './names.js';
import { finding, type Rule } from '../../rules/index.js';
import type { ScopeOptions } from './tenant-scope.js';

/** What the static shared-topology rules read, and the keyed findings they return. */

/** A finding with the object it is about, so that findings already true before the PR drop out. */
export interface Keyed {
  key: string;
  /** Bare name of the table the finding is about, when it is about one. */
  table?: string;
  finding: Finding;
}

export interface StaticInput extends ScopeOptions {
  snapshot: CatalogSnapshot;
  locator: StatementLocator;
  /** Server major version: security_invoker needs 15. */
  pgMajor: number;
  /**
   * Whether a table owned by this role needs FORCE ROW LEVEL SECURITY: the tenant's role owns it
   * (or is a member of its owner) or has BYPASSRLS. Absent: always (the role is not known).
   */
  forceNeeded?: (owner: string) => boolean;
}

export function keyed(
  rule: Rule,
  object: string,
  q: ObjectQuery,
  input: StaticInput,
  fields: { message: string; help: string },
  table?: string,
): Keyed {
  const at = input.locator.find(q);
  return {
    key: `${rule.id} ${object}`,
    ...(table ? { table } : {}),
    finding: finding(rule, { ...(at ?? {}), ...fields }),
  };
}

export function tableQuery(table: TableInfo, actions: ObjectQuery['actions']): ObjectQuery {
  return { kind: 'table', name: bareName(table.name), actions };
}

/** The application role for help texts: the configured one, else a placeholder to fill in. */
export function appRoleSql(configured: string | undefined): string {
  return configured ? sqlName(configured) : '<application role>';
}
