/**
 * The replay gate's rules, and those whose findings carry the replay gate although the engine
 * makes them: what discovery finds the production tool would do to a script (goose, Flyway) and
 * the suppression comments themselves.
 */
import { defineRules } from './rule.js';

export const REPLAY = defineRules('replay', {
  syntax: {
    id: 'syntax-error',
    severity: 'blocker',
    title: 'A statement does not parse as PostgreSQL.',
  },
  notParsed: {
    id: 'statement-not-parsed',
    severity: 'notice',
    title:
      'A statement is too large to parse (over 1 MB), so only the live database judged it: static checks skipped it.',
  },
  failed: {
    id: 'migration-failed',
    severity: 'blocker',
    title: 'A statement of the PR fails on a tenant.',
  },
  hostAccess: {
    id: 'host-access',
    severity: 'blocker',
    title:
      "A statement reaches the server's host: runs a program, reads or writes a server file, uses an untrusted language or C, or runs ALTER SYSTEM.",
  },
  requiresSuperuser: {
    id: 'requires-superuser',
    severity: 'warning',
    title:
      'A statement needs a superuser, which migrations on managed platforms (RDS, Cloud SQL, Supabase, Neon) are not.',
  },
  timeout: {
    id: 'statement-timeout',
    severity: 'blocker',
    title: 'A statement ran longer than the statement timeout.',
  },
  gooseStatementSplit: {
    id: 'goose-statement-split',
    severity: 'blocker',
    title: 'goose would cut a statement at a line ending in `;` outside StatementBegin/End.',
  },
  gooseEnvsubUnset: {
    id: 'goose-envsub-unset',
    severity: 'warning',
    otherSeverities: { blocker: 'for `${VAR:?message}` and `${VAR?message}`' },
    title: 'An environment variable in a goose ENVSUB region is not set.',
  },
  flywayPlaceholder: {
    id: 'flyway-placeholder',
    severity: 'blocker',
    title: 'A Flyway placeholder has no value, so Flyway refuses the script.',
  },
  templatePlaceholder: {
    id: 'template-placeholder',
    severity: 'blocker',
    title:
      'A `{{ … }}` template expression or a `:NAME` placeholder (graphile-migrate, psql) in SQL has no value, so the statement cannot be replayed.',
  },
  flywayMixedTransaction: {
    id: 'flyway-mixed-transaction',
    severity: 'blocker',
    title:
      'A Flyway script mixes statements that cannot run in a transaction with ones that do, so Flyway refuses it (unless `mixed=true`).',
  },
  ignoreWithoutReason: {
    id: 'ignore-without-reason',
    severity: 'notice',
    title: 'A `schemagate:ignore` comment gives no reason, so it suppresses nothing.',
  },
  unusedIgnore: {
    id: 'unused-ignore',
    severity: 'notice',
    title: 'A `schemagate:ignore` comment suppresses nothing.',
  },
});
