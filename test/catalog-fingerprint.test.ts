import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprint } from '../src/catalog/fingerprint.js';
import { tenantRenamer } from '../src/catalog/normalise.js';
import type { CatalogSnapshot } from '../src/catalog/types.js';

function empty(): CatalogSnapshot {
  return {
    schemas: ['$tenant'],
    tables: [],
    constraints: [],
    indexes: [],
    sequences: [],
    functions: [],
    triggers: [],
    types: [],
    policies: [],
    grants: [],
    extensions: [],
  };
}

describe('fingerprint', () => {
  it('is the sha256 of the canonical JSON', () => {
    // sha256 of {"constraints":[],"extensions":[],...,"schemas":["$tenant"],...,"types":[]}
    expect(fingerprint(empty())).toBe(
      'd392845c7c3e912551ca8a642c7ad11b4e41115e613b4f10289571df5629400e',
    );
    expect(canonicalJson({ b: 1, a: [2, { d: undefined, c: 'x' }] })).toBe(
      '{"a":[2,{"c":"x"}],"b":1}',
    );
  });

  it('does not depend on the order fields were built in, or on undefined fields', () => {
    const reordered = Object.fromEntries(Object.entries(empty()).reverse()) as CatalogSnapshot;
    expect(Object.keys(reordered)[0]).toBe('extensions');
    const withUndefined = { ...empty(), note: undefined } as CatalogSnapshot;
    expect(fingerprint(reordered)).toBe(fingerprint(empty()));
    expect(fingerprint(withUndefined)).toBe(fingerprint(empty()));
  });

  it('changes with any difference, including list order', () => {
    const a = {
      ...empty(),
      types: [{ name: '$tenant.mood', kind: 'enum' as const, elements: ['a', 'b'] }],
    };
    const b = {
      ...empty(),
      types: [{ name: '$tenant.mood', kind: 'enum' as const, elements: ['b', 'a'] }],
    };
    expect(fingerprint(a)).not.toBe(fingerprint(b));
    expect(fingerprint(a)).not.toBe(fingerprint(empty()));
  });
});

describe('tenantRenamer', () => {
  const rename = tenantRenamer('tenant_1');

  it.each([
    ['tenant_1.users', '$tenant.users'],
    [
      "nextval('tenant_1.invoices_id_seq'::regclass)",
      "nextval('$tenant.invoices_id_seq'::regclass)",
    ],
    ['search_path=tenant_1, pg_temp', 'search_path=$tenant, pg_temp'],
    ['"tenant_1".users', '$tenant.users'],
    ['tenant_1', '$tenant'],
    ['tenant_10.users', 'tenant_10.users'],
    ['tenant_1_archive.users', 'tenant_1_archive.users'],
    ['my_tenant_1.users', 'my_tenant_1.users'],
  ])('renames %s to %s', (input, output) => {
    expect(rename(input)).toBe(output);
  });

  it('renames a tenant schema whose name needs quoting', () => {
    const quoted = tenantRenamer('Acme Corp');
    expect(quoted('"Acme Corp".users')).toBe('$tenant.users');
    expect(quoted('Acme Corp')).toBe('$tenant');
    expect(quoted('Acme Corporation')).toBe('Acme Corporation');
  });

  it('leaves text alone without a tenant schema', () => {
    expect(tenantRenamer(undefined)('tenant_1.users')).toBe('tenant_1.users');
  });
});
