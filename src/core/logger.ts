/**
 * The engine logs through this interface only. The CLI maps it to the terminal, the Action to
 * `core.info`/`core.group`/`core.debug`, tests to a buffer.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** Runs `fn` inside a named, collapsible group of log lines: one group per phase. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Where the run is now. Each event replaces the one before (it is not merged with it); the
   * logger decides how, and how often, to show it.
   */
  progress(event: Progress): void;
}

/** One position of the run, e.g. `replay PR`, tenant 3 of 20, migration 2 of 4. */
export interface Progress {
  /** The phase: a step or gate name as its group is called, or one outside any group. */
  phase: string;
  /** 1-based position and count. */
  tenant?: [number, number];
  migration?: [number, number];
  /** What the phase does for this tenant when it is not a migration, e.g. `seeding`. */
  activity?: string;
  /** The statement that starts now, as `file:line`. */
  statement?: string;
  /** The phase ended: what it did, in one line. */
  done?: string;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  debug() {},
  group: (_name, fn) => fn(),
  progress() {},
};

/** Records lines (a finished phase as `phase: what it did`) and every progress event. */
export function memoryLogger(): Logger & { lines: string[]; events: Progress[] } {
  const lines: string[] = [];
  const events: Progress[] = [];
  return {
    lines,
    events,
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(`warning: ${m}`),
    debug: (m) => void lines.push(`debug: ${m}`),
    async group(name, fn) {
      lines.push(`[${name}]`);
      return fn();
    },
    progress(event) {
      events.push(event);
      if (event.done !== undefined) lines.push(`${event.phase}: ${event.done}`);
    },
  };
}
