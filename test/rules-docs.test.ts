import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GATES } from '../src/gates/index.js';
import { allRules } from '../src/rules/index.js';

const knownRules = () => new Set(allRules().map((r) => r.id));
/** The rules whose findings carry `gate`. */
const rulesOf = (gate: { id: string }) => allRules().filter((r) => r.gate === gate.id);

describe('rule documentation', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('has a page under docs/rules for every rule', () => {
    const missing = [...knownRules()].filter((id) => !existsSync(`docs/rules/${id}.md`));
    expect(missing).toEqual([]);
  });

  it('lists every gate rule in the README with its default severity', () => {
    const missing: string[] = [];
    for (const gate of GATES) {
      for (const rule of rulesOf(gate)) {
        if (!readme.includes(`| \`${rule.id}\` | ${gate.id} | ${rule.severity} |`))
          missing.push(`${gate.id}/${rule.id}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('lists every other rule in the README too', () => {
    const gateRules = new Set(GATES.flatMap((g) => rulesOf(g).map((r) => r.id)));
    const missing = [...knownRules()].filter(
      (id) =>
        !gateRules.has(id) &&
        !new RegExp(`^\\| \`${id}\` \\| [a-z]+ \\| (blocker|warning|notice) \\|`, 'm').test(readme),
    );
    expect(missing).toEqual([]);
  });

  it('uses stable kebab-case rule ids, each owned by one gate', () => {
    const ids = allRules().map((r) => r.id);
    expect(ids.filter((id) => !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id))).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('has no page under docs/rules that is not a registered rule', () => {
    // docs/rules/README.md maps other tools' rules to these; it is not a rule page.
    const pages = readdirSync('docs/rules').filter((f) => f.endsWith('.md') && f !== 'README.md');
    const ids = knownRules();
    expect(pages.filter((f) => !ids.has(f.replace(/\.md$/, '')))).toEqual([]);
  });

  it('lists every rule in the README with the gate its findings carry', () => {
    const rows = [
      ...readme.matchAll(/^\| `([a-z0-9-]+)` \| ([a-z]+) \| (blocker|warning|notice) \|/gm),
    ];
    const registered = allRules().map((r) => [r.id, r.gate, r.severity]);
    expect(rows.map((m) => [m[1], m[2], m[3]])).toEqual(registered);
  });

  it('links every rule to its page and names a gate that exists', () => {
    const gates = new Set<string>([...GATES.map((g) => g.id), 'any']);
    const wrong = allRules().filter(
      (r) => r.docs !== `docs/rules/${r.id}.md` || !gates.has(r.gate) || !r.title,
    );
    expect(wrong).toEqual([]);
  });
});
