import type { FailOn, Finding, GateId, MigrationState, Severity, TopologyKind } from './model.js';
import type { StatementTrace } from './trace.js';

/** The JSON report, `schemaVersion: 1` (see ARCHITECTURE.md: a contract). */
export interface Report {
  schemaVersion: 1;
  tool: { name: 'schemagate'; version: string };
  executionId: string;
  startedAt: string;
  durationMs: number;
  status: 'passed' | 'blocked' | 'error';
  topology: {
    kind: TopologyKind;
    tenants: string[];
    replicas: number;
    provider: string;
    postgres: string;
    /** What the replica gate measured on each replica. */
    replicaNodes?: ReplicaNode[];
    /**
     * Where the base came from: the merged history replayed, a schema dump (`baseline:`), or a
     * snapshot of N variants standing for M production tenants.
     */
    base?: BaseSource;
  };
  format?: { name: string; reason: string };
  migrations: Array<{
    id: string;
    file: string;
    down?: string;
    state: MigrationState | 'removed';
    statements: number;
  }>;
  steps: Step[];
  findings: Finding[];
  /** Per-statement trace of the PR's migrations (first tenant), for the reports. */
  trace?: StatementTrace[];
  notes: string[];
  summary: {
    blockers: number;
    warnings: number;
    notices: number;
    migrationsApplied: number;
    tenantsValidated: number;
    gatesPassed: number;
  };
  /** Present when status is `error`. */
  error?: { message: string; exitCode: number };
  /**
   * Present when the base could not be built (status `error`, exit 3): a merged migration (or
   * anything else that runs before the PR's first migration) failed. Never a finding: the PR
   * did not cause it and cannot fix it; a setting of the check does.
   */
  setupError?: SetupError;
  /**
   * When `migrations:` lists several sets: each set's outcome, in the order listed. Findings then
   * carry `set` (the set's directory).
   */
  sets?: SetReport[];
}

/** One migration set's outcome in a report of several. */
export interface SetReport {
  dir: string;
  format: string;
  /** The database the set shares with the sets before it that name it. */
  database?: string;
  status: Report['status'];
  summary: Report['summary'];
  error?: Report['error'];
  setupError?: SetupError;
}

export type BaseSource =
  | { kind: 'history' }
  | { kind: 'dump'; path: string }
  | { kind: 'snapshot'; path: string; variants: number; tenants: number };

/** Where the base came from, for the reports' headers; undefined for the merged history. */
export function baseLine(base: BaseSource | undefined): string | undefined {
  if (!base || base.kind === 'history') return undefined;
  if (base.kind === 'dump') return `base: the schema dump ${base.path}`;
  return `base: the snapshot ${base.path}, ${base.variants} variant(s) for ${base.tenants} tenant(s)`;
}

/** Why the base could not be built, and the one setting that fixes it. */
export interface SetupError {
  /** The merged file and 1-based line of the failing statement (of the import, for `import-error`). */
  file?: string;
  line?: number;
  /** Postgres' message with its SQLSTATE (and detail); Python's for `import-error`. */
  message: string;
  cause: SetupCause;
  /** The setting (or flag) that makes the base build. */
  remedy: string;
}

export const SETUP_CAUSES = {
  'missing-extension': 'an extension this Postgres does not have',
  'missing-role': 'a role the migrations expect to exist',
  'missing-object': 'a schema or object the migrations expect to exist',
  'template-placeholder': 'a template placeholder with no value',
  'tool-table': "the migration tool's own table",
  'transaction-directive': 'a statement that cannot run inside a transaction block',
  'statement-failed': 'a merged statement that fails on an empty database',
  'setup-script': 'a setup script (setup:, or an init script of the compose file) that fails',
  'import-error': "a module the migrations' Python code imports that the interpreter lacks",
} as const;
export type SetupCause = keyof typeof SETUP_CAUSES;

/** The one-line form: `could not build the base: file:line: message (cause). Fix: remedy`. */
export function setupErrorLine(e: SetupError): string {
  const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : '';
  return `could not build the base: ${where}${e.message.replace(/\.+$/, '')} (${SETUP_CAUSES[e.cause]}). Fix: ${e.remedy}`;
}

export interface ReplicaNode {
  name: string;
  /** Time the replica took to replay the primary's WAL after the PR. */
  lagMs: number;
  caughtUp: boolean;
  /** Catalog fingerprint (first 12 hex digits) per tenant on the replica. */
  fingerprints: Record<string, string>;
  /** Whether every tenant's fingerprint equals the primary's. */
  matchesPrimary: boolean;
}

export interface Step {
  action: string;
  status: 'ok' | 'warning' | 'blocked' | 'error' | 'skipped';
  durationMs: number;
  details: string;
}

export const TOOL_VERSION = '0.1.0';

const SEVERITY_RANK: Record<Severity, number> = { blocker: 0, warning: 1, notice: 2 };

/** Most severe first, then by file and line: the order annotations are emitted in. */
export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.rule.localeCompare(b.rule) ||
      (a.tenant ?? '').localeCompare(b.tenant ?? ''),
  );
}

export function countFindings(
  findings: Finding[],
): Pick<Report['summary'], 'blockers' | 'warnings' | 'notices'> {
  return {
    blockers: findings.filter((f) => f.severity === 'blocker').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    notices: findings.filter((f) => f.severity === 'notice').length,
  };
}

/** Whether the findings reach the --fail-on threshold. */
export function reachesFailOn(findings: Finding[], failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  if (failOn === 'warning') return findings.some((f) => f.severity !== 'notice');
  return findings.some((f) => f.severity === 'blocker');
}

export function gateStatus(gate: GateId, findings: Finding[]): Step['status'] {
  const mine = findings.filter((f) => f.gate === gate);
  if (mine.some((f) => f.severity === 'blocker')) return 'blocked';
  if (mine.some((f) => f.severity === 'warning')) return 'warning';
  return 'ok';
}

/** Exit code of the CLI for a finished report. */
export function exitCodeFor(report: Report, failOn: FailOn): number {
  if (report.status === 'error') return report.error?.exitCode ?? 3;
  return reachesFailOn(report.findings, failOn) ? 1 : 0;
}
