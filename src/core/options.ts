import type { FailOn, Format, ProviderName, Severity, TopologyKind } from './model.js';
import type { Settings } from './settings.js';

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
  /**
   * Every migration set of the repository when `migrations:` lists several (the first is `dir`
   * and `format`); each is checked on its own database unless two name the same one.
   */
  sets?: MigrationSet[];
  /**
   * Sets whose merged migrations run before this one's, in the same database (sets that name one
   * `database:`): part of the base, never judged here.
   */
  prelude?: MigrationSet[];
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
  /** The docker provider's image (`--image`, `image:`, the compose file's); absent: `postgres:<pgVersion>`. */
  image?: ImageChoice;
  /**
   * Where values no flag or setting gave came from besides pgVersionSource (replicas and tenant
   * names read from the compose file), as the report's notes say it.
   */
  inputNotes?: string[];
  failOn: FailOn;
  /** Rule severity overrides from config: `off` drops the rule's findings. */
  rules: Record<string, Severity | 'off'>;
  /** Gates to run (all registered ones by default). */
  gates?: string[];
  /** `.schemagate.yml`'s settings, validated once by src/config with every default applied. */
  settings: Settings;
  /** No flag, setting or preset chose the topology: the check may pick one that fits the migrations. */
  topologyDefault?: boolean;
  /** Settings a flag or an Action input gave (they win over the config file and its base). */
  flagged?: string[];
  /** File the config was read from, for messages. */
  configFile?: string;
}

/** One migration set: a directory, its format, and the database it replays into. */
export interface MigrationSet {
  dir: string;
  format: Format | 'auto';
  /** Sets that name the same database share it; absent: a database of its own. */
  database?: string;
}

/**
 * The docker provider's image and where it came from, as the report's note says it: `--image`,
 * the config file, or `docker-compose.yml service db`. Without a name the provider runs its
 * default image, and `skipped` says why the compose file's image was not taken.
 */
export type ImageChoice = { name: string; source: string } | { name?: undefined; skipped: string };

export function tenantNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `tenant_${i + 1}`);
}
