import { it } from 'vitest';
import { runFixture } from '../helpers/run.js';
it('probe', async () => {
  const r = await runFixture('fixtures/engine/fails-on-two-tenants', { baseCount: 1, tenantCount: 4, gates: ['replay'] });
  for (const f of r.findings) console.log(JSON.stringify(f));
  console.log(JSON.stringify(r.summary));
}, 300000);
