// `npm run bench -- attach`: attach to a finished 1,000,000-event run in a real pseudo-terminal
// and time the first complete dashboard frame; peak resident memory of the dashboard process.
// Baseline side by side: `status RUN` (plain text, no terminal) on the same run folder, which
// loads the same snapshot and prints every phase. Records the "Dashboard: attach" section of
// docs/benchmarks.md.
//
// Target (issue 6): first complete frame < 1.5 s, resident memory < 250 MB.
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { journalPath } from '../src/journal/reader';
import { median, writeBenchSection } from './libBenchDoc';
import { REPO, writeFinishedRun } from './libDeployment';
import { bundleInPty, machine, procCpuSeconds, procStatusKb } from './libPty';

const EVENTS = Number(process.env.BENCH_ATTACH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_ATTACH_RUNS ?? 5);
const RUN_ID = '20261127-000000-be0c';
// Bump when the generator changes: the run folder is made once and kept under .tmp/.
const GENERATOR_VERSION = 1;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => kb / 1024;

async function runFolder(): Promise<{ stateDir: string; phases: number; lastTitle: string }> {
  const stateDir = path.join(REPO, '.tmp', `bench-attach-${EVENTS}-v${GENERATOR_VERSION}`);
  const stamp = path.join(stateDir, 'complete.json');
  if (!existsSync(stamp)) {
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true });
    const t0 = performance.now();
    const { plan } = await writeFinishedRun(stateDir, RUN_ID, EVENTS);
    const last = plan.phases.at(-1)!;
    writeFileSync(
      stamp,
      JSON.stringify({ phases: plan.phases.length, lastTitle: last.title }) + '\n',
    );
    console.log(
      `generated ${fmt(EVENTS)} events in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  const s = JSON.parse(readFileSync(stamp, 'utf8')) as { phases: number; lastTitle: string };
  return { stateDir, ...s };
}

/**
 * The complete dashboard of this run: the final status in the header, every phase counted done,
 * the plan's last phase in the phase list, and the completion summary panel drawn (it needs the
 * run's profile, read after the state).
 */
function complete(screen: string, phases: number, lastTitle: string): boolean {
  return (
    screen.includes('SUCCEEDED') &&
    screen.includes(`${phases}/${phases} phases`) &&
    screen.includes(lastTitle.slice(0, 20)) &&
    screen.includes('Deployment complete')
  );
}

async function attachOnce(stateDir: string, phases: number, lastTitle: string) {
  const r = bundleInPty(['attach', RUN_ID, '--state-dir', stateDir]);
  let firstMs = NaN;
  const frame = await new Promise<{ ms: number; firstMs: number; cpuS: number; hwmKb: number }>(
    (resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        r.pty.kill('SIGKILL');
        reject(new Error(`no complete dashboard within 60 s; screen:\n${r.screen()}`));
      }, 60_000);
      r.onParsed(() => {
        if (done) return;
        const screen = r.screen();
        // Any frame of the dashboard (its title line), complete or not.
        if (Number.isNaN(firstMs) && screen.includes('Genestack deployment')) {
          firstMs = performance.now() - r.t0;
        }
        if (!complete(screen, phases, lastTitle)) return;
        done = true;
        clearTimeout(timer);
        const ms = performance.now() - r.t0;
        // The node process itself (spawned directly in the pty), just before quitting.
        resolve({
          ms,
          firstMs,
          cpuS: procCpuSeconds(r.pty.pid),
          hwmKb: procStatusKb(r.pty.pid, 'VmHWM'),
        });
      });
    },
  );
  r.pty.write('q');
  const code = await r.exited;
  if (code !== 0) throw new Error(`attach exited with ${code} after q`);
  return frame;
}

/** `status RUN` without a terminal; time to exit and peak RSS (GNU time's %M, kB). */
async function statusOnce(stateDir: string) {
  const t0 = performance.now();
  const r = await execa('/usr/bin/time', [
    '-f',
    'maxrss=%M cpu=%U+%S',
    process.execPath,
    path.join(REPO, 'dist', 'genestack-installer.mjs'),
    'status',
    RUN_ID,
    '--state-dir',
    stateDir,
  ]);
  const ms = performance.now() - t0;
  if (!r.stdout.includes('succeeded')) throw new Error(`status said:\n${r.stdout}`);
  const m = /maxrss=(\d+) cpu=([\d.]+)\+([\d.]+)/.exec(r.stderr);
  return { ms, hwmKb: m ? Number(m[1]) : NaN, cpuS: m ? Number(m[2]) + Number(m[3]) : NaN };
}

await execa('node', ['esbuild.config.mjs'], { cwd: REPO });
const { stateDir, phases, lastTitle } = await runFolder();
const runDir = path.join(stateDir, 'runs', RUN_ID);
const journalMb = statSync(journalPath(runDir)).size / 2 ** 20;
const machineStart = machine();
console.log(`machine: ${machineStart}`);
console.log(`run: ${fmt(EVENTS)} events, journal ${journalMb.toFixed(0)} MiB, ${phases} phases`);

// One warm-up each (file cache), then alternate so load on the machine affects both alike.
await attachOnce(stateDir, phases, lastTitle);
await statusOnce(stateDir);
const dash: Awaited<ReturnType<typeof attachOnce>>[] = [];
const base: Awaited<ReturnType<typeof statusOnce>>[] = [];
for (let i = 0; i < RUNS; i++) {
  dash.push(await attachOnce(stateDir, phases, lastTitle));
  base.push(await statusOnce(stateDir));
  const d = dash.at(-1)!;
  const b = base.at(-1)!;
  console.log(
    `run ${i + 1}: attach first frame ${d.firstMs.toFixed(0)} ms, complete ${d.ms.toFixed(0)} ms, CPU ${d.cpuS.toFixed(2)} s, VmHWM ${mb(d.hwmKb).toFixed(0)} MB | status ${b.ms.toFixed(0)} ms, CPU ${b.cpuS.toFixed(2)} s, max RSS ${mb(b.hwmKb).toFixed(0)} MB`,
  );
}
const machineEnd = machine();
const spread = (xs: number[], f = (x: number) => x.toFixed(0)) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${f(median(s))} (min ${f(s[0]!)}, max ${f(s.at(-1)!)})`;
};
const dMs = median(dash.map((d) => d.ms));
const dMb = mb(median(dash.map((d) => d.hwmKb)));
const bMs = median(base.map((b) => b.ms));
const bMb = mb(median(base.map((b) => b.hwmKb)));
const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
const body = `
\`npm run bench -- attach\` (bench/attach.ts), ${new Date().toISOString().slice(0, 10)}.
Machine at the start: ${machineStart}; at the end: ${machineEnd}. The machine is shared:
other work running at the same time slows every figure.

The run: a finished deployment of \`profiles/full-scale.yaml\`'s real plan (${phases} phases, the
ones the profile skips journalled as skipped), ${fmt(EVENTS)} deployment-like events (60 % log
lines, 30 % Ansible host results, task starts, check updates; bench/libDeployment.ts) written by
the real JournalWriter (snapshots every 10,000 events and a final one, as in a real run; journal
${journalMb.toFixed(0)} MiB), with run.json and the profile copy. Made once, kept under .tmp/.

Dashboard: \`attach RUN --state-dir DIR\` from the built bundle in a real pseudo-terminal
(node-pty, 160x50, CI removed), output parsed by @xterm/headless. Time from spawn to the first
parsed screen that shows the complete dashboard: SUCCEEDED in the header, "${phases}/${phases}
phases", the plan's last phase in the phase list and the completion summary panel. Memory:
VmHWM (peak resident) of the node process from /proc, read at that frame, then \`q\`.
Baseline: \`status RUN --state-dir DIR\` (plain text, no terminal: the same snapshot load, every
phase printed), time from spawn to exit, peak resident from GNU time. Runs alternate, one
warm-up each, median of ${RUNS}.

| measure | dashboard (\`attach\`) | baseline (\`status\`) | ratio | target |
|---|---|---|---|---|
| time to complete frame / to exit, ms | ${spread(dash.map((d) => d.ms))} | ${spread(base.map((b) => b.ms))} | ${(dMs / bMs).toFixed(2)}× | < 1,500 ms, ${verdict(dMs < 1500)} |
| first dashboard frame (title line drawn, not yet complete), ms | ${spread(dash.map((d) => d.firstMs))} | | | |
| CPU time (user + system) of the process until the complete frame / exit, s | ${spread(
  dash.map((d) => d.cpuS),
  (x) => x.toFixed(2),
)} | ${spread(
  base.map((b) => b.cpuS),
  (x) => x.toFixed(2),
)} | ${(median(dash.map((d) => d.cpuS)) / median(base.map((b) => b.cpuS))).toFixed(2)}× | |
| peak resident memory, MB | ${spread(dash.map((d) => mb(d.hwmKb)))} | ${spread(base.map((b) => mb(b.hwmKb)))} | ${(dMb / bMb).toFixed(2)}× | < 250 MB, ${verdict(dMb < 250)} |
`;
console.log(body);
if (process.env.BENCH_ATTACH_EVENTS === undefined) {
  writeBenchSection('Dashboard: attach to a finished run', body);
  console.log('docs/benchmarks.md: section written');
} else console.log('BENCH_ATTACH_EVENTS set: docs/benchmarks.md left unchanged');
