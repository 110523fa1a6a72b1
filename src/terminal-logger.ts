import pc from 'picocolors';
import type { Logger, Progress } from './core/logger.js';

/**
 * The CLI's Logger on stderr. `tty`: one status line redrawn in place (phase, tenant, migration,
 * elapsed time, and the running statement once it takes more than 2 s), redrawn every second so
 * a long statement never looks stuck. `lines`: one line per phase when it ends, and one saying
 * where the run is when a phase has printed nothing for 10 s. `off`: neither. Warnings always
 * print; `-v` adds the engine's lines and the per-phase lines.
 */
export interface TerminalOptions {
  verbose: boolean;
  progress: 'tty' | 'lines' | 'off';
  colour: boolean;
  write: (text: string) => void;
  /** Width of the terminal: the status line is cut to fit, or it would wrap and not redraw. */
  columns?: () => number | undefined;
  now?: () => number;
}

export interface TerminalLogger extends Logger {
  /** Erases the status line and stops its timer: call before printing the report. */
  stop(): void;
  /** The status line's text, fitted to `width` characters when it can be. */
  status(width?: number): string;
}

const TICK_MS = 1000;
const SLOW_STATEMENT_MS = 2000;
const QUIET_MS = 10_000;
const CLEAR_LINE = '\r\x1b[2K';

interface Phase {
  name: string;
  started: number;
  done?: string;
}

export function terminalLogger(options: TerminalOptions): TerminalLogger {
  return new Terminal(options);
}

class Terminal implements TerminalLogger {
  private readonly now: () => number;
  private readonly started: number;
  private depth = 0;
  private phase?: Phase;
  /** The phase last begun: shown until the next one, or an event outside any phase, comes. */
  private lastPhase = 'starting';
  private position?: Progress;
  private statementSince = 0;
  private drawn = false;
  private lastDraw = 0;
  private lastLine: number;
  private timer?: ReturnType<typeof setInterval>;
  private stopped = false;
  private readonly dim: (s: string) => string;

  constructor(private readonly o: TerminalOptions) {
    this.now = o.now ?? Date.now;
    this.started = this.now();
    this.lastLine = this.started;
    this.dim = pc.createColors(o.colour).dim;
  }

  info(message: string): void {
    if (this.o.verbose) this.line(message);
  }

  debug(message: string): void {
    if (this.o.verbose) this.line(message);
  }

  warn(message: string): void {
    this.line(`warning: ${message}`);
  }

  async group<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.o.verbose) this.line(`▸ ${name}`);
    if (this.depth > 0) return fn();
    this.depth++;
    const phase: Phase = { name, started: this.now() };
    this.phase = phase;
    this.lastPhase = name;
    this.position = undefined;
    this.startTimer();
    this.draw();
    let ok = false;
    try {
      const value = await fn();
      ok = true;
      return value;
    } finally {
      this.depth--;
      this.phase = undefined;
      this.position = undefined;
      this.ended(phase, ok);
    }
  }

  progress(event: Progress): void {
    if (event.done !== undefined) {
      if (this.phase) this.phase.done = event.done;
      return;
    }
    if (event.statement !== this.position?.statement) this.statementSince = this.now();
    const moved = where(event) !== where(this.position);
    this.position = event;
    this.startTimer();
    // Statements can come by the thousand: a new one alone waits for the timer.
    if (moved || this.now() - this.lastDraw >= 200) this.draw();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.erase();
  }

  /**
   * `replay PR · tenant 3/20 · migration 2/4 · 41 s · running a.sql:2 for 12 s`. The running
   * statement matters most: to fit `width`, its folders go first, then the run's time, then the
   * middle of its file name.
   */
  status(width = Infinity): string {
    const p = this.position;
    const head = [p?.phase ?? this.lastPhase];
    if (p?.tenant) head.push(`tenant ${p.tenant.join('/')}`);
    if (p?.migration) head.push(`migration ${p.migration.join('/')}`);
    if (p?.activity) head.push(p.activity);
    const now = this.now();
    const elapsed = duration(now - this.started);
    const running = now - this.statementSince;
    if (!p?.statement || running < SLOW_STATEMENT_MS) return [...head, elapsed].join(' · ');
    const slow = (at: string) => `running ${at} for ${duration(running)}`;
    const file = p.statement.split('/').pop()!;
    const tries = [
      [...head, elapsed, slow(p.statement)],
      [...head, elapsed, slow(file)],
      [...head, slow(file)],
    ].map((parts) => parts.join(' · '));
    const fit = tries.find((t) => t.length <= width);
    if (fit) return fit;
    const room = width - (tries[2].length - file.length);
    return [...head, slow(squeeze(file, room))].join(' · ');
  }

  private ended(phase: Phase, ok: boolean): void {
    if (this.o.progress !== 'lines' && !this.o.verbose) return this.draw();
    const what = phase.done ?? (ok ? '' : 'failed');
    const took = duration(this.now() - phase.started, true);
    this.line(`schemagate: ${phase.name}${what ? `: ${what}` : ''} · ${took}`);
  }

  private startTimer(): void {
    if (this.timer || this.stopped || this.o.progress === 'off') return;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  private tick(): void {
    if (this.o.progress === 'tty') return this.draw();
    const busy = this.phase !== undefined || this.position !== undefined;
    if (busy && this.now() - this.lastLine >= QUIET_MS) this.line(`schemagate: ${this.status()}`);
  }

  /** A line of its own, above the status line. */
  private line(text: string): void {
    this.erase();
    this.o.write(`${text}\n`);
    this.lastLine = this.now();
    this.draw();
  }

  private draw(): void {
    if (this.o.progress !== 'tty' || this.stopped) return;
    const width = Math.max(20, (this.o.columns?.() || 80) - 1);
    const text = this.status(width);
    const fitted = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.o.write(`${CLEAR_LINE}${this.dim(fitted)}`);
    this.drawn = true;
    this.lastDraw = this.now();
  }

  private erase(): void {
    if (!this.drawn) return;
    this.o.write(CLEAR_LINE);
    this.drawn = false;
  }
}

/** `000006_add_us…nal_id.up.sql:2`: the start and the end (with the line) of a name. */
function squeeze(name: string, max: number): string {
  if (name.length <= max || max < 12) return name;
  const tail = Math.ceil((max - 1) / 2);
  return `${name.slice(0, max - 1 - tail)}…${name.slice(-tail)}`;
}

/** The position without its statement. */
function where(p: Progress | undefined): string {
  return p ? [p.phase, p.tenant, p.migration, p.activity].join('|') : '';
}

/** `41 s`, `2 min 05 s`; `precise`: `0.4 s` under ten seconds. */
export function duration(ms: number, precise = false): string {
  if (precise && ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
