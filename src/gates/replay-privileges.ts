import type { Finding } from '../core/model.js';
import type { StatementTrace, TenantTrace } from '../core/trace.js';
import { REPLAY, finding } from '../rules/index.js';

/**
 * Findings of the statements Postgres refused the migration role (src/replay/privilege-guard.ts):
 * host access is a blocker, a statement that needs a superuser a warning. One finding per
 * statement, however many tenants ran it.
 */

const PLATFORMS =
  "it fails on RDS, Cloud SQL, Supabase and Neon, where migrations run as the platform's admin role";

function message(t: StatementTrace): string {
  const p = t.privilege!;
  const refused = `Postgres refused it to the migration role: ${p.refusal.message} (SQLSTATE ${p.refusal.sqlstate})`;
  if (p.kind === 'host-access') {
    return `${t.file}:${t.line}: the statement reaches the database server's host: ${refused}; the migration stops here, as it would on a managed platform, and nothing ran outside the throwaway server`;
  }
  const then =
    p.outcome === 'superuser'
      ? 'schemagate applied it as a superuser so that the replay goes on'
      : p.outcome === 'skipped'
        ? 'the replay went on without it'
        : 'the migration stops here';
  return `${t.file}:${t.line}: the statement needs a superuser: ${PLATFORMS}. ${refused}; ${then}`;
}

const HELP = {
  'host-access':
    "Migrations must not run programs, read or write the server's files, use untrusted languages or C, or change the server's configuration: no managed platform allows it, and on a self-hosted server it hands the migration the machine. Load data with COPY FROM STDIN (psql's \\copy), write functions in plpgsql or SQL, and set parameters per database or role (ALTER DATABASE … SET).",
  'requires-superuser':
    "Run the statement outside the migrations where the platform allows it (its console, or a setup step with the platform's own tools), or use what the admin role may: trusted extensions, the platform's allowlisted extensions, roles without SUPERUSER, REPLICATION or BYPASSRLS. Set `migrationRole: superuser` only if production migrations really run as a superuser.",
};

export function privilegeFindings(traces: TenantTrace[]): Finding[] {
  const seen = new Map<string, StatementTrace>();
  for (const tt of traces) {
    for (const t of tt.statements) {
      if (!t.privilege) continue;
      const key = `${t.file}:${t.line}:${t.privilege.kind}`;
      if (!seen.has(key)) seen.set(key, t);
    }
  }
  return [...seen.values()].map((t) => {
    const kind = t.privilege!.kind;
    return finding(kind === 'host-access' ? REPLAY.hostAccess : REPLAY.requiresSuperuser, {
      file: t.file,
      line: t.line,
      endLine: t.endLine,
      message: message(t),
      help: HELP[kind],
    });
  });
}
