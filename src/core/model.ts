/**
 * The shared vocabulary of schemagate: what discovery produces, what replay traces, what gates
 * return and what the report carries. Every stage reads and writes these shapes only.
 */
import type { Node } from '@pgsql/types';

export const FORMATS = [
  'golang-migrate',
  'goose',
  'dbmate',
  'flyway',
  'plain',
  'prisma',
  'drizzle',
  'sqlc',
  'alembic',
] as const;
export type Format = (typeof FORMATS)[number];

export const TOPOLOGIES = ['schema', 'database', 'shared'] as const;
export type TopologyKind = (typeof TOPOLOGIES)[number];

export const PROVIDERS = ['auto', 'embedded', 'docker', 'local', 'url'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const GATES = [
  'replay',
  'graph',
  'locks',
  'isolation',
  'rollback',
  'replica',
  'compat',
] as const;
export type GateId = (typeof GATES)[number];

export const SEVERITIES = ['blocker', 'warning', 'notice'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type FailOn = 'blocker' | 'warning' | 'never';

/**
 * How the production migration tool sends a script to Postgres.
 * - `transaction`: the tool wraps the script in BEGIN/COMMIT and runs statements one by one
 *   (goose, dbmate, Flyway, Prisma, Alembic by default).
 * - `implicit`: the tool sends the whole script as one simple-query string, which Postgres runs
 *   as one implicit transaction unless the script has its own BEGIN/COMMIT (golang-migrate,
 *   dbmate `transaction:false`, Prisma).
 * - `none`: every statement runs on its own, autocommitted (goose `NO TRANSACTION`, Flyway
 *   `executeInTransaction=false`).
 */
export type TransactionMode = 'transaction' | 'implicit' | 'none';

/** `-- schemagate:ignore <rule-id> <reason>` on the line before a statement. */
export interface Ignore {
  rule: string;
  reason: string;
  line: number;
}

/** The payload of any parse node: the object under its one key (`{ IndexStmt: {...} }`). */
export type ParsedNode = Payload<Node>;
type Payload<N> = N extends unknown ? N[keyof N] : never;

export interface Statement {
  /** The statement text exactly as written, without the terminating semicolon. */
  sql: string;
  /** Path relative to the repository root, with forward slashes. */
  file: string;
  /** 1-based first and last line of the statement in `file`. */
  line: number;
  endLine: number;
  /**
   * libpg-query node type, e.g. `CreateStmt`, `IndexStmt`; `Unparsed` when it does not parse;
   * `NotParsed` when it is too large to parse (MAX_PARSED_STATEMENT_BYTES in src/sql/split.ts).
   */
  kind: string;
  /**
   * The parsed node (the value under `kind`), absent when the statement does not parse. Read it
   * through `astOf` (src/sql/ast.ts), which narrows it to the node type of a kind.
   */
  ast?: ParsedNode;
  /** The parser's message when the statement does not parse. */
  parseError?: string;
  ignores: Ignore[];
}

export interface Script {
  file: string;
  transaction: TransactionMode;
  statements: Statement[];
}

export type MigrationState = 'merged' | 'new' | 'changed';

export interface Migration {
  /** The version or revision id as the production tool knows it (`000002`, `1.2`, `a1b2c3`). */
  id: string;
  /** Human description (`create_users`). */
  name: string;
  format: Format;
  /** Ordering key: compared element-wise, numbers numerically (see compareSortKeys). */
  sortKey: Array<number | string>;
  /** Up file (or the one file that holds up and down), relative to the repository root. */
  file: string;
  /** Separate down file, when the format keeps downs in their own file. */
  downFile?: string;
  up: Script;
  down?: Script;
  /** sha256 of the up and down sources; what `plan` compares against the base ref. */
  checksum: string;
  /**
   * A schema file kept in place rather than a migration step (sqlc `schema: schema.sql`): a PR
   * that appends statements adds them as a step; one that rewrites it is replayed whole.
   */
  declarative?: boolean;
  /** A down section (goose, dbmate) is there but holds no statement: an explicit no-op down. */
  emptyDown?: boolean;
  /** Flyway `R__` repeatable migrations run after versioned ones whenever their checksum changes. */
  repeatable?: boolean;
  /**
   * Drizzle: the journal entry's `when` (ms), which drizzle-orm compares with the newest applied
   * migration's to decide what is pending, and where the journal says it.
   */
  journalWhen?: { millis: number; file: string; line: number };
  /** Alembic: parent revisions (`down_revision`), with the line that declares them. */
  parents?: string[];
  parentsLine?: number;
  /** Set by plan. Discovery returns `new`. */
  state: MigrationState;
}

export interface Finding {
  gate: GateId;
  rule: string;
  severity: Severity;
  file?: string;
  line?: number;
  endLine?: number;
  /** The one tenant it holds on, when it holds on one tenant only. */
  tenant?: string;
  /**
   * The tenants it holds on, when it holds on several: one finding per statement and rule
   * (src/gates/tenant-findings.ts), never one per tenant. With a snapshot baseline, the first
   * few of production's tenants.
   */
  tenants?: string[];
  /** How many tenants it holds on (`tenants` may name only the first few). */
  tenantCount?: number;
  message: string;
  help?: string;
  docs?: string;
  /** The migration set's directory, when `migrations:` lists several. */
  set?: string;
}

/** What discovery found in one directory. */
export interface Discovery {
  format: Format;
  /** Why this format was chosen (`--format auto` explains itself in the report). */
  reason: string;
  /** Ordered as the production tool would apply them. */
  migrations: Migration[];
  /**
   * The tool applies every pending migration of a deploy in one transaction (drizzle-orm's
   * migrator; Alembic unless env.py sets transaction_per_migration): the PR's are replayed so.
   */
  oneTransaction?: boolean;
  /** Problems found while reading (unparseable SQL, orphan down files, journal mismatches...). */
  findings: Finding[];
  /** Notes for the report (e.g. "Prisma migrations have no downs"). */
  notes: string[];
  /** Query files the application ships (sqlc `queries`), repository-relative; read by compat. */
  queries?: string[];
  /** Flyway `outOfOrder=true`: a new version below the newest applied one runs, after it. */
  outOfOrder?: boolean;
  /**
   * Files beside the migrations that hold the whole schema (a plain folder's `LATEST.sql` beside
   * its release folders), repository-relative: what `baseline:` can start from.
   */
  snapshots?: string[];
}

export function compareSortKeys(a: Array<number | string>, b: Array<number | string>): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x < y ? -1 : 1;
      continue;
    }
    const c = String(x).localeCompare(String(y), 'en');
    if (c !== 0) return c;
  }
  return 0;
}
