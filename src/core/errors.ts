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

export function getErrorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
