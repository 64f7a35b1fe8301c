// Builds the single-file bundle dist/genestack-installer.mjs that runs with no node_modules.
// Assets (probe script, phase catalog, callback plugin, schema) are embedded as text so the
// bundle is self-contained.
import { build } from 'esbuild';
import { chmod, readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/genestack-installer.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  loader: { '.sh': 'text', '.py': 'text', '.yaml': 'text', '.txt': 'text' },
  define: {
    'process.env.DEV': '"false"',
    __INSTALLER_VERSION__: JSON.stringify(pkg.version),
  },
  // Ink imports react-devtools-core only when DEV=true; it is not a dependency.
  external: ['react-devtools-core'],
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __gsiCreateRequire } from 'node:module';",
      "import { fileURLToPath as __gsiFileURLToPath } from 'node:url';",
      "import { dirname as __gsiDirname } from 'node:path';",
      'const require = __gsiCreateRequire(import.meta.url);',
      'const __filename = __gsiFileURLToPath(import.meta.url);',
      'const __dirname = __gsiDirname(__filename);',
    ].join('\n'),
  },
});
await chmod('dist/genestack-installer.mjs', 0o755);
