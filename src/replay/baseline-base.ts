import type { Format, Migration } from '../core/model.js';
import type { TenantHandle } from '../core/tenants.js';
import type { TocEntry } from '../sql/pg-dump.js';
import type { Baseline, BaselineVariant } from './baseline.js';
import { loadDump, type LoadResult } from './baseline-load.js';
import { heldVersions } from './baseline-versions.js';
import type { Workspace } from './workspace.js';

/**
 * The base database built from a baseline: its dumps loaded, then for each tenant the merged
 * migrations its version table lacks, to be replayed on top (and those it lacks below its
 * version, named in the notes).
 */
export interface BaselineBase {
  notes: string[];
  /** Per tenant: the merged migrations the baseline holds (the version table's rows). */
  held: Map<string, Migration[]>;
  /** Per tenant: the merged migrations to replay on top of the baseline. */
  pending: Map<string, Migration[]>;
}

export async function loadBaselineBase(
  ws: Workspace,
  baseline: Baseline,
  merged: Migration[],
  format: Format,
  tenants: TenantHandle[],
): Promise<BaselineBase> {
  const notes: string[] = [];
  const perDatabase = ws.topology.databasePerTenant;
  for (const [i, variant] of baseline.variants.entries()) {
    // In one database later variants share the first one's: only their tenant's schema is theirs.
    const only =
      i > 0 && variant.representative && !perDatabase
        ? ofSchema(variant.representative)
        : undefined;
    const database = perDatabase ? ws.baseOf(variant.representative ?? '') : ws.baseDatabase;
    const loaded = await loadDump(ws, database, variant.dump, {
      file: variant.file,
      ...(only ? { only } : {}),
    });
    notes.push(loadNote(variant, loaded, baseline.kind));
  }
  const held = new Map<string, Migration[]>();
  const pending = new Map<string, Migration[]>();
  const version = ws.options.settings.baselineVersion;
  const said = new Map<string, string[]>();
  const say = (tenant: string, text: string) => said.set(text, [...(said.get(text) ?? []), tenant]);
  for (const t of tenants) {
    const client = await ws.connect(t);
    try {
      const v = await heldVersions(client, format, merged, version);
      held.set(t.name, v.held);
      pending.set(t.name, v.pending);
      say(
        t.name,
        `the baseline holds ${v.held.length} of ${merged.length} merged migration(s)${v.version ? ` (up to ${v.version})` : ''}, from ${v.source}${v.pending.length ? `; ${v.pending.map((m) => m.id).join(', ')} replayed on top` : ''}`,
      );
      if (v.lacking.length)
        say(
          t.name,
          `the baseline lacks merged migration(s) ${v.lacking.map((m) => `${m.id} (${m.file})`).join(', ')}, older than its version ${v.version}: production never ran them; not replayed`,
        );
    } finally {
      await client.end();
    }
  }
  for (const [text, names] of said)
    notes.push(tenants.length > 1 ? `${who(names)}: ${text}` : text);
  return { notes, held, pending };
}

function who(names: string[]): string {
  const more = names.length > 5 ? ` and ${names.length - 5} more` : '';
  return `${names.slice(0, 5).join(', ')}${more}`;
}

/** The statements of one tenant schema's objects, and the session settings every dump starts with. */
function ofSchema(schema: string): (toc: TocEntry | undefined, kind: string) => boolean {
  return (toc, kind) =>
    !toc ||
    kind === 'VariableSetStmt' ||
    toc.schema === schema ||
    (toc.schema === undefined && (toc.name === schema || toc.name === `SCHEMA ${schema}`));
}

function loadNote(variant: BaselineVariant, loaded: LoadResult, kind: Baseline['kind']): string {
  const what =
    kind === 'snapshot'
      ? `variant ${variant.name} (${variant.representative}, standing for ${variant.tenants.length} tenant(s))`
      : 'baseline';
  const parts = [`${what}: loaded ${loaded.statements} statement(s) of ${variant.file}`];
  if (loaded.asSuperuser) parts.push(`${loaded.asSuperuser} as the superuser`);
  if (loaded.missingRoles.size)
    parts.push(
      `statements naming role(s) this server lacks were not run (${[...loaded.missingRoles].sort().join(', ')}; create them in setup: to check their grants)`,
    );
  return parts.join('; ');
}
