// `npm run bench`: bundles a benchmark (default tracer) from TypeScript and runs it.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const name = process.argv[2] ?? 'tracer';
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
