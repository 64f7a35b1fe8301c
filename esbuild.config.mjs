// Builds dist/: the entry dist/genestack-installer.mjs and the chunks it loads (dist/chunks/),
// which together run with no node_modules on Node 20 and later. Assets (probe script, phase
// catalog, callback plugin, schema) are embedded as text, so dist/ is self-contained.
//
// Split, not one file: the entry holds only the command line; each command, the wizard (Ink,
// React, the home screen) and the engine are chunks loaded by dynamic import() when they run,
// and V8 compiles only the chunks a run loads (docs/benchmarks.md, Startup). Chunk names carry
// a content hash, so a build never changes a chunk that a running engine may still import.
import { build } from 'esbuild';
import path from 'node:path';
import { chmod, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { stringWidthLazyEmoji } from './esbuild.stringWidth.mjs';

// The plugin ink-frame-caches (below) points these imports of Ink's build at the installer's
// modules; each must be seen, or the build fails after. Written against Ink 6.8.0 only.
const INK_REDIRECTS = {
  './output.js': { path: path.resolve('src/terminal/inkOutput.ts') },
  './measure-text.js': { exportName: 'measureText' },
  './wrap-text.js': { exportName: 'wrapText' },
  'widest-line': { exportName: 'widestLine' },
};
const inkRedirected = new Set();
const inkVersion = JSON.parse(await readFile('node_modules/ink/package.json', 'utf8')).version;
if (inkVersion !== '6.8.0') {
  throw new Error(
    `ink-frame-caches replaces parts of Ink 6.8.0, but Ink is ${inkVersion}: compare node_modules/ink/build/{output,measure-text,wrap-text}.js with src/terminal/{inkOutput,frameCache}.ts, run test/unit/inkOutput.test.ts, then update this check`,
  );
}

const pkg = JSON.parse(await readFile(new URL('./package.json', import.meta.url), 'utf8'));

const result = await build({
  entryPoints: [{ in: 'src/cli.ts', out: 'genestack-installer' }],
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // React's production build: the development one checks and warns at every render.
  // Minified: half the bytes for V8 to parse at every start (docs/benchmarks.md, Startup).
  // The linked source map (optional at run time) makes --debug stack traces readable with
  // NODE_OPTIONS=--enable-source-maps.
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  loader: { '.sh': 'text', '.py': 'text', '.yaml': 'text', '.txt': 'text' },
  define: {
    'process.env.DEV': '"false"',
    'process.env.NODE_ENV': '"production"',
    __INSTALLER_VERSION__: JSON.stringify(pkg.version),
  },
  // Ink imports react-devtools-core only when DEV=true, but statically: left external it becomes
  // a top-level import that fails at startup (ERR_MODULE_NOT_FOUND) once Ink is in the bundle.
  // It is not a dependency: resolve it to an empty stub (ink.md §4.4).
  plugins: [
    {
      // zod's namespace object `z` carries `z.locales`, every language's messages (a quarter
      // of a megabyte, half of zod), which esbuild cannot shake out of a namespace. The
      // installer speaks English only: keep `en` (zod registers it by itself) and drop the rest.
      name: 'zod-english-only',
      setup(b) {
        b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
          /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
            ? { path: 'zod-locales', namespace: 'stub', pluginData: path.dirname(args.importer) }
            : undefined,
        );
        b.onLoad({ filter: /^zod-locales$/, namespace: 'stub' }, (args) => ({
          contents: "export { default as en } from '../locales/en.js';",
          resolveDir: args.pluginData,
          loader: 'js',
        }));
      },
    },
    {
      // conf (src/settings/settings.ts) imports the ajv JSON-schema validator (a fifth of a
      // megabyte) and semver at load, but uses ajv only with a `schema` option and semver only
      // with `migrations`, neither of which we pass. Leaving them out keeps them off the
      // wizard's first frame (semver alone took 9 ms there); using either would fail loudly.
      name: 'conf-without-ajv-and-semver',
      setup(b) {
        b.onResolve({ filter: /^(ajv(-formats|\/dist\/2020\.js)|semver)$/ }, (args) =>
          /[\\/]conf[\\/]/.test(args.importer)
            ? { path: args.path, namespace: 'conf-unused' }
            : undefined,
        );
        b.onLoad({ filter: /.*/, namespace: 'conf-unused' }, (args) => ({
          contents: [
            'function refuse() {',
            `  throw new Error('conf: ${args.path} (schema or migrations) is not in the bundle (esbuild.config.mjs)');`,
            '}',
            'export class Ajv2020 { constructor() { refuse(); } }',
            'export default new Proxy(refuse, { get: () => refuse });',
          ].join('\n'),
          loader: 'js',
        }));
      },
    },
    stringWidthLazyEmoji,
    {
      // Ink re-tokenises and re-measures every string of every frame, and two of its text caches
      // never forget (a followed log grows them forever). Its output stage and text measurement
      // are pointed at the installer's frame-to-frame caches (src/terminal/inkOutput.ts,
      // src/terminal/frameCache.ts), which give the same frames (test/unit/inkOutput.test.ts).
      // Written against Ink 6.8.0: another version stops the build until they are checked.
      name: 'ink-frame-caches',
      setup(b) {
        const inkBuild = /[\\/]node_modules[\\/]ink[\\/]build[\\/]/;
        const frameCache = path.resolve('src/terminal/frameCache.ts');
        b.onResolve(
          { filter: /^(\.\/(output|measure-text|wrap-text)\.js|widest-line)$/ },
          (args) => {
            if (!inkBuild.test(args.importer)) return undefined;
            inkRedirected.add(args.path);
            const r = INK_REDIRECTS[args.path];
            return r.path
              ? { path: r.path }
              : { path: r.exportName, namespace: 'ink-frame-caches' };
          },
        );
        b.onLoad({ filter: /.*/, namespace: 'ink-frame-caches' }, (args) => ({
          contents: `export { ${args.path} as default } from ${JSON.stringify(frameCache)};`,
          resolveDir: path.dirname(frameCache),
          loader: 'js',
        }));
      },
    },
    {
      name: 'devtools-stub',
      setup(b) {
        b.onResolve({ filter: /^react-devtools-core$/ }, () => ({
          path: 'react-devtools-core',
          namespace: 'stub',
        }));
        b.onLoad({ filter: /^react-devtools-core$/, namespace: 'stub' }, () => ({
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
const notRedirected = Object.keys(INK_REDIRECTS).filter((k) => !inkRedirected.has(k));
if (notRedirected.length > 0) {
  throw new Error(
    `ink-frame-caches: Ink no longer imports ${notRedirected.join(', ')}; check src/terminal/inkOutput.ts and frameCache.ts against it`,
  );
}
await chmod('dist/genestack-installer.mjs', 0o755);
// Chunks of earlier builds: removed after the new ones are written, so dist/ never lacks a
// chunk of the current build (test suites build and copy it concurrently).
const current = new Set(Object.keys(result.metafile.outputs).map((f) => path.resolve(f)));
for (const f of await readdir('dist/chunks')) {
  if (!current.has(path.resolve('dist/chunks', f))) await rm(path.join('dist/chunks', f));
}
// GSI_METAFILE=file writes esbuild's metafile there (which inputs went into which chunk).
if (process.env.GSI_METAFILE)
  await writeFile(process.env.GSI_METAFILE, JSON.stringify(result.metafile));
