/** The replica gate's rules. */
import { defineRules } from './rule.js';

export const REPLICA = defineRules('replica', {
  lag: {
    id: 'replica-lag',
    severity: 'blocker',
    title: 'A replica did not replay the change within the bound.',
  },
  drift: {
    id: 'replica-catalog-drift',
    severity: 'blocker',
    title: "A replica's catalog differs from the primary's after the change.",
  },
  unlogged: {
    id: 'unlogged-table',
    severity: 'warning',
    title: 'An UNLOGGED table is created or set: its rows never reach the replicas.',
  },
  conflict: {
    id: 'replica-query-conflict',
    severity: 'notice',
    title: 'Replaying the statement on a hot standby cancelled a running query there.',
  },
});
