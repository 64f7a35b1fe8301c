// Time from process start to the first drawn home screen, from the built bundle, in a real
// pseudo-terminal (node-pty + @xterm/headless), side by side in the same run with a minimal Ink
// program that draws one line (bundled the same way: minified, React's production build). Runs
// alternate so load on the machine affects both alike; the CPU time each process used until
// its screen showed is recorded too, as it depends less on that load than the wall time does.
// Records the "Startup" section of docs/benchmarks.md.
import { build } from 'esbuild';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node-pty';
import xterm from '@xterm/headless';
import { median, writeBenchSection } from './libBenchDoc';

const { Terminal } = xterm;
const REPO = fileURLToPath(new URL('..', import.meta.url));
// STARTUP_BUNDLE measures another build of the same program (its entry file, next to its
// chunks/ folder) without rebuilding, and writes nothing to docs/.
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
    minify: true,
    nodePaths: [path.join(REPO, 'node_modules')],
    define: { 'process.env.DEV': '"false"', 'process.env.NODE_ENV': '"production"' },
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

interface Sample {
  /** ms from spawn until the screen shows `text` */
  wall: number;
  /** CPU ms (user + system) the child had used by then; NaN where /proc is missing */
  cpu: number;
}

/** CPU time of a running process from /proc/PID/stat (utime + stime, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** From spawn to the first screen containing `text`. */
function timeToScreen(file: string, text: string, env: Record<string, string>): Promise<Sample> {
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
            const wall = performance.now() - t0;
            const cpu = cpuMs(pty.pid);
            clearTimeout(timer);
            pty.kill('SIGTERM');
            resolve({ wall, cpu });
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
const app: Sample[] = [];
const base: Sample[] = [];
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
const wall = (xs: Sample[]) => xs.map((x) => x.wall);
const cpu = (xs: Sample[]) => xs.map((x) => x.cpu);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
// The whole program: the entry and every chunk (a run loads only the chunks it needs).
const distDir = path.dirname(BUNDLE);
const distBytes = readdirSync(distDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.mjs'))
  .reduce((sum, f) => sum + statSync(path.join(distDir, f)).size, 0);
const load = loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
const ratio = median(wall(app)) / median(wall(base));
/** History and analysis, kept with the figures (written by hand; the table above is measured). */
const NOTES = `
The wall times depend on the machine's load (both programs slow down alike, see the load
average above); the ratio and the CPU time column depend on it much less.

History, same bench. 2026-11-26: 981 ms (6.4 MB unminified single file, every command's code
initialised at start) -> 589 to 831 ms (three runs, medians of 11 to 21) after minifying (3.0 MB)
and loading the plan, discover, deploy and runs commands' code only when they run; the minimal
Ink program then measured 355 to 409 ms (unminified, React's development build).
2026-11-27: dist/ split into an entry and chunks loaded on demand (esbuild \`splitting\`). The
home screen now loads about 1.0 MB of the 2.3 MB: the entry (the command line, 45 KB), Ink,
React, yoga and the screens (0.41 MB: the same code as the minimal program's 0.42 MB), zod and
the profile schema (0.2 MB), YAML, the phase catalog and the hardware requirements (0.2 MB) and
conf (0.05 MB). What changed, in the order it was measured (CPU time to the first frame, same
machine under a load average of 13 to 18, median of 8 to 10 runs: 820 to 880 ms for the 3.0 MB
single file, 590 to 650 ms after; the minimal program 310 to 340 ms):
- src/cli.ts: with no command (the guided setup) the command modules are not loaded at all;
- React's production build (\`process.env.NODE_ENV\`), for the program and the minimal one;
- zod without its 40 translations of messages (0.26 MB; the installer speaks English);
- conf without ajv (0.15 MB; conf uses it only with a \`schema\`, which we do not pass);
- the wizard's services import discovery's SSH code, profile load and save and the config
  writer when an action runs, and parse the hardware requirements on first use (a YAML parse
  and a schema check that took about 40 ms before the first frame);
- execa is imported when an SSH command runs (src/discovery/ssh.ts);
- \`fetch\` is hidden while yoga initialises (screens/yogaWithoutFetch.ts): yoga fetched its
  own inline data: URL, which made Node load its HTTP client (undici) first. The minimal Ink
  program still pays this.

2026-11-27, session 3: 516 ms against the minimal program's 364 ms (ratio 1.42) before these
changes; the home screen now loads 0.54 MB of code instead of 1.09 MB:
- the step screens, the draft's validation (zod, the profile rules) and the wizard services'
  synchronous parts (YAML, the phase catalog, the hardware requirements) are loaded after the
  home screen is drawn (screens/hooks/useWizardCore.ts, screens/steps.ts,
  screens/hooks/servicesCore.ts); a step screen waits for them behind a "Loading…" line, and a
  wizard opened on a step (\`--profile\`) loads them before its first frame;
- the profile's names and defaults (src/profile/vocabulary.ts) no longer come with the zod
  schema, so the wizard state and the home screen do not load zod;
- what the first frame needs is one dynamic import (screens/wizardStart.ts: fewer chunks to
  resolve and link), conf comes without semver (as without ajv), and the bare command starts the
  wizard without building commander's program (src/cli.ts, src/program.ts). Together: 391 to
  423 ms against the minimal program's 345 to 371 ms (three runs, ratio 1.14 to 1.16).
- string-width (used by Ink) compiled its \`/^\\p{RGI_Emoji}$/v\` regex when loaded, about 35 ms
  before any frame (a CPU profile at 250 µs showed its line as the most expensive of Ink's
  chunk); the build makes it compile on first use (esbuild.stringWidth.mjs), and the frame
  caches measure the interface's own symbols (│ · › ✓ …) without string-width, so the first
  frame never needs it. The minimal program still pays it, hence wall-time ratios near 1.
  Three runs of this bench after it (15 runs each, load average 1.2 to 1.5): 347, 382 and
  367 ms against the minimal program's 385, 387 and 375 ms (the last run is the table above).
Where the rest goes (\`node --cpu-prof\`, cut at the first frame): evaluating Ink's chunk
(React, yoga's WebAssembly, the first Intl.Segmenter, about 20 ms, which Ink's tokenizer needs
for any frame), as the minimal program does; the first render of the home screen
(React, yoga's first layout of the 100x30 frame, Ink's output), where the minimal program draws
one line; compiling our own chunks (about 0.16 MB); Node's module loader.
The machine's speed varies by a third between runs (the minimal program alone measured 285 to
409 ms on 2026-11-27): compare the two programs of one run, not runs of different days.
`;

const body = `
\`npm run bench -- startup\` (bench/startup.ts; \`STARTUP_RUNS\` sets the runs). Time from spawning
\`node dist/genestack-installer.mjs\` in a real pseudo-terminal (node-pty, 100x30, CI removed)
until @xterm/headless shows the home screen, median of ${RUNS} runs alternating with a minimal
Ink program (one \`<Text>\`, bundled the same way: minified, React's production build), and the
CPU time each process had used by then (user + system, from /proc). ${cpus().length} cores,
Node ${process.version}, load average at the end: ${load}.

| program | code | time to first drawn screen | CPU time until then |
|---|---|---|---|
| genestack-installer home screen | ${mb(distBytes)} (entry and all chunks) | ${fmt(wall(app))} | ${fmt(cpu(app))} |
| minimal Ink program | ${mb(statSync(minimal).size)} | ${fmt(wall(base))} | ${fmt(cpu(base))} |
| ratio of the medians | | ${ratio.toFixed(2)} | ${(median(cpu(app)) / median(cpu(base))).toFixed(2)} |

Target: under 400 ms. ${median(wall(app)) < 400 ? 'Met' : '**Not met**'} in this run.
`;
console.log(body);
if (!process.env.STARTUP_BUNDLE) writeBenchSection('Startup', body + NOTES);
