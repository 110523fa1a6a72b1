/**
 * Structural pairing of up and down files where the format keeps them apart (golang-migrate:
 * `NNN_name.up.sql` + `NNN_name.down.sql`, paired by version). A missing down as such is the
 * rollback gate's business; here: downs that pair with nothing, and pairs renumbered halfway.
 */
import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Finding, Migration } from '../../core/model.js';
import type { GateContext } from '../gate.js';
import { GRAPH, finding } from '../../rules/index.js';
import { orphanDownFinding } from '../../rules/graph-findings.js';
import { isPopMigration } from '../../discover/pop.js';

interface DownFile {
  file: string;
  version: string;
  name: string;
}

const DOWN_FILE = /^(\d+)_(.*)\.down\.sql$/;
const UP_NAME = /^\d+_(.*)\.up\.sql$/;

function downFiles(ctx: GateContext): DownFile[] {
  let names: string[];
  try {
    names = readdirSync(join(ctx.options.repoRoot, ctx.options.dir));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const m = n.match(DOWN_FILE);
    return m ? [{ file: posix.join(ctx.options.dir, n), version: m[1], name: m[2] }] : [];
  });
}

const upName = (m: Migration) => posix.basename(m.file).match(UP_NAME)?.[1];

/** Down files no migration pairs with, unless discovery already said so. */
function orphanDowns(ctx: GateContext): DownFile[] {
  const paired = new Set(ctx.discovery.migrations.flatMap((m) => (m.downFile ? [m.downFile] : [])));
  return downFiles(ctx).filter((d) => !paired.has(d.file));
}

export function pairingFindings(ctx: GateContext): Finding[] {
  if (ctx.discovery.format !== 'golang-migrate') return [];
  // ory/pop's downs of other dialects pair with nothing here; discovery paired its own.
  if (ctx.discovery.migrations.some(isPopMigration)) return [];
  const orphans = orphanDowns(ctx);
  const reported = new Set(
    ctx.discovery.findings.filter((f) => f.rule === GRAPH.orphanDown.id).map((f) => f.file),
  );
  const orphanFindings = orphans
    .filter((d) => !reported.has(d.file))
    .map((d) => {
      const upFile = `${d.version}_${d.name}.up.sql`;
      return orphanDownFinding({ file: d.file, version: d.version, upFile }, 'golang-migrate');
    });
  return [...orphanFindings, ...renumberedPairs(ctx, orphans)];
}

/** An up without a down while a down of the same name sits under another version. */
function renumberedPairs(ctx: GateContext, orphans: DownFile[]): Finding[] {
  return ctx.plan.added.flatMap((m) => {
    const name = upName(m);
    const down =
      !m.downFile && name !== undefined ? orphans.find((d) => d.name === name) : undefined;
    if (!down) return [];
    return finding(GRAPH.unpairedUp, {
      file: m.file,
      line: 1,
      message: `${m.file} has no down, but ${down.file} has the same name under version ${down.version}: the pair was renumbered halfway, so rolling back ${m.id} runs nothing`,
      help: `Rename ${down.file} to version ${m.id}.`,
    });
  });
}
