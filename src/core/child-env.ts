import { holdsSecret, secretValues } from './secrets.js';

/**
 * The environment every child process starts with: an allowlist, never `process.env`. The
 * servers, initdb, cp/chown, git, docker, the reaper and Alembic's env.py run next to the
 * untrusted SQL of a pull request (a superuser migration can `COPY … FROM PROGRAM 'env'`, and
 * env.py is the project's own code), so the CI job's tokens (INPUT_*, GITHUB_*, ACTIONS_*,
 * RUNNER_*, any secret-named variable) must not be in it.
 */

/** What any program needs to find itself and behave: search path, home, locale, zone, temp. */
const BASE = ['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR'];

/** Never passed on unless passEnv names them (Alembic's `passEnv:` only). */
const RUNNER = /^(INPUT_|GITHUB_|ACTIONS_|RUNNER_)/i;

/** What git needs to fetch the base on a self-hosted runner behind a proxy or over SSH. */
export const GIT_ENV = [
  'SSH_AUTH_SOCK',
  'GIT_SSH_COMMAND',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];

/** Where the docker CLI finds the engine (the same one testcontainers talks to in-process). */
export const DOCKER_ENV = [
  'DOCKER_HOST',
  'DOCKER_CONTEXT',
  'DOCKER_CONFIG',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
];

/**
 * PATH, HOME, LANG, LANGUAGE, LC_*, TZ and TMPDIR from `env` (each dropped should its value hold
 * a secret), the variables `passEnv` names as they are, then `extra`.
 */
export function childEnv(
  extra: Record<string, string> = {},
  passEnv: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const secrets = secretValues(env);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (passEnv.includes(name)) out[name] = value;
    else if (isBase(name) && !RUNNER.test(name) && !holdsSecret(value, secrets)) out[name] = value;
  }
  return { ...out, ...extra };
}

/**
 * An environment variable a migration's placeholders may read (graphile-migrate's `!ENV`,
 * goose's ENVSUB, Spring's `${VAR}`): not the runner's own (INPUT_*, GITHUB_*, …) and not one
 * holding a secret. The PR writes both the placeholder and the SQL it lands in.
 */
export function placeholderEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const secrets = secretValues(env);
  return Object.fromEntries(
    Object.entries(env).filter(
      ([name, value]) => value !== undefined && !RUNNER.test(name) && !holdsSecret(value, secrets),
    ),
  );
}

function isBase(name: string): boolean {
  return BASE.includes(name) || name.startsWith('LC_');
}

/** For git: never prompt for credentials (a run has no terminal to answer). */
export function gitEnv(): Record<string, string> {
  return childEnv({ GIT_TERMINAL_PROMPT: '0' }, GIT_ENV);
}
