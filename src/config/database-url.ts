import { InputError } from '../core/errors.js';

const EXPECTED = 'expected postgres://user:pass@host:port/db';

/**
 * `--database-url` (or the config's `databaseUrl`) checked before anything starts: a URL with
 * the postgres:// or postgresql:// scheme, a host, and escapes that decode. `name` says where the
 * value came from; the message never shows the password.
 */
export function checkDatabaseUrl(name: string, raw: string): string {
  const wrong = (why = '') =>
    new InputError(`${name}: ${EXPECTED}${why}, got ${JSON.stringify(masked(raw))}`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw wrong();
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw wrong();
  try {
    for (const part of [url.username, url.password, url.hostname, url.pathname])
      decodeURIComponent(part);
  } catch {
    throw wrong(' with each % starting an escape such as %40');
  }
  if (!url.hostname && !url.searchParams.get('host')) throw wrong();
  return raw;
}

/** The URL with its password replaced by `****`; what follows the last @ stays as written. */
export function masked(raw: string): string {
  const start = raw.indexOf('://') + 3;
  const at = raw.lastIndexOf('@');
  if (start < 3 || at < start) return raw;
  const colon = raw.indexOf(':', start);
  return colon === -1 || colon > at ? raw : `${raw.slice(0, colon + 1)}****${raw.slice(at)}`;
}
