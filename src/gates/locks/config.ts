import { z } from 'zod';
import { InputError } from '../../core/errors.js';

/** `locks:` in .schemagate.yml. */
const LocksSettingsSchema = z.strictObject({
  /** Severity of non-concurrent index builds/drops and DETACH PARTITION on pre-existing tables. */
  nonConcurrentIndex: z.enum(['warning', 'blocker']).default('warning'),
  workload: z
    .strictObject({
      /** Run the concurrent workload probe (one tenant, a copy of the base database). */
      enabled: z.boolean().default(true),
      /** Connections that keep reading and writing the touched tables. */
      clients: z.number().int().min(1).max(16).default(2),
    })
    .default({ enabled: true, clients: 2 }),
});

export type LocksSettings = z.infer<typeof LocksSettingsSchema>;

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = ['locks', ...issue.path.map(String)].join('.');
  return `${path}: ${issue.message}`;
}

/** Validates `settings.locks`; bad values are input errors that name the config file. */
export function parseLocksSettings(raw: unknown, configFile?: string): LocksSettings {
  const result = LocksSettingsSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const where = configFile ? ` in ${configFile}` : '';
  throw new InputError(`${result.error.issues.map(describeIssue).join('; ')}${where}`);
}
