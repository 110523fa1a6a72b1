import type { Logger } from './logger.js';

/**
 * The values of the secrets a run knows (the Action's token input, and environment variables
 * whose names look secret) and one redaction applied to everything that leaves the run: the
 * Report before any renderer sees it, log lines, error messages. Pure: the caller passes the
 * environment. PR migrations are untrusted code; should one of them get a secret into an error
 * message (e.g. `COPY … FROM PROGRAM 'env'`), it still never reaches a comment, a SARIF file or
 * a log.
 */

export const REDACTED = '***';

/** Names whose values are secrets on a runner, and any name that says it holds one. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|KEY|CREDENTIAL/i;

/** Shorter values are too likely to be ordinary words of a report. */
const MIN_LENGTH = 8;

/**
 * Whether the value of a secret-named variable is worth redacting: ≥ 8 characters, not one
 * plain lower-case word (`POSTGRES_PASSWORD=postgres` on a laptop would otherwise blank out
 * every "postgres" in the report) and not an absolute path (`SSH_KEY_PATH=/home/me/.ssh/id`
 * names where a secret is, and would otherwise blank out PATH for every child).
 */
function secretShaped(value: string): boolean {
  return value.length >= MIN_LENGTH && !/^[a-z]{1,15}$/.test(value) && !/^\/\S*$/.test(value);
}

/**
 * The secret values: `explicit` (the token input: always, when ≥ 4 characters) and the values
 * of secret-named variables in `env`; longest first, so that one containing another is redacted
 * whole.
 */
export function secretValues(env: NodeJS.ProcessEnv, explicit: string[] = []): string[] {
  const values = new Set(explicit.map((v) => v.trim()).filter((v) => v.length >= 4));
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !SECRET_NAME.test(name)) continue;
    const v = value.trim();
    if (secretShaped(v)) values.add(v);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret replaced by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** A copy of a JSON-like value (a Report) with every string redacted; same shape. */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  if (!secrets.length) return value;
  return walk(value, secrets) as T;
}

function walk(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (Array.isArray(value)) return value.map((v) => walk(v, secrets));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, secrets)]));
  }
  return value;
}

/** Whether `text` holds one of the secrets (a value that must not reach a child process). */
export function holdsSecret(text: string, secrets: readonly string[]): boolean {
  return secrets.some((s) => text.includes(s));
}

/** `logger` with every line, group name and progress event redacted. */
export function redactingLogger<L extends Logger>(logger: L, secrets: readonly string[]): L {
  if (!secrets.length) return logger;
  const r = (m: string) => redact(m, secrets);
  return {
    ...logger,
    info: (m) => logger.info(r(m)),
    warn: (m) => logger.warn(r(m)),
    debug: (m) => logger.debug(r(m)),
    group: (name, fn) => logger.group(r(name), fn),
    progress: (event) => logger.progress(redactDeep(event, secrets)),
  };
}
