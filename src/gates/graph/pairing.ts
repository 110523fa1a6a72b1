/**
 * Structural pairing of up and down files where the format keeps them apart (golang-migrate:
 * `NNN_name.up.sql` + `NNN_name.down.sql`, paired by version). A missing down as such is the
 * rollback gate's business; here: downs that pair with nothing, and pairs renumbered halfway.
 */
import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Finding, Migration } from '../../core/model.js';
import { finding, type GateContext } from '../gate.js';
import { GATE_ID, RULES } from './rules.js';

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
  const orphans = orphanDowns(ctx);
  const reported = new Set(
    ctx.discovery.findings.filter((f) => f.rule === RULES.orphanDown.id).map((f) => f.file),
  );
  const orphanFindings = orphans
    .filter((d) => !reported.has(d.file))
    .map((d) =>
      finding(GATE_ID, RULES.orphanDown, {
        file: d.file,
        line: 1,
        message: `${d.file} has no up migration with version ${d.version}; golang-migrate pairs up and down by version, so this down never runs and its up may be missing`,
        help: `Add the matching ${d.version}_${d.name}.up.sql, renumber the down to its up's version, or delete it.`,
      }),
    );
  return [...orphanFindings, ...renumberedPairs(ctx, orphans)];
}

/** An up without a down while a down of the same name sits under another version. */
function renumberedPairs(ctx: GateContext, orphans: DownFile[]): Finding[] {
  return ctx.plan.added.flatMap((m) => {
    const name = upName(m);
    const down =
      !m.downFile && name !== undefined ? orphans.find((d) => d.name === name) : undefined;
    if (!down) return [];
    return finding(GATE_ID, RULES.unpairedUp, {
      file: m.file,
      line: 1,
      message: `${m.file} has no down, but ${down.file} has the same name under version ${down.version}: the pair was renumbered halfway, so rolling back ${m.id} runs nothing`,
      help: `Rename ${down.file} to version ${m.id}.`,
    });
  });
}
