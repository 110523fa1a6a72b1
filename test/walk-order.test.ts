import { describe, expect, it } from 'vitest';
import type { Migration } from '../src/core/model.js';
import { memoryLogger } from '../src/core/logger.js';
import type { StatementTrace } from '../src/core/trace.js';
import type { ApplyUp, GateContext, Walker } from '../src/gates/gate.js';
import type { Sandbox } from '../src/gates/sandbox.js';
import { walk } from '../src/gates/walk.js';

/**
 * The walk's order and bookkeeping, with a stand-in for the databases (what runs where is
 * recorded; the SQL itself runs in test/gate-walk.test.ts on real Postgres).
 */

const migration = (id: string) => ({ id, file: `${id}.up.sql` }) as unknown as Migration;
const trace = (m: Migration, error = false) =>
  ({ migrationId: m.id, file: m.file, line: 1, ...(error ? { error: {} } : {}) }) as StatementTrace;

function context(added: Migration[], failing = new Set<string>()) {
  const log: string[] = [];
  let copies = 0;
  const ctx = {
    tenants: [{ name: 'tenant_1', database: 'app', schema: 'tenant_1', searchPath: [] }],
    plan: { added },
    logger: memoryLogger(),
    topology: {},
    databases: {
      cloneBase: async () => {
        log.push(`copy ${++copies}`);
        return { database: `c${copies}`, tenants: [{ name: 'tenant_1', database: `c${copies}` }] };
      },
      scriptSession: async () => ({
        apply: async (m: Migration, direction: string) => {
          log.push(`${direction} ${m.id}`);
          return [trace(m, direction === 'up' && failing.has(m.id))];
        },
        close: async () => {},
      }),
    },
  } as unknown as GateContext;
  return { ctx, log };
}

class Recorder implements Walker {
  error?: unknown;
  constructor(
    readonly layer: number,
    readonly until: number,
    private readonly log: string[],
    private readonly name: string,
    private readonly extra?: (index: number, sandbox: Sandbox) => Promise<void>,
  ) {}
  async step(index: number, sandbox: Sandbox, up: ApplyUp): Promise<StatementTrace[]> {
    this.log.push(`${this.name} before ${index}`);
    const traces = await up();
    this.log.push(`${this.name} after ${index}`);
    await this.extra?.(index, sandbox);
    return traces;
  }
}

describe('walk', () => {
  it('applies each up once, nesting the walkers by layer, on one copy', async () => {
    const added = [migration('a'), migration('b')];
    const { ctx, log } = context(added);
    const outer = new Recorder(2, 2, log, 'outer');
    const inner = new Recorder(0, 1, log, 'inner');
    await walk(ctx, [outer, inner]);
    expect(log).toEqual([
      'copy 1',
      'outer before 0',
      'inner before 0',
      'up a',
      'inner after 0',
      'outer after 0',
      'outer before 1',
      'up b',
      'outer after 1',
    ]);
  });

  it('goes on from a fresh copy after a walker spoiled the state, and stops at a failed up', async () => {
    const added = [migration('a'), migration('b'), migration('c')];
    const { ctx, log } = context(added, new Set(['c']));
    const spoiler = new Recorder(1, 3, log, 'w', async (index, sandbox) => {
      if (index === 0) sandbox.spoil();
    });
    const sandbox = await walk(ctx, [spoiler]);
    expect(log).toEqual([
      'copy 1',
      'w before 0',
      'up a',
      'w after 0',
      'copy 2',
      'up a',
      'w before 1',
      'up b',
      'w after 1',
      'w before 2',
      'up c',
      'w after 2',
    ]);
    await sandbox?.close();
  });

  it('stops a walker whose own step fails, and still applies the up for the others', async () => {
    const added = [migration('a'), migration('b')];
    const { ctx, log } = context(added);
    const failing = new Recorder(2, 2, log, 'failing', async () => {
      throw new Error('reader lost');
    });
    const other = new Recorder(0, 2, log, 'other');
    await walk(ctx, [failing, other]);
    expect(failing.error).toEqual(new Error('reader lost'));
    expect(other.error).toBeUndefined();
    expect(log).toEqual([
      'copy 1',
      'failing before 0',
      'other before 0',
      'up a',
      'other after 0',
      'failing after 0',
      // The failing walker may have left the copy half-changed: the next up starts afresh.
      'copy 2',
      'up a',
      'other before 1',
      'up b',
      'other after 1',
    ]);
  });
});
