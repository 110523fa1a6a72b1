import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import type { Options } from '../../core/options.js';

/** `rollback:` in `.schemagate.yml`. */
export const RollbackSettingsSchema = z
  .object({
    /** Verify up → down → up on the first tenant only (fast) or on every tenant. */
    tenants: z.enum(['one', 'all']).default('one'),
    /** How many of the last added migrations to roll back in reverse order, then re-apply. */
    chain: z.union([z.literal('all'), z.number().int().min(0)]).default('all'),
    /** Severity of an added migration without a down. */
    missingDown: z.enum(['warning', 'blocker']).default('warning'),
  })
  .strict();

export type RollbackSettings = z.infer<typeof RollbackSettingsSchema>;

/**
 * Validates `settings.rollback`; a bad value is an input error naming the config file and key,
 * e.g. `.schemagate.yml: rollback.tenants: expected one of "one"|"all", got "some"`.
 */
export function parseRollbackSettings(
  options: Pick<Options, 'settings' | 'configFile'>,
): RollbackSettings {
  const parsed = RollbackSettingsSchema.safeParse(options.settings.rollback ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const keys = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
  const where = options.configFile ?? '.schemagate.yml';
  const got =
    keys.length === 1 ? ` (got ${JSON.stringify(lookup(options.settings.rollback, keys[0]))})` : '';
  throw new InputError(`${where}: rollback.${keys.map(String).join('.')}: ${issue.message}${got}`);
}

function lookup(section: Record<string, unknown> | undefined, key: PropertyKey): unknown {
  return section?.[String(key)];
}
