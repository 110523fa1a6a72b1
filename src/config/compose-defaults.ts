import { composePostgres, databasesCreatedBy } from './compose.js';

/**
 * Defaults the compose file gives when no flag or setting does: as many replicas as services
 * stream from its Postgres, and (database topology) the databases its init scripts create as the
 * tenants. Each value taken is said in a note.
 */
export function composeDefaults(
  repoRoot: string,
  want: { replicas: boolean; tenants: boolean },
): { replicas?: number; tenants?: string[]; notes: string[] } {
  if (!want.replicas && !want.tenants) return { notes: [] };
  const pg = composePostgres(repoRoot);
  if (!pg) return { notes: [] };
  const notes: string[] = [];
  const out: { replicas?: number; tenants?: string[] } = {};
  const where = `${pg.file} (service ${pg.service})`;
  // A compose file without replicas says nothing about production's: the default (1) stays.
  if (want.replicas && pg.replicas.length > 0) {
    out.replicas = Math.min(pg.replicas.length, 5);
    notes.push(`replicas: ${out.replicas} from ${where}, streamed to by ${pg.replicas.join(', ')}`);
  }
  if (want.tenants) {
    const names = databasesCreatedBy(repoRoot, pg.init)
      .filter((n) => /^[a-z_][a-z0-9_]{0,40}$/.test(n) && n !== pg.database)
      .slice(0, 100);
    if (names.length > 0) {
      out.tenants = names;
      notes.push(
        `tenants: ${names.join(', ')} from ${where}: the databases its init scripts create`,
      );
    }
  }
  return { ...out, notes };
}
