import { describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.js';
import { optionsFromYaml } from './helpers/config.js';

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

describe('isolation.tenantContext', () => {
  it('x', () => {
    for (const y of [
      'isolation:\n  tenantContext: {kind: jwt}\n',
      'isolation:\n  tenantContext:\n    kind: jwt\n    membership: {table: basejump.account_user, userColumn: user_id, tenantColumn: account_id}\n',
      'isolation:\n  tenantContext: {kind: role}\n',
      "isolation:\n  tenantContext: {kind: sql, sql: \"select set_config('app.tenant', $1, false)\"}\n",
      'isolation:\n  tenantContext: {kind: setting, setting: app.org_id}\n',
    ])
      console.log(JSON.stringify(optionsFromYaml(y).settings.isolation.tenantContext));
    for (const y of [
      'isolation:\n  tenantContext: {kind: foo}\n',
      'isolation:\n  tenantContext: {kind: sql}\n',
      'isolation:\n  tenantContext: {kind: role, pattern: x}\n',
      'isolation:\n  tenantContext: {kind: jwt, bogus: 1}\n',
      'isolation:\n  tenantContext: jwt\n',
      'isolation:\n  tenantContext:\n    kind: jwt\n    membership: {table: m}\n',
    ])
      console.log(refusal(y));
  });
});
