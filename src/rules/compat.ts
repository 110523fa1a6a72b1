/** The compat gate's rules. */
import { defineRules } from './rule.js';

export const COMPAT = defineRules('compat', {
  queryBroken: {
    id: 'query-broken-by-migration',
    severity: 'blocker',
    title: 'a query the application already ships no longer prepares after the migrations',
  },
  changedQuery: {
    id: 'changed-query-incompatible',
    severity: 'blocker',
    title: 'a query the pull request adds or changes does not prepare against the migrated schema',
  },
  alreadyFailing: {
    id: 'query-already-failing',
    severity: 'notice',
    title: 'a shipped query does not prepare before the pull request either',
  },
});
