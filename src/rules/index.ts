/**
 * The rule registry: every rule schemagate reports, declared once in the file of the gate whose
 * findings carry it. Config validation, the docs and the README table are checked against it.
 */
import { COMPAT } from './compat.js';
import { ENGINE } from './engine.js';
import { GRAPH } from './graph.js';
import { ISOLATION } from './isolation.js';
import { LOCKS } from './locks.js';
import { REPLAY } from './replay.js';
import { REPLICA } from './replica.js';
import { ROLLBACK } from './rollback.js';
import type { Rule } from './rule.js';

export { finding, severityDeclared, type FindingFields, type Rule } from './rule.js';
export { COMPAT, ENGINE, GRAPH, ISOLATION, LOCKS, REPLAY, REPLICA, ROLLBACK };

const ALL: readonly Rule[] = [
  REPLAY,
  ENGINE,
  GRAPH,
  LOCKS,
  ISOLATION,
  ROLLBACK,
  REPLICA,
  COMPAT,
].flatMap((group) => Object.values<Rule>(group));

/** Every rule by id. */
export const RULES: ReadonlyMap<string, Rule> = new Map(ALL.map((r) => [r.id, r]));

/** Every rule, gate by gate in the order the gates run (the engine's own after replay's). */
export function allRules(): readonly Rule[] {
  return ALL;
}

export function ruleById(id: string): Rule | undefined {
  return RULES.get(id);
}
