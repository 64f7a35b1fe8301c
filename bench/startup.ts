// Time from process start to the first drawn home screen, from the built bundle, in a real
// pseudo-terminal (node-pty + @xterm/headless), side by side in the same run with a minimal Ink
// program that draws one line (bundled the same way). Runs alternate so load on the machine
// affects both alike. Records the "Startup" section of docs/benchmarks.md.
import { build } from 'esbuild';
import { execa } from 'execa';
import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node-pty';
import xterm from '@xterm/headless';
import { median, writeBenchSection } from './libBenchDoc';

const { Terminal } = xterm;
const REPO = fileURLToPath(new URL('..', import.meta.url));
// STARTUP_BUNDLE measures another build of the same program (e.g. minified) without rebuilding.
const BUNDLE = process.env.STARTUP_BUNDLE ?? path.join(REPO, 'dist', 'genestack-installer.mjs');
const RUNS = Number(process.env.STARTUP_RUNS ?? 15);

async function minimalInkBundle(dir: string): Promise<string> {
  const src = path.join(dir, 'minimal.tsx');
  writeFileSync(
    src,
    `import { render, Text } from 'ink';\nrender(<Text>minimal ink ready</Text>);\nsetTimeout(() => process.exit(0), 10000);\n`,
  );
  const out = path.join(dir, 'minimal.mjs');
  await build({
    entryPoints: [src],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    jsx: 'automatic',
    nodePaths: [path.join(REPO, 'node_modules')],
    define: { 'process.env.DEV': '"false"' },
    plugins: [
      {
        name: 'devtools-stub',
        setup(b) {
          b.onResolve({ filter: /^react-devtools-core$/ }, () => ({
            path: 'x',
            namespace: 'stub',
          }));
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
            contents: 'export default {};',
            loader: 'js',
          }));
        },
      },
    ],
    banner: {
      js: "import { createRequire as __c } from 'node:module'; const require = __c(import.meta.url);",
    },
    logLevel: 'error',
  });
  return out;
}

/** ms from spawn to the first screen containing `text`. */
function timeToScreen(file: string, text: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const term = new Terminal({ cols: 100, rows: 30, allowProposedApi: true });
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && k !== 'CI') childEnv[k] = v;
    Object.assign(childEnv, env, { TERM: 'xterm-256color' });
    const t0 = performance.now();
    const pty = spawn(process.execPath, [file], {
      cols: 100,
      rows: 30,
      name: 'xterm-256color',
      env: childEnv,
    });
    let done = false;
    const timer = setTimeout(() => {
      if (!done) {
        pty.kill('SIGKILL');
        reject(new Error(`${file}: no "${text}" within 20 s`));
      }
    }, 20_000);
    pty.onData((d) => {
      term.write(d, () => {
        if (done) return;
        const b = term.buffer.active;
        for (let i = 0; i < term.rows; i++) {
          if (
            b
              .getLine(b.viewportY + i)
              ?.translateToString(true)
              .includes(text)
          ) {
            done = true;
            const ms = performance.now() - t0;
            clearTimeout(timer);
            pty.kill('SIGTERM');
            resolve(ms);
            return;
          }
        }
      });
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'gsi-startup-'));
if (!process.env.STARTUP_BUNDLE) await execa('node', ['esbuild.config.mjs'], { cwd: REPO });
const minimal = await minimalInkBundle(dir);
const env = {
  GENESTACK_INSTALLER_STATE_DIR: path.join(dir, 'state'),
  XDG_CONFIG_HOME: path.join(dir, 'config'),
};
const app: number[] = [];
const base: number[] = [];
// one warm-up each (file cache)
await timeToScreen(BUNDLE, 'Start a new guided setup', env);
await timeToScreen(minimal, 'minimal ink ready', env);
for (let i = 0; i < RUNS; i++) {
  app.push(await timeToScreen(BUNDLE, 'Start a new guided setup', env));
  base.push(await timeToScreen(minimal, 'minimal ink ready', env));
}
const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${median(s).toFixed(0)} ms (min ${s[0]!.toFixed(0)}, max ${s.at(-1)!.toFixed(0)})`;
};
const size = (f: string) => `${(statSync(f).size / 1e6).toFixed(1)} MB`;
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const body = `
\`npm run bench -- startup\` (bench/startup.ts). Time from spawning \`node dist/genestack-installer.mjs\`
in a real pseudo-terminal (node-pty, 100x30, CI removed) until @xterm/headless shows the home
screen, median of ${RUNS} runs alternating with a minimal Ink program (one \`<Text>\`, bundled the
same way). ${cpus().length} cores, Node ${process.version}, load average at the end: ${load}.

| program | bundle | time to first drawn screen |
|---|---|---|
| genestack-installer home screen | ${size(BUNDLE)} | ${fmt(app)} |
| minimal Ink program | ${size(minimal)} | ${fmt(base)} |
| difference (medians) | | ${(median(app) - median(base)).toFixed(0)} ms |

Target: under 400 ms. ${median(app) < 400 ? 'Met' : '**Not met**'} in this run.

History, same bench, 2026-11-26: 981 ms (6.4 MB unminified bundle, every command's code
initialised at start) -> 589 to 831 ms (three runs, median of 11 to 21 each) after minifying (3.0 MB) and loading the plan, discover, deploy
and runs commands' code only when they run (src/commands/register.ts). \`--version\` went from
0.55 s to about 0.3 s (\`node -e 0\`: 0.13 s).

Where the rest goes (\`node --cpu-prof\` on the home screen): about 160 ms compiling the 3 MB
module (V8 parses the whole file, lazy or not), about 100 ms of React/Ink's first render, and
the initialisation of the wizard's modules. Next steps: keep the wizard's first screen from
initialising the profile schema and discovery modules until they are needed, and measure
esbuild \`splitting\` (it would end the single-file bundle that test/integration/cli.test.ts
checks).
`;
console.log(body);
if (!process.env.STARTUP_BUNDLE) writeBenchSection('Startup', body);
