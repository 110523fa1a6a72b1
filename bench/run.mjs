// `npm run bench [-- NAME [flags]]`: bundles bench/NAME.ts from TypeScript and runs it; without a
// name, every benchmark: the check against a bare replay (check.ts), then the tracer's overhead.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const named = process.argv[2] && !process.argv[2].startsWith('-');
const names = named ? [process.argv[2]] : ['check', 'tracer'];
for (const name of names) {
  const out = mkdtempSync(join('node_modules', '.sg-bench-'));
  try {
    await build({
      entryPoints: [`bench/${name}.ts`],
      outfile: join(out, `${name}.mjs`),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    await import(pathToFileURL(join(out, `${name}.mjs`)).href);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
