import * as core from '@actions/core';
import type { RawInputs } from '../config/build-options.js';
import { InputError } from '../core/errors.js';

interface InputSpec {
  description: string;
  /** The default action.yml declares; absent means empty (the config file or the engine decides). */
  default?: string;
}

/**
 * Every input and output of the Action, in the order action.yml and docs/action.md list them.
 * test/action-inputs.test.ts fails when either file disagrees with this map.
 */
export const ACTION_IO = {
  inputs: {
    migrations: {
      description:
        "Migration directory, relative to the repository root. Empty: `migrations` from the config file, else the repository root, or the one usual folder below it that holds migrations (`db/migrations`, `supabase/migrations`, …), else the one folder a search below it finds by a format's markers (a monorepo's `packages/prisma/migrations`; see docs/formats.md).",
    },
    base: {
      description:
        'Git ref or SHA the migrations are compared with. Empty: the pull request base SHA, the push `before` SHA, else HEAD~1.',
    },
    format: {
      description:
        'Migration format: auto, golang-migrate, goose, dbmate, flyway, plain, prisma, drizzle, sqlc or alembic. Empty: from the config file, else auto.',
    },
    topology: {
      description:
        'How tenants are simulated: schema, database or shared. Empty: from the config file, else schema.',
    },
    tenants: {
      description: 'Number of simulated tenants (1-100). Empty: from the config file, else 2.',
    },
    'tenant-column': {
      description:
        'Tenant key column in the shared topology. Empty: from the config file, else tenant_id.',
    },
    'tenant-setting': {
      description:
        'Setting the row-level security policies compare with. Empty: from the config file, else app.tenant_id.',
    },
    replicas: {
      description: 'Streaming replicas to start (0-5). Empty: from the config file, else 1.',
    },
    provider: {
      description:
        'Where Postgres comes from: auto, embedded, docker, local or url. Empty: from the config file, else auto.',
    },
    'database-url': {
      description:
        'Existing server for provider url; the run works in scratch databases. Pass it from a secret.',
    },
    'postgres-version': {
      description: 'Postgres major version for the docker provider, e.g. 17.',
    },
    image: {
      description:
        "Image for the docker provider, any with the official postgres image's contract, e.g. pgvector/pgvector:pg17. Empty: `image:` from the config file, else the image of the compose file's Postgres service, else postgres:<postgres-version>.",
    },
    setup: {
      description:
        'Comma-separated SQL files or globs, relative to the repository root, run before the merged migrations as the role migrations run as (the superuser for a statement it may not run). Empty: `setup:` from the config file.',
    },
    preset: {
      description:
        'Create what a platform provides before the migrations: supabase or none. Empty: from the config file, else supabase when supabase/config.toml exists.',
    },
    config: {
      description: 'Config file. Empty: .schemagate.yml when present.',
    },
    'fail-on': {
      description:
        'Fail the step when a finding reaches this severity: blocker, warning or never. Empty: from the config file, else blocker.',
    },
    gates: {
      description: 'Comma-separated gates to run. Empty: all.',
    },
    'migration-role': {
      description:
        "Who the migrations and the gates run as: admin (a managed platform's admin role, no superuser: PR SQL cannot reach the server's host) or superuser. Empty: `migrationRole:` from the config file, else admin.",
    },
    baseline: {
      description:
        'A schema-only dump (pg_dump --schema-only, supabase db dump, structure.sql) or a `schemagate snapshot` folder, relative to the repository root, loaded instead of replaying the merged history. Empty: `baseline:` from the config file, else the merged history.',
    },
    parallel: {
      description:
        'Tenants replayed and checked at a time. Empty: `parallel:` from the config file, else the number of cores.',
    },
    comment: {
      description: 'Post one sticky comment on the pull request and update it on every run.',
      default: 'true',
    },
    annotations: {
      description: 'Annotate the changed files with the findings, most severe first.',
      default: 'true',
    },
    'check-name': {
      description: 'Name of the check run that carries every finding as an annotation.',
      default: 'schemagate',
    },
    'sarif-file': {
      description:
        'Where to write SARIF 2.1.0, relative to the workspace, for github/codeql-action/upload-sarif. Empty: no SARIF file.',
      default: 'schemagate.sarif',
    },
    'github-token': {
      description:
        'Token for the comment and the check run; needs pull-requests: write and checks: write.',
      default: '${{ github.token }}',
    },
  },
  outputs: {
    status: { description: 'passed, blocked (a finding reaches fail-on) or error.' },
    blockers: { description: 'Number of blocker findings.' },
    warnings: { description: 'Number of warning findings.' },
    'report-path': { description: 'Path of the JSON report (schemaVersion 1).' },
    'comment-url': {
      description: 'URL of the sticky pull request comment; empty when none was posted.',
    },
  },
} as const satisfies {
  inputs: Record<string, InputSpec>;
  outputs: Record<string, { description: string }>;
};

export type InputName = keyof typeof ACTION_IO.inputs;
export type OutputName = keyof typeof ACTION_IO.outputs;

/** The Action's inputs: engine inputs as raw strings (buildOptions validates them) plus its own. */
export interface ActionInputs {
  raw: RawInputs;
  comment: boolean;
  annotations: boolean;
  checkName: string;
  sarifFile?: string;
  token: string;
}

function booleanInput(name: InputName, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InputError(`input ${name}: expected true or false, got "${value}"`);
}

/** Reads and checks the Action's inputs; `get` defaults to core.getInput (INPUT_<NAME>). */
export function readActionInputs(
  get: (name: InputName) => string = (name) => core.getInput(name),
): ActionInputs {
  const text = (name: InputName): string | undefined => get(name).trim() || undefined;
  const orDefault = (name: InputName): string => {
    const spec: InputSpec = ACTION_IO.inputs[name];
    return text(name) ?? spec.default ?? '';
  };
  return {
    raw: {
      dir: text('migrations'),
      base: text('base'),
      format: text('format'),
      topology: text('topology'),
      tenants: text('tenants'),
      tenantColumn: text('tenant-column'),
      tenantSetting: text('tenant-setting'),
      replicas: text('replicas'),
      provider: text('provider'),
      databaseUrl: text('database-url'),
      pgVersion: text('postgres-version'),
      image: text('image'),
      setup: text('setup'),
      preset: text('preset'),
      config: text('config'),
      failOn: text('fail-on'),
      gates: text('gates'),
      migrationRole: text('migration-role'),
      baseline: text('baseline'),
      parallel: text('parallel'),
    },
    comment: booleanInput('comment', orDefault('comment')),
    annotations: booleanInput('annotations', orDefault('annotations')),
    checkName: orDefault('check-name'),
    sarifFile: text('sarif-file'),
    token: text('github-token') ?? '',
  };
}
