/**
 * What a rule is: a stable kebab-case id (config `rules:` and ignore comments name it), the gate
 * whose findings carry it, a default severity, a one-line title and a docs page.
 */
import type { Finding, GateId, Severity } from '../core/model.js';

export interface Rule {
  id: string;
  /** The gate its findings name; `any` for a rule that reports on whichever gate it is about. */
  gate: GateId | 'any';
  severity: Severity;
  /**
   * The other severities its findings take, each with when: `{ warning: 'when only the down
   * changed' }`. The README row says `(a warning when only the down changed)` and the docs page's
   * severity line `warning when only the down changed`; test/rules-severity.test.ts holds the
   * three and the findings to it.
   */
  otherSeverities?: Partial<Record<Severity, string>>;
  title: string;
  /** `docs/rules/<id>.md`, relative to the repository root. */
  docs: string;
}

type Declared = Pick<Rule, 'id' | 'severity' | 'title' | 'otherSeverities'>;

/** A gate's rules, keyed by the names its code uses; the gate and docs page are filled in. */
export function defineRules<K extends string>(
  gate: Rule['gate'],
  rules: Record<K, Declared>,
): Record<K, Rule> {
  const out = {} as Record<K, Rule>;
  for (const key of Object.keys(rules) as K[]) {
    const { id, severity, title, otherSeverities } = rules[key];
    out[key] = {
      id,
      gate,
      severity,
      ...(otherSeverities ? { otherSeverities } : {}),
      title,
      docs: `docs/rules/${id}.md`,
    };
  }
  return out;
}

/** What a finding says beyond its rule: where, what and how to fix it. */
export type FindingFields = Omit<Finding, 'gate' | 'rule' | 'severity' | 'docs'> & {
  /** Overrides the rule's default severity. */
  severity?: Severity;
  /** Only for a rule whose findings name another gate (`gate-error` names the failing gate). */
  gate?: Finding['gate'];
};

/** Whether the rule's findings may carry `severity`: its default or one it declares. */
export function severityDeclared(rule: Rule, severity: Severity): boolean {
  return severity === rule.severity || rule.otherSeverities?.[severity] !== undefined;
}

/** The one way to build a finding: the rule gives its id, gate, default severity and docs. */
export function finding(rule: Rule, fields: FindingFields): Finding {
  const { gate = rule.gate, severity = rule.severity, ...rest } = fields;
  if (gate === 'any') throw new Error(`a ${rule.id} finding must name the gate it is about`);
  if (fields.gate && rule.gate !== 'any') throw new Error(`${rule.id} findings are ${rule.gate}'s`);
  return { gate, rule: rule.id, severity, ...rest, docs: rule.docs };
}
