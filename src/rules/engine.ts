/** Rules of the engine itself, about whichever gate they concern. */
import { defineRules } from './rule.js';

export const ENGINE = defineRules('any', {
  gateError: {
    id: 'gate-error',
    severity: 'blocker',
    title: 'A gate could not finish; the report says why.',
  },
});
