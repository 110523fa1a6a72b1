import { describe, expect, it } from 'vitest';
import { diffCatalogs } from '../src/catalog/diff.js';
import { describeDrift, renderChanges } from '../src/catalog/render.js';
import type { CatalogSnapshot } from '../src/catalog/types.js';

/** A small catalog with one object of every kind the diff compares. */
function base(): CatalogSnapshot {
  return {
    schemas: ['$tenant', 'public'],
    tables: [
      {
        name: '$tenant.active_users',
        kind: 'view',
        persistence: 'permanent',
        owner: 'app',
        rlsEnabled: false,
        rlsForced: false,
        columns: [{ name: 'id', type: 'bigint', notNull: false }],
        viewDefinition: ' SELECT id FROM $tenant.users;',
        securityInvoker: true,
      },
      {
        name: '$tenant.users',
        kind: 'table',
        persistence: 'permanent',
        owner: 'app',
        rlsEnabled: true,
        rlsForced: true,
        columns: [
          { name: 'id', type: 'bigint', notNull: true, identity: 'always' },
          { name: 'email', type: 'text', notNull: true },
          { name: 'lower_email', type: 'text', notNull: false, generated: 'lower(email)' },
        ],
      },
    ],
    constraints: [
      {
        name: 'users_org_fkey',
        table: '$tenant.users',
        type: 'f',
        definition: 'FOREIGN KEY (id) REFERENCES public.orgs(id) ON DELETE CASCADE NOT VALID',
        columns: ['id'],
        references: { table: 'public.orgs', columns: ['id'] },
        onDelete: 'CASCADE',
        onUpdate: 'NO ACTION',
        deferrable: false,
        deferred: false,
        validated: false,
      },
      {
        name: 'users_pkey',
        table: '$tenant.users',
        type: 'p',
        definition: 'PRIMARY KEY (id)',
        columns: ['id'],
        deferrable: false,
        deferred: false,
        validated: true,
        index: '$tenant.users_pkey',
      },
    ],
    indexes: [
      {
        name: '$tenant.users_pkey',
        table: '$tenant.users',
        definition: 'CREATE UNIQUE INDEX users_pkey ON $tenant.users USING btree (id)',
        columns: ['id'],
        unique: true,
        primary: true,
        valid: true,
        constraint: 'users_pkey',
      },
    ],
    sequences: [
      { name: '$tenant.users_id_seq', type: 'bigint', ownedBy: '$tenant.users.id', increment: '1' },
    ],
    functions: [
      {
        name: '$tenant.user_count()',
        kind: 'function',
        returns: 'bigint',
        language: 'sql',
        securityDefiner: true,
        config: ['search_path=$tenant, pg_temp'],
        volatility: 'stable',
        body: 'select count(*) from users',
        owner: 'app',
      },
    ],
    triggers: [
      {
        name: 'users_audit',
        table: '$tenant.users',
        definition: 'CREATE TRIGGER users_audit AFTER INSERT ON $tenant.users',
        enabled: true,
      },
    ],
    types: [
      { name: '$tenant.address', kind: 'composite', elements: ['street text'] },
      { name: '$tenant.mood', kind: 'enum', elements: ['sad', 'happy'] },
    ],
    policies: [
      {
        name: 'tenant_rows',
        table: '$tenant.users',
        command: 'ALL',
        permissive: true,
        roles: ['app_user'],
        using: '(tenant_id = 1)',
      },
    ],
    grants: [
      {
        object: 'function $tenant.user_count()',
        grantee: 'PUBLIC',
        privilege: 'EXECUTE',
        grantable: false,
        revoked: true,
      },
      { object: 'table $tenant.users', grantee: 'app_user', privilege: 'SELECT', grantable: false },
    ],
    extensions: [{ name: 'pgcrypto', version: '1.3', schema: 'public' }],
  };
}

/** The diff of the base catalog against a copy changed by `edit`, as rendered lines. */
function linesAfter(edit: (s: CatalogSnapshot) => void): string[] {
  const after = structuredClone(base());
  edit(after);
  return renderChanges(diffCatalogs(base(), after));
}

describe('diffCatalogs', () => {
  it('finds nothing between equal catalogs', () => {
    expect(diffCatalogs(base(), base())).toEqual([]);
  });

  it.each<[string, (s: CatalogSnapshot) => void, string[]]>([
    ['schema', (s) => s.schemas.pop(), ['removed schema public']],
    [
      'extension',
      (s) => (s.extensions[0].version = '1.4'),
      ['changed extension pgcrypto: version 1.3 → 1.4'],
    ],
    [
      'enum',
      (s) => s.types[1].elements.push('ok'),
      ['changed type $tenant.mood: labels [sad, happy] → [sad, happy, ok]'],
    ],
    [
      'composite',
      (s) => (s.types[0].elements = ['street text', 'city text']),
      ['changed type $tenant.address: attributes [street text] → [street text, city text]'],
    ],
    [
      'sequence',
      (s) => (s.sequences[0].ownedBy = undefined),
      ['changed sequence $tenant.users_id_seq: owned by $tenant.users.id → none'],
    ],
    [
      'table owner',
      (s) => (s.tables[1].owner = 'admin'),
      ['changed table $tenant.users: owner app → admin'],
    ],
    [
      'rls',
      (s) => Object.assign(s.tables[1], { rlsEnabled: false, rlsForced: false }),
      [
        'changed table $tenant.users: row level security true → false; forced row level security true → false',
      ],
    ],
    [
      'persistence',
      (s) => (s.tables[1].persistence = 'unlogged'),
      ['changed table $tenant.users: persistence permanent → unlogged'],
    ],
    [
      'view invoker',
      (s) => (s.tables[0].securityInvoker = false),
      ['changed view $tenant.active_users: security_invoker true → false'],
    ],
    [
      'view definition',
      (s) => (s.tables[0].viewDefinition = ' SELECT id FROM public.users;'),
      [
        'changed view $tenant.active_users: definition SELECT id FROM $tenant.users; → SELECT id FROM public.users;',
      ],
    ],
    [
      'column type',
      (s) => (s.tables[1].columns[1].type = 'varchar(100)'),
      ['changed column $tenant.users.email: type text → varchar(100)'],
    ],
    [
      'column identity',
      (s) => (s.tables[1].columns[0].identity = 'by default'),
      ['changed column $tenant.users.id: identity always → by default'],
    ],
    [
      'column default',
      (s) => (s.tables[1].columns[1].default = "''::text"),
      ["changed column $tenant.users.email: default none → ''::text"],
    ],
    [
      'column generated',
      (s) => delete s.tables[1].columns[2].generated,
      ['changed column $tenant.users.lower_email: generated lower(email) → none'],
    ],
    [
      'column added',
      (s) => s.tables[1].columns.push({ name: 'age', type: 'int', notNull: false }),
      ['added column $tenant.users.age'],
    ],
    [
      'constraint validated',
      (s) =>
        Object.assign(s.constraints[0], {
          validated: true,
          definition: 'FOREIGN KEY (id) REFERENCES public.orgs(id) ON DELETE CASCADE',
        }),
      ['changed constraint $tenant.users.users_org_fkey: validated false → true'],
    ],
    [
      'constraint action',
      (s) =>
        Object.assign(s.constraints[0], {
          onDelete: 'RESTRICT',
          definition: 'FOREIGN KEY (id) REFERENCES public.orgs(id) ON DELETE RESTRICT NOT VALID',
        }),
      ['changed constraint $tenant.users.users_org_fkey: on delete CASCADE → RESTRICT'],
    ],
    [
      'constraint definition',
      (s) => (s.constraints[1].definition = 'PRIMARY KEY (id, email)'),
      [
        'changed constraint $tenant.users.users_pkey: definition PRIMARY KEY (id) → PRIMARY KEY (id, email)',
      ],
    ],
    [
      'index validity',
      (s) => (s.indexes[0].valid = false),
      ['changed index $tenant.users_pkey: valid true → false'],
    ],
    [
      'function security',
      (s) => (s.functions[0].securityDefiner = false),
      ['changed function $tenant.user_count(): security definer true → false'],
    ],
    [
      'function body',
      (s) => (s.functions[0].body = 'select 0'),
      ['changed function $tenant.user_count(): body select count(*) from users → select 0'],
    ],
    [
      'trigger',
      (s) => (s.triggers[0].enabled = false),
      ['changed trigger $tenant.users.users_audit: enabled true → false'],
    ],
    [
      'policy',
      (s) => Object.assign(s.policies[0], { command: 'SELECT', withCheck: '(tenant_id = 1)' }),
      [
        'changed policy $tenant.users.tenant_rows: command ALL → SELECT; with check none → (tenant_id = 1)',
      ],
    ],
    [
      'grant option',
      (s) => (s.grants[1].grantable = true),
      ['changed grant SELECT on table $tenant.users to app_user: grantable false → true'],
    ],
    [
      'revocation',
      (s) => s.grants.shift(),
      ['removed revocation EXECUTE on function $tenant.user_count() from PUBLIC'],
    ],
  ])('reports a change of %s', (_kind, edit, expected) => {
    expect(linesAfter(edit)).toEqual(expected);
  });

  it('leaves out what lived on a removed table and the grants on a removed function', () => {
    const lines = linesAfter((s) => {
      s.tables.pop();
      s.functions.pop();
    });
    expect(lines).toEqual(['removed table $tenant.users', 'removed function $tenant.user_count()']);
  });

  it('reports column order and keeps changes in a stable order', () => {
    const after = structuredClone(base());
    const users = after.tables[1];
    users.columns = [users.columns[1], users.columns[0], { ...users.columns[2], type: 'varchar' }];
    after.sequences = [];
    after.indexes.push({ ...after.indexes[0], name: '$tenant.a_idx', primary: false });
    expect(diffCatalogs(base(), after)).toEqual([
      { change: 'removed', kind: 'sequence', name: '$tenant.users_id_seq' },
      {
        change: 'changed',
        kind: 'table',
        name: '$tenant.users',
        properties: [
          {
            property: 'columnOrder',
            before: ['id', 'email', 'lower_email'],
            after: ['email', 'id', 'lower_email'],
          },
        ],
      },
      {
        change: 'changed',
        kind: 'column',
        name: '$tenant.users.lower_email',
        properties: [{ property: 'type', before: 'text', after: 'varchar' }],
      },
      { change: 'added', kind: 'index', name: '$tenant.a_idx' },
    ]);
  });
});

describe('describeDrift', () => {
  it('says when two tenants match', () => {
    expect(
      describeDrift({ name: 'tenant_1', snapshot: base() }, { name: 'tenant_2', snapshot: base() }),
    ).toBe('tenant_2 matches tenant_1');
  });

  it('names the differing objects and caps the list', () => {
    const drifted = structuredClone(base());
    drifted.schemas = ['$tenant'];
    drifted.extensions = [];
    drifted.types = [];
    drifted.tables[1].rlsForced = false;
    drifted.sequences.push({ name: '$tenant.extra_seq', type: 'bigint' });
    expect(
      describeDrift(
        { name: 'tenant_1', snapshot: base() },
        { name: 'tenant_2', snapshot: drifted },
      ),
    ).toBe(
      'tenant_2 differs from tenant_1: schema public only in tenant_1; extension pgcrypto only in tenant_1; ' +
        'type $tenant.address only in tenant_1; type $tenant.mood only in tenant_1; ' +
        'sequence $tenant.extra_seq only in tenant_2; and 1 more',
    );
  });

  it('shows both values of a changed property', () => {
    const drifted = structuredClone(base());
    drifted.tables[1].columns[1].type = 'character varying(100)';
    expect(
      describeDrift(
        { name: 'tenant_1', snapshot: base() },
        { name: 'tenant_3', snapshot: drifted },
      ),
    ).toBe(
      'tenant_3 differs from tenant_1: column $tenant.users.email differs (type: text in tenant_1, character varying(100) in tenant_3)',
    );
  });
});
