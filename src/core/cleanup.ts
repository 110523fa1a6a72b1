/**
 * Everything a run starts (server processes, temp directories, containers) registers how to
 * remove it here, so that an error, SIGINT or SIGTERM leaves nothing behind.
 */
type Cleanup = { name: string; sync: () => void; async?: () => Promise<void> };

const registry = new Set<Cleanup>();
let installed = false;

/** How long a signal waits for the asynchronous cleanups (dropping a url run's databases). */
const ASYNC_BUDGET_MS = 10_000;

function runAllSync(): void {
  for (const c of [...registry].reverse()) {
    try {
      c.sync();
    } catch {
      // Best effort: keep removing the rest.
    }
    registry.delete(c);
  }
}

function onSignal(signal: NodeJS.Signals): void {
  const code = signal === 'SIGINT' ? 130 : 143;
  const pending = [...registry].reverse().flatMap((c) => (c.async ? [c] : []));
  if (pending.length === 0) {
    runAllSync();
    process.exit(code);
  }
  // What only a server connection can remove (the url provider's databases and role) goes
  // first, within a budget; then the synchronous rest, then exit.
  const budget = new Promise((r) => setTimeout(r, ASYNC_BUDGET_MS).unref());
  const work = Promise.allSettled(
    pending.map(async (c) => {
      await c.async!();
      registry.delete(c);
    }),
  );
  void Promise.race([work, budget]).finally(() => {
    runAllSync();
    process.exit(code);
  });
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', runAllSync);
}

/**
 * Registers a synchronous last-resort cleanup (kill a pid, remove a directory), and optionally an
 * asynchronous one a signal runs first (within a budget; the synchronous one runs if it did not
 * finish). Returns the function that unregisters it once the orderly cleanup has run.
 */
export function registerCleanup(
  name: string,
  sync: () => void,
  async?: () => Promise<void>,
): () => void {
  install();
  const entry: Cleanup = { name, sync, ...(async ? { async } : {}) };
  registry.add(entry);
  return () => void registry.delete(entry);
}
