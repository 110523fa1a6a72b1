/**
 * CREATE EXTENSION in a schema-per-tenant migration. An extension exists once per database, but
 * the migration runs once per tenant with the tenant's schema first on its search_path:
 * - without `SCHEMA`, the first tenant's run installs it in that tenant's schema and every later
 *   tenant skips it (IF NOT EXISTS), so its functions and types resolve for the first tenant only;
 * - without `IF NOT EXISTS`, every run after the first fails: "extension ... already exists".
 * Replay installs such an extension once, in the shared schema, so that the rest can be judged;
 * these findings say what production would do instead.
 */
import type { CatalogSnapshot } from '../../catalog/types.js';
import type { Finding, Migration, Statement } from '../../core/model.js';
import { ISOLATION, finding } from '../../rules/index.js';
import { astOf, hasOption, unwrap } from '../../sql/ast.js';

/** Extensions the database had before the PR: in a snapshot, or created by a merged migration. */
export function extensionsBefore(
  before: Map<string, CatalogSnapshot>,
  merged: Migration[],
): Set<string> {
  const names = new Set<string>(['plpgsql']);
  for (const s of before.values()) for (const e of s.extensions) names.add(e.name);
  for (const m of merged)
    for (const stmt of m.up.statements) {
      const name = astOf(stmt, 'CreateExtensionStmt')?.extname;
      if (name) names.add(name);
    }
  return names;
}

/** DROP EXTENSION in a tenant's down: rolling back one tenant takes it from all of them. */
export function extensionDropFindings(downs: Statement[]): Finding[] {
  return downs.flatMap((stmt) => {
    const a = astOf(stmt, 'DropStmt');
    if (a?.removeType !== 'OBJECT_EXTENSION') return [];
    const names = (a.objects ?? []).map((o) => unwrap(o, 'String')?.sval ?? '?');
    return [
      finding(ISOLATION.crossSchemaWrite, {
        file: stmt.file,
        line: stmt.line,
        endLine: stmt.endLine,
        message: `a tenant's down drops extension ${names.join(', ')}, which exists once for the database: rolling back one tenant removes it for every tenant, or fails (SQLSTATE 2BP01) when other tenants' objects depend on it`,
        help: 'Leave shared extensions out of tenant downs; remove an extension, if ever, in a migration that runs once for the database.',
      }),
    ];
  });
}

export function extensionFindings(statements: Statement[], existing: Set<string>): Finding[] {
  return statements.flatMap((stmt) => {
    const a = astOf(stmt, 'CreateExtensionStmt');
    if (!a?.extname) return [];
    const name = a.extname;
    const place = { file: stmt.file, line: stmt.line, endLine: stmt.endLine };
    const help = `Install it once for the database, in a shared schema: CREATE EXTENSION IF NOT EXISTS ${name} SCHEMA public; (or in a migration that runs once, outside the tenant loop).`;
    if (existing.has(name)) {
      if (a.if_not_exists) return [];
      return [
        finding(ISOLATION.crossSchemaWrite, {
          ...place,
          message: `extension ${name} is already installed in the database before this migration, and CREATE EXTENSION without IF NOT EXISTS fails on it: every tenant's run stops here with "extension "${name}" already exists"`,
          help,
        }),
      ];
    }
    const problems: string[] = [];
    if (!hasOption(a.options, 'schema')) {
      problems.push(
        `without SCHEMA, the first tenant's run installs ${name} in that tenant's schema (the head of its search_path), and every later tenant ${a.if_not_exists ? 'skips it' : 'fails'}: its functions and types resolve for the first tenant only`,
      );
    }
    if (!a.if_not_exists) {
      problems.push(
        `without IF NOT EXISTS, every tenant's run after the first fails with "extension "${name}" already exists"`,
      );
    }
    if (problems.length === 0) return [];
    return [
      finding(ISOLATION.crossSchemaWrite, {
        ...place,
        message: `CREATE EXTENSION ${name} runs once per tenant, but an extension exists once per database: ${problems.join('; ')}`,
        help,
      }),
    ];
  });
}
