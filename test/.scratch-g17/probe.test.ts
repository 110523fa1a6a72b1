import { it } from 'vitest';
import { runFixture } from '../helpers/run.js';
it('probe', async () => {
  const r = await runFixture(process.env.FX!, { baseCount: Number(process.env.BASE ?? 1), tenantCount: Number(process.env.TEN ?? 2), replicas: Number(process.env.REP ?? 0), ...(process.env.TOPO ? { topology: process.env.TOPO as 'shared' } : {}) });
  for (const f of r.findings) console.log(JSON.stringify(f));
  console.log(JSON.stringify(r.summary));
}, 300000);
