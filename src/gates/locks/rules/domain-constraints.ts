import type { Finding } from '../../../core/model.js';
import { astOf, listName, unwrap, unwrapAll } from '../../../sql/ast.js';
import { joinQualified, plainName } from '../../../sql/names.js';
import { at, type StatementContext } from '../context.js';
import { blocksWrites, modeName, tableLocks } from '../lock-modes.js';
import { LOCKS as R } from '../../../rules/index.js';

/**
 * Domains with CHECK constraints: adding one to a domain that columns already use makes Postgres
 * check every value of every such column, locking their tables for the scan; the trace shows
 * which pre-existing tables it locked and how.
 */

const COLUMN_CHECK =
  'Put the CHECK on the columns themselves: `ALTER TABLE <table> ADD CONSTRAINT ... CHECK (...) NOT VALID`, then VALIDATE CONSTRAINT in a later migration (SHARE UPDATE EXCLUSIVE, reads and writes go on).';

/** ALTER DOMAIN ... ADD CONSTRAINT (validated), VALIDATE CONSTRAINT and SET NOT NULL. */
export function alterDomainConstraint(sc: StatementContext): Finding[] {
  const a = astOf(sc.stmt, 'AlterDomainStmt');
  if (!a || !sc.trace || sc.trace.error) return [];
  const constraint = unwrap(a.def, 'Constraint');
  const adds = a.subtype === 'C' && constraint && !constraint.skip_validation;
  if (!adds && a.subtype !== 'N' && a.subtype !== 'V') return [];
  const domain = sc.scope.type(listName(a.typeName));
  // The scan's lock, per the trace: a validation that lets writes go on is not reported.
  const locked = tableLocks(sc).filter((l) => blocksWrites(l.mode));
  if (domain?.kind !== 'domain' || locked.length === 0) return [];
  const name = joinQualified(listName(a.typeName)!);
  const tables = locked.map((l) => `${plainName(l.table)} (${modeName(l.mode)})`).join(', ');
  const what =
    a.subtype === 'N'
      ? 'SET NOT NULL'
      : a.subtype === 'V'
        ? `VALIDATE CONSTRAINT ${a.name ?? ''}`.trim()
        : `ADD CONSTRAINT ${constraint?.conname ?? ''}`.trim();
  const message = `ALTER DOMAIN ${name} ${what} checks every value of every column of type ${name}: Postgres locked pre-existing tables ${tables} and scanned them, and writes to them wait for the whole scan.`;
  return [at(sc, R.alterDomainConstraint, message, COLUMN_CHECK)];
}

/** CREATE DOMAIN ... CHECK (...). */
export function createDomainWithCheck(sc: StatementContext): Finding[] {
  const a = astOf(sc.stmt, 'CreateDomainStmt');
  const checks = unwrapAll(a?.constraints, 'Constraint').filter(
    (c) => c.contype === 'CONSTR_CHECK',
  );
  if (!a || checks.length === 0) return [];
  const name = joinQualified(listName(a.domainname)!);
  const message = `CREATE DOMAIN ${name} has a CHECK constraint: changing it later (ADD CONSTRAINT, or a column switched to the domain) makes Postgres check every column of type ${name} in every table under lock, and the check cannot be added NOT VALID to one table at a time.`;
  return [
    at(
      sc,
      R.domainWithCheck,
      message,
      `Create the domain without the CHECK, or use the base type. ${COLUMN_CHECK}`,
    ),
  ];
}
