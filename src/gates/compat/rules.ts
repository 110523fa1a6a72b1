import type { RuleMeta } from '../gate.js';

export const RULES = {
  queryBroken: {
    id: 'query-broken-by-migration',
    severity: 'blocker',
    summary: 'a query the application already ships no longer prepares after the migrations',
  },
  changedQuery: {
    id: 'changed-query-incompatible',
    severity: 'blocker',
    summary:
      'a query the pull request adds or changes does not prepare against the migrated schema',
  },
  alreadyFailing: {
    id: 'query-already-failing',
    severity: 'notice',
    summary: 'a shipped query does not prepare before the pull request either',
  },
} satisfies Record<string, RuleMeta>;
