import * as core from '@actions/core';
import type { Logger, Progress } from '../core/logger.js';

/**
 * The engine's Logger on the Actions runner: one collapsible group per phase. The runner does not
 * nest groups, so a group opened inside another is logged as a heading line instead. Inside a
 * group, progress is one line per tenant and one when the phase ends (the runner timestamps each
 * line); migrations and statements are the terminal's live status line only.
 */
export function actionLogger(): Logger {
  let depth = 0;
  let shown = '';
  return {
    info: (m) => core.info(m),
    // Engine warnings are about the run (a missing tool, a skipped check), not about a file line.
    warn: (m) => core.info(`warning: ${m}`),
    debug: (m) => core.debug(m),
    async group(name, fn) {
      shown = '';
      if (depth > 0) {
        core.info(`▸ ${name}`);
        return fn();
      }
      depth++;
      try {
        return await core.group(name, fn);
      } finally {
        depth--;
      }
    },
    progress(event) {
      if (event.done !== undefined) return core.info(`${event.phase}: ${event.done}`);
      const line = tenantLine(event);
      if (line === undefined || line === shown) return;
      shown = line;
      core.info(line);
    },
  };
}

/** `replay PR · tenant 3/20`, or `replay PR · tenant 3/20 · seeding`. */
function tenantLine(e: Progress): string | undefined {
  if (!e.tenant) return undefined;
  return [e.phase, `tenant ${e.tenant.join('/')}`, e.activity].filter(Boolean).join(' · ');
}
