import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE, GRAPH, LOCKS, REPLAY, RULES, allRules, finding } from '../src/rules/index.js';
import type { Rule } from '../src/rules/index.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const isRule = (v: unknown): v is Rule =>
  typeof v === 'object' && v !== null && 'id' in v && 'docs' in v && 'gate' in v;

describe('rule registry', () => {
  it('registers every rule the rule files declare, each under its own id', async () => {
    const declared: Rule[] = [];
    for (const file of sourceFiles('src/rules')) {
      const module = (await import(/* @vite-ignore */ `../${file}`)) as Record<string, unknown>;
      for (const group of Object.values(module)) {
        if (typeof group !== 'object' || group === null) continue;
        declared.push(...Object.values(group).filter(isRule));
      }
    }
    expect(declared.filter((r) => RULES.get(r.id) !== r).map((r) => r.id)).toEqual([]);
    expect(new Set(declared).size).toBe(allRules().length);
  });

  it('builds a finding with the rule id, gate, default severity and docs page', () => {
    expect(finding(LOCKS.nonConcurrentIndex, { file: 'a.sql', line: 3, message: 'm' })).toEqual({
      gate: 'locks',
      rule: 'non-concurrent-index',
      severity: 'warning',
      file: 'a.sql',
      line: 3,
      message: 'm',
      docs: 'docs/rules/non-concurrent-index.md',
    });
    expect(finding(GRAPH.outOfOrder, { severity: 'warning', message: 'm' }).severity).toBe(
      'warning',
    );
    expect(finding(REPLAY.unusedIgnore, { message: 'm' }).gate).toBe('replay');
  });

  it('lets only a rule about any gate name the gate, and requires it there', () => {
    expect(finding(ENGINE.gateError, { gate: 'rollback', message: 'm' })).toEqual({
      gate: 'rollback',
      rule: 'gate-error',
      severity: 'blocker',
      message: 'm',
      docs: 'docs/rules/gate-error.md',
    });
    expect(() => finding(ENGINE.gateError, { message: 'm' })).toThrow(/must name the gate/);
    expect(() => finding(LOCKS.jsonColumn, { gate: 'graph', message: 'm' })).toThrow(
      /json-column findings are locks's/,
    );
  });

  it('is the only place that spells out findings, rules and docs links', () => {
    // An object literal with a rule and a message or severity is a finding built by hand (`rule: x,`
    // or shorthand `rule,`; a type's `rule: string;` is not); one with an id and a severity is a
    // rule declared outside the registry.
    const findingLiteral = /\{[^{}]*(?<![.\w])rule\s*(:[^;{}]*)?,[^{}]*\b(message|severity)\b/s;
    const ruleLiteral = /\{[^{}]*\bid\s*:\s*['"`][a-z0-9-]+['"`][^{}]*\bseverity\s*:/s;
    const docsLink = /docs\/rules\/(\$\{|[a-z])/;
    const offending = sourceFiles('src')
      .filter((file) => !file.startsWith(join('src', 'rules')))
      .flatMap((file) => {
        const text = readFileSync(file, 'utf8');
        return [
          ...(findingLiteral.test(text) ? [`${file}: finding literal`] : []),
          ...(ruleLiteral.test(text) ? [`${file}: rule literal`] : []),
          ...(docsLink.test(text) ? [`${file}: docs link`] : []),
        ];
      });
    expect(offending).toEqual([]);
  });
});
