import { describe, expect, it } from 'vitest';
import { getErrorMessage, InputError } from '../src/core/errors.js';

describe('getErrorMessage', () => {
  it('gives an Error its message, and its name when the message is empty', () => {
    expect(getErrorMessage(new Error('boom'))).toBe('boom');
    expect(getErrorMessage(new InputError('bad input'))).toBe('bad input');
    expect(getErrorMessage(new TypeError(''))).toBe('TypeError');
  });

  it('keeps a thrown string as it is, and names other primitives', () => {
    expect(getErrorMessage('plain text')).toBe('plain text');
    expect(getErrorMessage(42)).toBe('42');
    expect(getErrorMessage(undefined)).toBe('undefined');
    expect(getErrorMessage(null)).toBe('null');
  });

  it('reads the message of an object that has one, as the WASM parser throws on abort', () => {
    // What libpg-query throws when the parser runs out of memory: Emscripten's ExitStatus.
    const exit = { name: 'ExitStatus', message: 'Program terminated with exit(1)', status: 1 };
    expect(getErrorMessage(exit)).toBe('Program terminated with exit(1)');
  });

  it('writes any other object as JSON, never [object Object]', () => {
    expect(getErrorMessage({ code: 'E1', detail: 'x' })).toBe('{"code":"E1","detail":"x"}');
    expect(getErrorMessage({ message: 7 })).toBe('{"message":7}');
    expect(getErrorMessage({ n: 10n })).toBe('{"n":"10"}');
    expect(getErrorMessage(['a', 1])).toBe('["a",1]');
  });

  it('describes objects JSON cannot write', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(getErrorMessage(cycle)).toBe('an object with no message');
    expect(getErrorMessage({})).toBe('an object with no message');
    expect(getErrorMessage(Object.create(null))).toBe('an object with no message');
    class Custom {
      toString() {
        return 'custom failure';
      }
    }
    expect(getErrorMessage(new Custom())).toBe('custom failure');
    class Silent {}
    expect(getErrorMessage(new Silent())).toBe('a Silent with no message');
  });
});
