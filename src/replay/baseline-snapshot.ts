import { parse, stringify } from 'yaml';
import { InputError } from '../core/errors.js';
import { TOPOLOGIES, type TopologyKind } from '../core/model.js';

/**
 * `tenants.yml` of a `schemagate snapshot` folder: which tenants each variant (one distinct
 * catalog, one `<variant>.sql`) stands for. Written by the snapshot command, read by check.
 */

export const TENANTS_FILE = 'tenants.yml';

export interface SnapshotVariant {
  name: string;
  /** The variant's dump, relative to the snapshot folder. */
  file: string;
  /** The tenant whose schema (or database) the dump holds: it stands for the others. */
  representative: string;
  tenants: string[];
}

export interface SnapshotIndex {
  topology: TopologyKind;
  /** The schema every tenant shares (the schema topology). */
  sharedSchema?: string;
  /** The production server's version. */
  postgres?: string;
  variants: SnapshotVariant[];
}

/** Variant names in order: a, b, …, z, aa, ab, … */
export function variantName(i: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return i < 26 ? letters[i] : `${variantName(Math.floor(i / 26) - 1)}${letters[i % 26]}`;
}

export function writeTenantsFile(index: SnapshotIndex): string {
  const total = index.variants.reduce((n, v) => n + v.tenants.length, 0);
  const body = {
    topology: index.topology,
    ...(index.sharedSchema ? { sharedSchema: index.sharedSchema } : {}),
    ...(index.postgres ? { postgres: index.postgres } : {}),
    tenants: total,
    variants: Object.fromEntries(
      index.variants.map((v) => [
        v.name,
        {
          file: v.file,
          representative: v.representative,
          count: v.tenants.length,
          tenants: v.tenants,
        },
      ]),
    ),
  };
  return `# schemagate snapshot: one baseline per distinct tenant catalog (variant)\n${stringify(body)}`;
}

export function readTenantsFile(text: string, where: string): SnapshotIndex {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new InputError(`${where}: not YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const bad = (what: string) => new InputError(`${where}: ${what}`);
  if (!isRecord(doc)) throw bad('expected a mapping with topology and variants');
  const topology = doc.topology;
  if (!TOPOLOGIES.includes(topology as TopologyKind))
    throw bad(`topology: expected one of ${TOPOLOGIES.join(', ')}, got ${String(topology)}`);
  if (!isRecord(doc.variants) || Object.keys(doc.variants).length === 0)
    throw bad('variants: expected a mapping of variant names to {file, representative, tenants}');
  const variants = Object.entries(doc.variants).map(([name, v]) => {
    const at = `variants.${name}`;
    if (!isRecord(v)) throw bad(`${at}: expected a mapping of file, representative, tenants`);
    const tenants = v.tenants;
    if (typeof v.file !== 'string') throw bad(`${at}.file: expected a file name`);
    if (!Array.isArray(tenants) || tenants.length === 0 || !tenants.every(isName))
      throw bad(`${at}.tenants: expected a list of tenant names`);
    const representative = v.representative ?? tenants[0];
    if (!isName(representative) || !tenants.includes(representative))
      throw bad(`${at}.representative: expected one of the variant's tenants`);
    return { name, file: v.file, representative, tenants: tenants.map(String) };
  });
  return {
    topology: topology as TopologyKind,
    ...(typeof doc.sharedSchema === 'string' ? { sharedSchema: doc.sharedSchema } : {}),
    ...(doc.postgres !== undefined ? { postgres: String(doc.postgres) } : {}),
    variants,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
