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
  // Minified: half the bytes for V8 to parse at every start (docs/benchmarks.md, Startup).
  // The linked source map (optional at run time) makes --debug stack traces readable with
  // NODE_OPTIONS=--enable-source-maps.
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  loader: { '.sh': 'text', '.py': 'text', '.yaml': 'text', '.txt': 'text' },
  define: {
    'process.env.DEV': '"false"',
    __INSTALLER_VERSION__: JSON.stringify(pkg.version),
  },
  // Ink imports react-devtools-core only when DEV=true, but statically: left external it becomes
  // a top-level import that fails at startup (ERR_MODULE_NOT_FOUND) once Ink is in the bundle.
  // It is not a dependency: resolve it to an empty stub (ink.md §4.4).
  plugins: [
    {
      name: 'devtools-stub',
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({
          path: 'react-devtools-core',
          namespace: 'stub',
        }));
        b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
          contents: 'export default { initialize() {}, connectToDevTools() {} };',
          loader: 'js',
        }));
      },
    },
  ],
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
