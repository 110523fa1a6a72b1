import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { runCheck } from './check/check.js';
import { buildOptions, type RawInputs } from './config/build-options.js';
import { InputError, getErrorMessage } from './core/errors.js';
import type { Logger } from './core/logger.js';
import { FORMATS, PROVIDERS, TOPOLOGIES } from './core/model.js';
import { TOOL_VERSION, exitCodeFor } from './core/report.js';
import { knownIds } from './gates/index.js';
import { renderJson } from './report/json.js';
import { renderMarkdown } from './report/markdown.js';
import { renderSarif } from './report/sarif.js';
import { renderText } from './report/text.js';
import { initSqlParser } from './sql/split.js';

function terminalLogger(verbose: boolean): Logger {
  const err = (m: string) => process.stderr.write(`${m}\n`);
  return {
    info: (m) => verbose && err(m),
    warn: (m) => err(`warning: ${m}`),
    debug: (m) => verbose && err(m),
    async group(name, fn) {
      if (verbose) err(`▸ ${name}`);
      return fn();
    },
  };
}

function program(): Command {
  const cmd = new Command('schemagate')
    .description('Prove PostgreSQL migrations safe on real, ephemeral Postgres before they merge.')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  cmd
    .command('check')
    .description('replay the migrations in DIR per tenant and run the safety gates')
    .argument('[dir]', 'migration directory (default: `migrations` from the config, else .)')
    .option(
      '--base <ref>',
      "git ref of the base branch; migrations present there are merged, the rest are the PR's",
    )
    .addOption(new Option('--format <format>', 'migration format').choices(['auto', ...FORMATS]))
    .addOption(
      new Option('--topology <kind>', 'how tenants are simulated (default schema)').choices([
        ...TOPOLOGIES,
      ]),
    )
    .option('--tenants <n>', 'number of simulated tenants (default 2)')
    .option(
      '--tenant-column <name>',
      'tenant key column in the shared topology (default tenant_id)',
    )
    .option('--tenant-setting <name>', 'setting RLS policies compare with (default app.tenant_id)')
    .option('--replicas <n>', 'streaming replicas to start (default 1)')
    .addOption(
      new Option('--provider <name>', 'where Postgres comes from (default auto)').choices([
        ...PROVIDERS,
      ]),
    )
    .option(
      '--database-url <url>',
      'existing server for --provider url (the run uses scratch databases)',
    )
    .option('--pg-version <major>', 'Postgres major version (docker provider)')
    .option('--config <file>', 'config file (default .schemagate.yml when present)')
    .option('--json <file>', 'write the JSON report to FILE, or - for stdout')
    .option('--markdown <file>', 'write the Markdown report to FILE, or - for stdout')
    .option('--sarif <file>', 'write SARIF 2.1.0 to FILE')
    .addOption(
      new Option(
        '--fail-on <level>',
        'exit 1 when a finding reaches this severity (default blocker)',
      ).choices(['blocker', 'warning', 'never']),
    )
    .option('--gates <list>', 'comma-separated gates to run (default all)')
    .option('-v, --verbose', 'log every phase to stderr')
    .action(
      async (dir: string | undefined, flags: Record<string, string | boolean | undefined>) => {
        process.exitCode = await check(dir, flags);
      },
    );
  return cmd;
}

async function check(
  dir: string | undefined,
  flags: Record<string, string | boolean | undefined>,
): Promise<number> {
  const raw: RawInputs = { dir, ...(flags as Omit<RawInputs, 'dir'>) };
  let options;
  try {
    await initSqlParser();
    options = buildOptions(raw, knownIds());
    for (const flag of ['json', 'markdown', 'sarif'] as const) {
      const file = flags[flag];
      if (typeof file === 'string' && file !== '-') assertWritable(`--${flag}`, file);
    }
  } catch (error) {
    process.stderr.write(`schemagate: ${getErrorMessage(error)}\n`);
    return error instanceof InputError ? 2 : 3;
  }
  const report = await runCheck(options, terminalLogger(flags.verbose === true));
  const json = flags.json as string | undefined;
  const out = (text: string) => process.stdout.write(text);
  const outputs: Array<[string | undefined, () => string]> = [
    [json, () => renderJson(report)],
    [flags.markdown as string | undefined, () => renderMarkdown(report)],
    [flags.sarif as string | undefined, () => renderSarif(report)],
  ];
  let unwritten = false;
  for (const [file, render] of outputs) {
    if (!file) continue;
    try {
      if (file === '-') out(render());
      else writeFileSync(file, render());
    } catch (error) {
      // The terminal report below still says what was found.
      process.stderr.write(`schemagate: could not write ${file}: ${getErrorMessage(error)}\n`);
      unwritten = true;
    }
  }
  const text = renderText(report, process.stdout.isTTY === true && json !== '-');
  (json === '-' ? process.stderr : process.stdout).write(text);
  const code = exitCodeFor(report, options.failOn);
  return unwritten && code === 0 ? 2 : code;
}

/** An output file must be creatable where it is named, before a whole run is spent on it. */
function assertWritable(flag: string, file: string): void {
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InputError(`${flag} ${file}: folder ${dirname(file)} does not exist`);
  if (existsSync(file) && statSync(file).isDirectory())
    throw new InputError(`${flag} ${file} is a folder; name a file`);
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    process.stderr.write(`schemagate: internal error: ${getErrorMessage(error)}\n`);
    return 3;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
