import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION_IO, readActionInputs } from '../src/action/inputs.js';
import { InputError } from '../src/core/errors.js';
import { buildOptions } from '../src/config/build-options.js';
import { knownIds } from '../src/gates/index.js';

const actionYml = parse(readFileSync('action.yml', 'utf8'));
const docs = readFileSync('docs/action.md', 'utf8');

/** Rows of the first Markdown table under `## heading`, cells trimmed, header and rule dropped. */
function tableUnder(heading: string): string[][] {
  const section = docs.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('|'));
  return rows.slice(2).map((l) =>
    l
      .slice(1, -1)
      .split(' | ')
      .map((c) => c.trim()),
  );
}

const code = (s: string | undefined) => (s ? `\`${s}\`` : '');

describe('action.yml and docs/action.md agree with ACTION_IO', () => {
  it('action.yml runs dist/index.js on node24', () => {
    expect(actionYml.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('action.yml declares exactly the inputs of the map, with their descriptions and defaults', () => {
    const expected = Object.entries(ACTION_IO.inputs).map(([name, spec]) => ({
      name,
      description: spec.description,
      required: false,
      default: 'default' in spec ? spec.default : undefined,
    }));
    const actual = Object.entries(actionYml.inputs as Record<string, any>).map(([name, v]) => ({
      name,
      description: v.description,
      required: v.required,
      default: v.default,
    }));
    expect(actual).toEqual(expected);
  });

  it('action.yml declares exactly the outputs of the map', () => {
    expect(actionYml.outputs).toEqual(
      Object.fromEntries(
        Object.entries(ACTION_IO.outputs).map(([k, v]) => [k, { description: v.description }]),
      ),
    );
  });

  it('the docs list every input with its default and description', () => {
    expect(tableUnder('Inputs')).toEqual(
      Object.entries(ACTION_IO.inputs).map(([name, spec]) => [
        code(name),
        code('default' in spec ? spec.default : undefined),
        spec.description,
      ]),
    );
  });

  it('the docs list every output with its description', () => {
    expect(tableUnder('Outputs')).toEqual(
      Object.entries(ACTION_IO.outputs).map(([name, spec]) => [code(name), spec.description]),
    );
  });
});

describe('readActionInputs', () => {
  const set: string[] = [];
  const env = (name: string, value: string) => {
    process.env[name] = value;
    set.push(name);
  };
  afterEach(() => {
    for (const name of set.splice(0)) delete process.env[name];
  });

  it('reads INPUT_* variables the way the runner names them (dashes kept, upper case)', () => {
    env('INPUT_MIGRATIONS', 'db/migrations');
    env('INPUT_TENANT-COLUMN', 'org_id');
    env('INPUT_TENANT-SETTING', 'app.org');
    env('INPUT_DATABASE-URL', 'postgres://u:p@db:5432/x');
    env('INPUT_POSTGRES-VERSION', '17');
    env('INPUT_FAIL-ON', 'warning');
    env('INPUT_TENANTS', ' 3 ');
    env('INPUT_REPLICAS', '0');
    env('INPUT_COMMENT', 'False');
    env('INPUT_CHECK-NAME', 'migrations safety');
    env('INPUT_SARIF-FILE', 'out/s.sarif');
    env('INPUT_GITHUB-TOKEN', 'ghs_x');
    expect(readActionInputs()).toEqual({
      raw: {
        dir: 'db/migrations',
        base: undefined,
        format: undefined,
        topology: undefined,
        tenants: '3',
        tenantColumn: 'org_id',
        tenantSetting: 'app.org',
        replicas: '0',
        provider: undefined,
        databaseUrl: 'postgres://u:p@db:5432/x',
        pgVersion: '17',
        config: undefined,
        failOn: 'warning',
        gates: undefined,
      },
      comment: false,
      annotations: true,
      checkName: 'migrations safety',
      sarifFile: 'out/s.sarif',
      token: 'ghs_x',
    });
  });

  it('passes migration-role to the engine as --migration-role does', () => {
    env('INPUT_MIGRATION-ROLE', ' superuser ');
    const inputs = readActionInputs();
    expect(inputs.raw.migrationRole).toBe('superuser');
    const options = buildOptions(
      { ...inputs.raw, dir: 'fixtures/privileges/copy-program' },
      knownIds(),
    );
    expect(options.settings.migrationRole).toBe('superuser');
    expect(readActionInputs(() => '').raw.migrationRole).toBeUndefined();
    expect(() =>
      buildOptions({ dir: 'fixtures/privileges/copy-program', migrationRole: 'root' }, knownIds()),
    ).toThrow(InputError);
  });

  it('falls back to the defaults of action.yml when an input is absent', () => {
    const inputs = readActionInputs(() => '');
    expect([inputs.comment, inputs.annotations, inputs.checkName, inputs.sarifFile]).toEqual([
      true,
      true,
      'schemagate',
      undefined,
    ]);
  });

  it('rejects a boolean input that is neither true nor false, naming it', () => {
    const read = () => readActionInputs((name) => (name === 'annotations' ? 'yes' : ''));
    expect(read).toThrow(InputError);
    expect(read).toThrow('input annotations: expected true or false, got "yes"');
  });
});
