/**
 * The engine logs through this interface only. The CLI maps it to the terminal, the Action to
 * `core.info`/`core.group`/`core.debug`, tests to a buffer.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Runs `fn` inside a named, collapsible group of log lines. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
  group: (_name, fn) => fn(),
};

export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(`warning: ${m}`),
    debug: (m) => void lines.push(`debug: ${m}`),
    async group(name, fn) {
      lines.push(`[${name}]`);
      return fn();
    },
  };
}
