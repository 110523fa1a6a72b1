import type { FailOn, Format, ProviderName, Severity, TopologyKind } from './model.js';

/**
 * One validated Options object, built by the CLI from argv (+ config file) and by the Action from
 * its inputs. The engine reads nothing else.
 */
export interface Options {
  /** Repository root (git work tree); all reported paths are relative to it. */
  repoRoot: string;
  /** Migration directory, relative to repoRoot. */
  dir: string;
  format: Format | 'auto';
  base?: string;
  topology: TopologyKind;
  /** Tenant names, `tenant_1..N` unless configured. */
  tenants: string[];
  tenantColumn: string;
  tenantSetting: string;
  replicas: number;
  provider: ProviderName;
  databaseUrl?: string;
  pgVersion?: string;
  /** Where pgVersion came from when no flag or config set it (the docker-compose hint). */
  pgVersionSource?: string;
  failOn: FailOn;
  /** Rule severity overrides from config: `off` drops the rule's findings. */
  rules: Record<string, Severity | 'off'>;
  /** Gates to run (all registered ones by default). */
  gates?: string[];
  /** Per-gate and per-format settings from `.schemagate.yml`, validated by their owners. */
  settings: GateSettings;
  /** File the config was read from, for messages. */
  configFile?: string;
}

export interface GateSettings {
  /** Rows to seed into every pre-existing table before the PR's migrations. */
  seedRows: number;
  /** Bound on one statement's run time; a statement that runs longer is cancelled (a finding). */
  statementTimeoutMs: number;
  /** Schema shared by all tenants in the `schema` topology (resolved after the tenant's). */
  sharedSchema: string;
  locks: Record<string, unknown>;
  isolation: Record<string, unknown>;
  rollback: Record<string, unknown>;
  replica: Record<string, unknown>;
  compat: Record<string, unknown>;
  graph: Record<string, unknown>;
  alembic: Record<string, unknown>;
  sqlc: Record<string, unknown>;
  /** Flyway: `placeholders: { name: value }`, `placeholderPrefix`, `placeholderSuffix`, `placeholderReplacement`. */
  flyway: Record<string, unknown>;
}

export function defaultSettings(): GateSettings {
  return {
    seedRows: 2000,
    statementTimeoutMs: 60_000,
    sharedSchema: 'public',
    locks: {},
    isolation: {},
    rollback: {},
    replica: {},
    compat: {},
    graph: {},
    alembic: {},
    sqlc: {},
    flyway: {},
  };
}

export function tenantNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `tenant_${i + 1}`);
}
