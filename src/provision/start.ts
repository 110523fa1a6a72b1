import type { Cluster } from './provider.js';
import { createProvider, resolveAuto } from './providers.js';
import type { Logger } from '../core/logger.js';
import type { Options } from '../core/options.js';

/** Starts the cluster for a run with the chosen (or auto-resolved) provider. */
export async function startCluster(
  options: Options,
  logger: Logger,
): Promise<{ cluster: Cluster; reason?: string }> {
  const chosen =
    options.provider === 'auto'
      ? await resolveAuto()
      : { provider: createProvider(options.provider), reason: undefined };
  const cluster = await chosen.provider.start({
    replicas: options.replicas,
    pgVersion: options.pgVersion,
    image: options.image,
    databaseUrl: options.databaseUrl,
    logger,
  });
  return { cluster, reason: chosen.reason };
}
