import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { FORMATS, PROVIDERS, SEVERITIES, TOPOLOGIES } from '../core/model.js';
import { InputError } from '../core/errors.js';

/** `.schemagate.yml`: every key optional; CLI flags win over it. */
const section = z.record(z.string(), z.unknown());
export const ConfigSchema = z
  .object({
    migrations: z.string().min(1),
    format: z.enum(['auto', ...FORMATS]),
    topology: z.enum(TOPOLOGIES),
    tenants: z.union([
      z.number().int().min(1).max(100),
      z
        .array(
          z
            .string()
            .regex(
              /^[a-z_][a-z0-9_]{0,40}$/,
              'a lower-case name of letters, digits and underscores, e.g. acme',
            ),
        )
        .min(1)
        .refine((names) => new Set(names).size === names.length, 'each tenant name once'),
    ]),
    tenantColumn: z.string().min(1),
    tenantSetting: z
      .string()
      .regex(/^[A-Za-z_][\w]*\.[\w.]+$/, 'a custom setting name with a dot, e.g. app.tenant_id'),
    replicas: z.number().int().min(0).max(5),
    provider: z.enum(PROVIDERS),
    databaseUrl: z.string(),
    pgVersion: z.union([z.string(), z.number()]).transform(String),
    failOn: z.enum(['blocker', 'warning', 'never']),
    gates: z.array(z.string()),
    rules: z.record(z.string(), z.enum(['off', ...SEVERITIES])),
    seed: z
      .object({ rows: z.number().int().min(0).max(1_000_000) })
      .partial()
      .strict(),
    statementTimeoutMs: z.number().int().min(100),
    sharedSchema: z.string(),
    locks: section,
    isolation: section,
    rollback: section,
    replica: section,
    compat: section,
    graph: section,
    alembic: section,
    sqlc: section,
    flyway: z
      .object({
        placeholders: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
        placeholderPrefix: z.string().min(1),
        placeholderSuffix: z.string().min(1),
        placeholderReplacement: z.boolean(),
        mixed: z.boolean(),
        outOfOrder: z.boolean(),
        executeInTransaction: z.boolean(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type Config = z.infer<typeof ConfigSchema>;

/**
 * Reads and validates the config file. Errors name the file and the line of the offending key:
 * `.schemagate.yml:4: rules.no-such-rule: unknown rule id`.
 */
export function loadConfig(
  repoRoot: string,
  file: string | undefined,
  knownRules: Set<string>,
): { config: Config; path?: string } {
  const path = file
    ? isAbsolute(file)
      ? file
      : join(process.cwd(), file)
    : join(repoRoot, '.schemagate.yml');
  if (!existsSync(path)) {
    if (file) throw new InputError(`--config ${file}: no such file`);
    return { config: {} };
  }
  const shown = relative(process.cwd(), path) || path;
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(path, 'utf8'), { lineCounter: lines });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new InputError(`${shown}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0]}`);
  }
  const raw = doc.toJS() ?? {};
  const parsed = ConfigSchema.safeParse(raw);
  const lineOf = (keys: PropertyKey[]) => {
    const node = doc.getIn(keys.map(String), true) as { range?: [number, number] } | undefined;
    const pair = keys.length ? (doc.getIn(keys.slice(0, -1).map(String), true) as any) : undefined;
    const keyNode = pair?.items?.find?.(
      (i: any) => String(i.key?.value ?? i.key) === String(keys[keys.length - 1]),
    )?.key;
    const offset = keyNode?.range?.[0] ?? node?.range?.[0];
    return offset === undefined ? 1 : lines.linePos(offset).line;
  };
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
    throw new InputError(
      `${shown}:${lineOf(keys)}: ${keys.join('.') || '(top level)'}: ${issue.message}`,
    );
  }
  for (const rule of Object.keys(parsed.data.rules ?? {})) {
    if (!knownRules.has(rule)) {
      throw new InputError(
        `${shown}:${lineOf(['rules', rule])}: rules.${rule}: unknown rule id (see docs/rules/)`,
      );
    }
  }
  return { config: parsed.data, path: shown };
}
