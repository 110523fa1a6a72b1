import { InputError } from '../core/errors.js';
import type { Settings } from '../core/settings.js';
import { dotted, fallbackMessage, problemsOf } from './issues.js';
import { SettingsSchema, type SettingsConfig } from './schema.js';

/** `Options.settings` from the validated keys of the config file. */
export function settingsOf(config: SettingsConfig): Settings {
  return {
    seedRows: config.seed.rows,
    sharedSchema: config.sharedSchema,
    parallel: config.parallel,
    replay: {
      statementTimeoutMs: config.statementTimeoutMs,
      ...(config.migrationTimeoutMs === undefined
        ? {}
        : { migrationTimeoutMs: config.migrationTimeoutMs }),
    },
    locks: config.locks,
    isolation: config.isolation,
    rollback: config.rollback,
    replica: config.replica,
    compat: config.compat,
    alembic: config.alembic,
    flyway: config.flyway,
    ...(config.python === undefined ? {} : { python: config.python }),
    passEnv: config.passEnv,
    transaction: config.transaction,
    placeholders: config.placeholders,
    setup: config.setup,
    composeInit: config.composeInit,
    ...(config.preset === undefined ? {} : { preset: config.preset }),
    migrationRole: config.migrationRole,
    ...(config.searchPath === undefined ? {} : { searchPath: config.searchPath }),
    ...(config.baseline === undefined ? {} : { baseline: config.baseline }),
    ...(config.baselineVersion === undefined ? {} : { baselineVersion: config.baselineVersion }),
  };
}

/** Settings given in code (tests, tools) by their in-memory names; any section may be partial. */
export type SettingsInput = { [K in keyof Settings]?: unknown };

/**
 * Validates settings given in code through the same schema as `.schemagate.yml` and applies the
 * same defaults; a bad value is an InputError naming the key, e.g.
 * `settings: rollback.tenants: expected one of one, all, got "some"`.
 */
export function resolveSettings(input: SettingsInput = {}): Settings {
  const { seedRows, replay, ...sections } = input;
  const { statementTimeoutMs, migrationTimeoutMs, ...unknown } = (replay ?? {}) as Record<
    string,
    unknown
  >;
  const extra = Object.keys(unknown)[0];
  if (extra !== undefined) {
    throw new InputError(
      `settings: replay.${extra}: unknown key, expected one of statementTimeoutMs, migrationTimeoutMs`,
    );
  }
  const raw = {
    ...sections,
    seed: seedRows === undefined ? undefined : { rows: seedRows },
    statementTimeoutMs,
    migrationTimeoutMs,
  };
  const parsed = SettingsSchema.safeParse(raw, { error: fallbackMessage });
  if (parsed.success) return settingsOf(parsed.data);
  const [first] = problemsOf(parsed.error, raw);
  throw new InputError(`settings: ${dotted(first.keys)}: ${first.text}`);
}

/** Every default of `.schemagate.yml`'s settings. */
export function defaultSettings(): Settings {
  return resolveSettings({});
}
