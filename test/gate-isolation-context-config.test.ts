import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { optionsFromYaml } from './helpers/config.js';

/** `isolation.tenantContext` in .schemagate.yml: each kind with its defaults, and refusals. */

function refusal(yaml: string): string {
  try {
    optionsFromYaml(yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    return message.slice(message.lastIndexOf('.schemagate.yml:'));
  }
  throw new Error('the config was accepted');
}

const context = (yaml: string) =>
  optionsFromYaml(`isolation:\n  tenantContext:\n${yaml}`).settings.isolation.tenantContext;

describe('isolation.tenantContext', () => {
  it('reads each kind, with its defaults', () => {
    expect(optionsFromYaml('').settings.isolation.tenantContext).toBeUndefined();
    expect(
      context('    kind: setting\n    setting: app.current_org\n    role: app_user\n'),
    ).toEqual({ kind: 'setting', setting: 'app.current_org', role: 'app_user' });
    expect(
      context(
        '    kind: jwt\n    membership: { table: basejump.account_user, userColumn: user_id, tenantColumn: account_id }\n',
      ),
    ).toEqual({
      kind: 'jwt',
      role: 'authenticated',
      claims: 'request.jwt.claims',
      membership: {
        table: 'basejump.account_user',
        userColumn: 'user_id',
        tenantColumn: 'account_id',
      },
    });
    expect(context('    kind: role\n')).toEqual({ kind: 'role', pattern: 'tenant_{id}' });
    expect(
      context(`    kind: sql\n    sql: "select set_config('app.tenant', $1, false)"\n`),
    ).toEqual({
      kind: 'sql',
      sql: "select set_config('app.tenant', $1, false)",
    });
  });

  it('refuses what is not a tenant context, naming the key', () => {
    expect(refusal('isolation:\n  tenantContext: jwt\n')).toBe(
      '.schemagate.yml:2: isolation.tenantContext: expected a mapping with kind: setting, jwt, role or sql, got "jwt"',
    );
    expect(refusal('isolation:\n  tenantContext: { kind: cookie }\n')).toBe(
      '.schemagate.yml:2: isolation.tenantContext.kind: expected a mapping with kind: setting, jwt, role or sql, got "cookie"',
    );
    expect(refusal('isolation:\n  tenantContext: { kind: role, pattern: tenant }\n')).toBe(
      '.schemagate.yml:2: isolation.tenantContext.pattern: expected a role name pattern holding {id}, e.g. \'tenant_{id}\', got "tenant"',
    );
    expect(refusal('isolation:\n  tenantContext: { kind: jwt, claim: x }\n')).toBe(
      '.schemagate.yml:2: isolation.tenantContext.claim: unknown key, expected one of kind, role, claims, membership',
    );
  });
});
