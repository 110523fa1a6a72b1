import type { Finding } from '../../core/model.js';
import { alterCmds, astOf, rangeVar, relationOf, unwrap } from '../../sql/ast.js';
import { plainName } from '../../sql/names.js';
import { at, waitNote, type StatementContext } from './context.js';
import { LOCKS as R } from '../../rules/index.js';

/**
 * A new partition of a partitioned table that has a DEFAULT partition: Postgres scans the
 * default partition to prove none of its rows belong to the new bounds, holding ACCESS EXCLUSIVE
 * on it for the scan. The trace shows which pre-existing table was locked so.
 */

interface NewPartition {
  parent: string;
  /** The new partition's own name (not a scan of a pre-existing table). */
  partition?: string;
  verb: string;
}

function newPartition(sc: StatementContext): NewPartition | undefined {
  const { stmt, scope } = sc;
  const a = astOf(stmt, 'CreateStmt');
  if (a?.partbound && !a.partbound.is_default) {
    const parent = scope.table(rangeVar(unwrap(a.inhRelations?.[0], 'RangeVar')));
    if (parent) {
      return {
        parent,
        partition: a.relation?.relname,
        verb: `CREATE TABLE ${a.relation?.relname} PARTITION OF`,
      };
    }
  }
  for (const cmd of alterCmds(stmt)) {
    const def = unwrap(cmd.def, 'PartitionCmd');
    if (cmd.subtype !== 'AT_AttachPartition' || !def?.bound || def.bound.is_default) continue;
    const parent = scope.table(rangeVar(relationOf(stmt)));
    if (parent) {
      return {
        parent,
        partition: def.name?.relname,
        verb: `ATTACH PARTITION ${def.name?.relname} to`,
      };
    }
  }
  return undefined;
}

function defaultPartitionScan(sc: StatementContext): Finding[] {
  const found = newPartition(sc);
  if (!found || !sc.trace || sc.trace.error) return [];
  const parent = plainName(found.parent);
  const scanned = sc.trace.locks.filter(
    (l) =>
      l.preexisting &&
      l.mode === 'AccessExclusiveLock' &&
      plainName(sc.scope.traceKey(l.relation)) !== parent &&
      l.relation !== found.partition &&
      sc.scope.isTable(sc.scope.traceKey(l.relation)),
  );
  return scanned.map((l) =>
    at(
      sc,
      R.defaultPartitionScan,
      `${found.verb} ${parent} scans ${l.relation}, the default partition, under ACCESS EXCLUSIVE to prove that none of its rows belong to the new bounds: every read and write of ${l.relation} waits for the scan, which grows with the rows the default partition holds.${waitNote(sc)}`,
      `Keep the default partition empty, or first add to ${l.relation} a CHECK constraint that excludes the new bounds (NOT VALID, then VALIDATE CONSTRAINT in a later migration): Postgres then skips the scan.`,
    ),
  );
}

export const PARTITION_RULES: Array<(sc: StatementContext) => Finding[]> = [defaultPartitionScan];
