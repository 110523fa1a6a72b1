import type { ProviderName } from '../engine/model.js';
import { InputError } from '../engine/errors.js';
import { embeddedProvider } from './embedded.js';
import type { Provider } from './provider.js';

export function createProvider(name: Exclude<ProviderName, 'auto'>): Provider {
  if (name === 'embedded') return embeddedProvider;
  throw new InputError(`--provider ${name} is not available yet`);
}

export async function resolveAuto(): Promise<{ provider: Provider; reason: string }> {
  return { provider: embeddedProvider, reason: 'auto: embedded Postgres binaries from npm' };
}
