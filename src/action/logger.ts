import * as core from '@actions/core';
import type { Logger } from '../core/logger.js';

/**
 * The engine's Logger on the Actions runner: one collapsible group per phase. The runner does not
 * nest groups, so a group opened inside another is logged as a heading line instead.
 */
export function actionLogger(): Logger {
  let depth = 0;
  return {
    info: (m) => core.info(m),
    // Engine warnings are about the run (a missing tool, a skipped check), not about a file line.
    warn: (m) => core.info(`warning: ${m}`),
    debug: (m) => core.debug(m),
    async group(name, fn) {
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
  };
}
