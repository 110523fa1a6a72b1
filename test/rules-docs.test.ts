import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATES, knownRules } from '../src/gates/index.js';

describe('rule documentation', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('has a page under docs/rules for every rule', () => {
    const missing = [...knownRules()].filter((id) => !existsSync(`docs/rules/${id}.md`));
    expect(missing).toEqual([]);
  });

  it('lists every gate rule in the README with its default severity', () => {
    const missing: string[] = [];
    for (const gate of GATES) {
      for (const rule of gate.rules) {
        if (!readme.includes(`| \`${rule.id}\` | ${gate.id} | ${rule.severity} |`))
          missing.push(`${gate.id}/${rule.id}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('lists every other rule in the README too', () => {
    const gateRules = new Set(GATES.flatMap((g) => g.rules.map((r) => r.id)));
    const missing = [...knownRules()].filter(
      (id) =>
        !gateRules.has(id) &&
        !new RegExp(`^\\| \`${id}\` \\| [a-z]+ \\| (blocker|warning|notice) \\|`, 'm').test(readme),
    );
    expect(missing).toEqual([]);
  });

  it('uses stable kebab-case rule ids, each owned by one gate', () => {
    const ids = GATES.flatMap((g) => g.rules.map((r) => r.id));
    expect(ids.filter((id) => !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id))).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });
});
