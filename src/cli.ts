import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { runCheck } from './check/check.js';
import { takeSnapshot } from './check/snapshot.js';
import { checkDatabaseUrl } from './config/database-url.js';
import { buildOptions, type RawInputs } from './config/build-options.js';
import { InfrastructureError, InputError, getErrorMessage } from './core/errors.js';
import { FORMATS, PROVIDERS, TOPOLOGIES, type TopologyKind } from './core/model.js';
import { PRESETS } from './core/settings.js';
import { MIGRATION_ROLES } from './core/settings.js';
import { TOOL_VERSION, exitCodeFor } from './core/report.js';
import { redact, redactDeep, secretValues } from './core/secrets.js';
import { knownIds } from './gates/index.js';
import { renderJson } from './report/json.js';
import { renderMarkdown } from './report/markdown.js';
import { renderSarif } from './report/sarif.js';
import { renderText } from './report/text.js';
import { initSqlParser } from './sql/split.js';
import { terminalLogger, type TerminalLogger } from './terminal-logger.js';

/**
 * A developer's environment may hold secrets too (tokens, passwords), and the SQL checked may be
 * someone else's: their values never reach the terminal, the reports or the files written.
 */
const SECRETS = secretValues(process.env);

/** Every usage, input and infrastructure error, in one form, on stderr. */
function printError(message: string): void {
  process.stderr.write(redact(`schemagate: error: ${message}\n`, SECRETS));
}

/**
 * Progress on stderr: a live status line on a terminal, one line per phase otherwise.
 * SCHEMAGATE_PROGRESS=tty|lines|off chooses; NO_COLOR (or TERM=dumb) turns colour off.
 */
function progressLogger(verbose: boolean, env = process.env): TerminalLogger {
  const terminal = process.stderr.isTTY === true && env.TERM !== 'dumb';
  const chosen = env.SCHEMAGATE_PROGRESS;
  const progress =
    chosen === 'tty' || chosen === 'lines' || chosen === 'off'
      ? chosen
      : terminal
        ? 'tty'
        : 'lines';
  return terminalLogger({
    verbose,
    progress,
    colour: terminal && !env.NO_COLOR,
    write: (text) => void process.stderr.write(redact(text, SECRETS)),
    columns: () => process.stderr.columns,
  });
}

function program(): Command {
  const cmd = new Command('schemagate')
    .description('Prove PostgreSQL migrations safe on real, ephemeral Postgres before they merge.')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`schemagate: error: ${s.replace(/^error: /, '')}`),
    });
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
    .option(
      '--image <name:tag>',
      "docker provider's image, any with the official postgres image's contract (default: the compose file's Postgres image, else postgres:<major>)",
    )
    .option(
      '--setup <files>',
      'comma-separated SQL files or globs run before the merged migrations (as the migration role, or the superuser where it must)',
    )
    .addOption(
      new Option(
        '--preset <name>',
        'create what a platform provides first (default: supabase when supabase/config.toml exists)',
      ).choices([...PRESETS]),
    )
    .option(
      '--baseline <path>',
      'a schema dump of production (pg_dump --schema-only), or a schemagate snapshot folder, loaded instead of replaying the merged migrations',
    )
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
    .addOption(
      new Option(
        '--migration-role <role>',
        "who migrations run as: a managed platform's admin role, or a superuser (default admin)",
      ).choices([...MIGRATION_ROLES]),
    )
    .option(
      '--parallel <n>',
      'tenants replayed and checked at the same time (default: the number of cores)',
    )
    .option('-v, --verbose', 'also log what each phase does in detail to stderr')
    .action(
      async (dir: string | undefined, flags: Record<string, string | boolean | undefined>) => {
        process.exitCode = await check(dir, flags);
      },
    );
  cmd
    .command('snapshot')
    .description(
      "capture production's tenant schemas as baselines: one schema-only dump per distinct catalog (variant) and tenants.yml",
    )
    .requiredOption('--database-url <url>', 'the production server, read-only (no row is read)')
    .requiredOption('--out <dir>', 'folder to write <variant>.sql and tenants.yml to')
    .addOption(
      new Option('--topology <kind>', 'what a tenant is (default schema)').choices([...TOPOLOGIES]),
    )
    .option(
      '--tenants <glob>',
      'tenant schemas (or databases) to capture, e.g. tenant_* (default all)',
    )
    .option('--shared-schema <name>', 'the schema every tenant shares (default public)')
    .option('-v, --verbose', 'also log what each phase does in detail to stderr')
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      process.exitCode = await snapshot(flags);
    });
  return cmd;
}

async function snapshot(flags: Record<string, string | boolean | undefined>): Promise<number> {
  const logger = progressLogger(flags.verbose === true);
  process.once('exit', () => logger.stop());
  try {
    const url = checkDatabaseUrl('--database-url', String(flags.databaseUrl));
    const out = String(flags.out);
    if (existsSync(out) && !statSync(out).isDirectory())
      throw new InputError(`--out ${out} is a file; name a folder`);
    const result = await takeSnapshot(
      {
        databaseUrl: url,
        out,
        topology: (flags.topology as TopologyKind | undefined) ?? 'schema',
        ...(typeof flags.tenants === 'string' ? { tenants: flags.tenants } : {}),
        sharedSchema: typeof flags.sharedSchema === 'string' ? flags.sharedSchema : 'public',
      },
      logger,
    );
    logger.stop();
    const total = result.variants.reduce((n, v) => n + v.tenants.length, 0);
    const lines = result.variants.map(
      (v) => `  ${v.file}: ${v.tenants.length} tenant(s), ${v.representative} stands for them`,
    );
    process.stdout.write(
      `${total} tenant(s) of Postgres ${result.postgres} in ${result.variants.length} variant(s), written to ${out}:\n${lines.join('\n')}\n  tenants.yml\n`,
    );
    return 0;
  } catch (error) {
    logger.stop();
    if (error instanceof InputError || error instanceof InfrastructureError) {
      printError(error.message);
      return error.exitCode;
    }
    printError(`internal error: ${getErrorMessage(error)}`);
    return 3;
  }
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
    if (error instanceof InputError) {
      printError(error.message);
      return 2;
    }
    printError(`internal error: ${getErrorMessage(error)}`);
    return 3;
  }
  const logger = progressLogger(flags.verbose === true);
  const erase = () => logger.stop();
  // An interrupted run leaves no half-drawn status line behind.
  process.once('exit', erase);
  let report;
  try {
    report = redactDeep(await runCheck(options, logger), SECRETS);
  } finally {
    erase();
  }
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
      printError(`could not write ${file}: ${getErrorMessage(error)}`);
      unwritten = true;
    }
  }
  if (report.error) {
    // The files asked for hold the error too; the terminal gets it in the one error form.
    printError(report.error.message);
    return report.error.exitCode;
  }
  const colour = process.stdout.isTTY === true && json !== '-' && !process.env.NO_COLOR;
  (json === '-' ? process.stderr : process.stdout).write(renderText(report, colour));
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
    // Help and --version exit 0; a usage error (already printed by outputError) exits 2.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    printError(`internal error: ${getErrorMessage(error)}`);
    return 3;
  }
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
