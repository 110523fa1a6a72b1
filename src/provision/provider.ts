import type { ProviderName } from '../core/model.js';
import type { Logger } from '../core/logger.js';
import type { ImageChoice } from '../core/options.js';

export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
  /** TLS settings as `pg` takes them (the url provider's `sslmode`). */
  ssl?: boolean | { rejectUnauthorized: boolean };
}

export interface ReplicaInfo extends ConnectionInfo {
  name: string;
}

/** A running primary and its streaming replicas; disposing it stops and removes everything. */
export interface Cluster extends AsyncDisposable {
  provider: Exclude<ProviderName, 'auto'>;
  /** Server version as `SHOW server_version` reports it, e.g. `18.4`. */
  postgresVersion: string;
  primary: ConnectionInfo;
  replicas: ReplicaInfo[];
  /** Things the report should say about how the cluster was made (one line each). */
  notes: string[];
  /** Timings of the start, for the report's steps. */
  startMs: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  replicas: number;
  /** Requested major version; providers that cannot honour it say so in `notes`. */
  pgVersion?: string;
  /** For `docker`: the image to run (primary and replicas); absent: `postgres:<pgVersion>`. */
  image?: ImageChoice;
  /** For `url`. */
  databaseUrl?: string;
  logger: Logger;
}

export interface Provider {
  name: Exclude<ProviderName, 'auto'>;
  start(options: StartOptions): Promise<Cluster>;
}
