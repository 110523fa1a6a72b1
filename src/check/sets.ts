/**
 * Several migration sets in one repository (`migrations: [{dir, format, database}]`): each is
 * checked on a database of its own, or after the sets listed before it that name the same
 * database, and one report holds them all, its findings grouped by set.
 */
import { randomUUID } from 'node:crypto';
import type { MigrationSet, Options } from '../core/options.js';
import {
  TOOL_VERSION,
  countFindings,
  reachesFailOn,
  sortFindings,
  type Report,
  type SetReport,
} from '../core/report.js';

/** The options that check one set: its directory and format, and the sets it replays after. */
export function optionsForSet(options: Options, index: number): Options {
  const sets = options.sets ?? [];
  const set = sets[index];
  const prelude = set.database
    ? sets.slice(0, index).filter((s) => s.database === set.database)
    : [];
  const { sets: _all, ...rest } = options;
  void _all;
  return { ...rest, dir: set.dir, format: set.format, ...(prelude.length ? { prelude } : {}) };
}

/** What the logs and the report call a set. */
export function setLabel(set: MigrationSet): string {
  return set.database ? `${set.dir} (database ${set.database})` : set.dir;
}

/**
 * One report of every set's run: findings, migrations, steps and notes of all of them, each
 * finding, step and note marked with its set; `sets` summarises each. The status is the worst
 * (error, then blocked), the exit code of an error the first set's that had one.
 */
export function combineReports(runs: Array<{ set: MigrationSet; report: Report }>): Report {
  const first = runs[0].report;
  const findings = sortFindings(
    runs.flatMap(({ set, report }) => report.findings.map((f) => ({ ...f, set: set.dir }))),
  );
  const errored = runs.find((r) => r.report.status === 'error');
  const status = errored ? 'error' : reachesFailOn(findings, 'blocker') ? 'blocked' : 'passed';
  const sum = (key: 'migrationsApplied' | 'tenantsValidated' | 'gatesPassed') =>
    runs.reduce((n, r) => n + r.report.summary[key], 0);
  const setupError = errored?.report.setupError;
  return {
    schemaVersion: 1,
    tool: { name: 'schemagate', version: TOOL_VERSION },
    executionId: randomUUID(),
    startedAt: first.startedAt,
    durationMs: runs.reduce((n, r) => n + r.report.durationMs, 0),
    status,
    topology: first.topology,
    ...(first.format ? { format: first.format } : {}),
    migrations: runs.flatMap((r) => r.report.migrations),
    steps: runs.flatMap(({ set, report }) =>
      report.steps.map((s) => ({ ...s, action: `${set.dir}: ${s.action}` })),
    ),
    findings,
    trace: runs.find((r) => r.report.trace?.length)?.report.trace,
    notes: runs.flatMap(({ set, report }) => report.notes.map((n) => `${set.dir}: ${n}`)),
    summary: {
      ...countFindings(findings),
      migrationsApplied: sum('migrationsApplied'),
      tenantsValidated: Math.max(...runs.map((r) => r.report.summary.tenantsValidated)),
      gatesPassed: sum('gatesPassed'),
    },
    sets: runs.map(({ set, report }) => setReport(set, report)),
    ...(errored?.report.error
      ? {
          error: {
            ...errored.report.error,
            message: `${errored.set.dir}: ${errored.report.error.message}`,
          },
        }
      : {}),
    ...(setupError ? { setupError } : {}),
  };
}

function setReport(set: MigrationSet, report: Report): SetReport {
  return {
    dir: set.dir,
    format: report.format?.name ?? set.format,
    ...(set.database ? { database: set.database } : {}),
    status: report.status,
    summary: report.summary,
    ...(report.error ? { error: report.error } : {}),
    ...(report.setupError ? { setupError: report.setupError } : {}),
  };
}
