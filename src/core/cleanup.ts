/**
 * Everything a run starts (server processes, temp directories, containers) registers how to
 * remove it here, so that an error, SIGINT or SIGTERM leaves nothing behind.
 */
type Cleanup = { name: string; sync: () => void };

const registry = new Set<Cleanup>();
let installed = false;

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
  runAllSync();
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', runAllSync);
}

/**
 * Registers a synchronous last-resort cleanup (kill a pid, remove a directory). Returns the
 * function that unregisters it once the orderly asynchronous cleanup has run.
 */
export function registerCleanup(name: string, sync: () => void): () => void {
  install();
  const entry = { name, sync };
  registry.add(entry);
  return () => void registry.delete(entry);
}
