import { z } from 'zod';
import { InputError } from '../../core/errors.js';

/** `settings.isolation` in .schemagate.yml. */
export const isolationSettingsSchema = z
  .object({
    /** Tables that are global even if they have the tenant column (bare or schema-qualified). */
    globalTables: z.array(z.string().min(1)).default([]),
    /** Tables that must be tenant-scoped: a missing tenant column is a finding. */
    tenantTables: z.array(z.string().min(1)).default([]),
    /** Application role the leak test acts as; created for the test when it does not exist. */
    appRole: z.string().min(1).max(63).optional(),
    /** Synthetic tenants the live leak test writes and reads as. */
    leakTestTenants: z.number().int().min(2).max(3).default(3),
    /** Turns the live leak test off (the static rules still run). */
    leakTest: z.boolean().default(true),
  })
  .strict();

export type IsolationSettings = z.infer<typeof isolationSettingsSchema>;

export function parseIsolationSettings(raw: unknown, configFile?: string): IsolationSettings {
  const result = isolationSettingsSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const where = configFile ? `${configFile}: ` : '';
  const problems = result.error.issues.map((i) => {
    const path = ['settings', 'isolation', ...i.path.map(String)].join('.');
    return `${path}: ${i.message}`;
  });
  throw new InputError(`${where}invalid isolation settings: ${problems.join('; ')}`);
}
