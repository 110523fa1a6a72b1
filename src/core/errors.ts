import { setupErrorLine, type SetupError } from './report.js';

/**
 * The engine throws only for broken input (exit 2) or broken infrastructure (exit 3); a violation
 * in the migrations is a Finding, never an exception.
 */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export class InfrastructureError extends Error {
  readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'InfrastructureError';
  }
}

/**
 * The base could not be built (exit 3): a merged migration, a setup script or the seed failed.
 * The report carries the diagnosis as `setupError`; it is never a finding on the PR.
 */
export class SetupFailure extends InfrastructureError {
  constructor(readonly setupError: SetupError) {
    super(setupErrorLine(setupError));
    this.name = 'SetupFailure';
  }
}

/**
 * What went wrong, as text, whatever was thrown: an Error's message, a string as it is, the
 * message of an object that has one (Emscripten's `ExitStatus`, a driver's error-like object),
 * any other object as JSON. Never `[object Object]`.
 */
export function getErrorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  if (error === null || error === undefined) return String(error);
  if (typeof error !== 'object') return String(error);
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && message !== '') return message;
  return toJson(error);
}

function toJson(value: object): string {
  try {
    const json = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    if (json !== undefined && json !== '{}') return json;
  } catch {
    // A cycle: fall through to the object's own description.
  }
  const text = safeString(value);
  if (text !== undefined && text !== '[object Object]') return text;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== 'Object' ? `a ${name} with no message` : 'an object with no message';
}

function safeString(value: object): string | undefined {
  try {
    return String(value);
  } catch {
    return undefined;
  }
}
