// `npm run bench -- follow`: the dashboard following a live run that writes 5,000 events a second.
// A writer process (this file with --writer: the real JournalWriter on a real file, the engine's
// options, run.json naming it as the engine) appends a deployment-like stream paced by the wall
// clock; every 100 ms one of its log lines carries a marker number whose write time it reports.
// The dashboard (`attach RUN` from the built bundle in a real pseudo-terminal, parsed by
// @xterm/headless) shows the selected phase's log; the bench notes when each marker first
// appears on screen. CPU (utime + stime from /proc) and resident memory of the dashboard's node
// process over a 60 s window after a warm-up. Baseline, alternating: `attach RUN --json` to
// /dev/null following the same stream. Records the "Dashboard: live follow" section of
// docs/benchmarks.md.
//
// Targets (issue 6): < 35 % of one core, < 20 MB growth over the minute, p95 write -> screen
// < 300 ms.
import { execa, type ResultPromise } from 'execa';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { JournalWriter } from '../src/journal/writer';
import type { JournalEventInput } from '../src/journal/events';
import { processStartTime } from '../src/engine/lock';
import { watchRequests } from '../src/engine/controlChannel';
import type { Plan } from '../src/plan/plan';
import { median, writeBenchSection } from './libBenchDoc';
import {
  BUNDLE,
  REPO,
  bodyEvent,
  journalPhases,
  realPlan,
  redactor,
  runStarted,
  writeRunFiles,
} from './libDeployment';
import { bundleInPty, machine, loadNow, procCpuSeconds, procStatusKb, quantile } from './libPty';

const RATE = Number(process.env.BENCH_FOLLOW_RATE ?? 5000);
const WINDOW_S = Number(process.env.BENCH_FOLLOW_SECONDS ?? 60);
const WARMUP_S = 5;
const RUNS = Number(process.env.BENCH_FOLLOW_RUNS ?? 3);
const MARKER_EVERY_MS = 100;
/** Ordinary lines of the selected phase between markers (the log panel scrolls as it would). */
const SELECTED_LINES_PER_S = 20;
const TICK_MS = 4;
const MARKER_RE = /marker (\d{6})/g;
const epochNow = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the writer process -------------------------------------------------------------------------

/**
 * The run: every phase before the OpenStack services done (a few events each), then the
 * services' parallel group running. The first of them (Glance, first running in plan order: the
 * dashboard selects it by default and, not being an Ansible phase, shows its log) gets the
 * marker lines and a few ordinary ones; the other six share the bulk of the stream. Why not all
 * in one phase: at 3,000 log lines a second a given line is among the ~40 rows of the log panel
 * for about 13 ms, so most markers would never be on screen at 10 frames a second.
 */
async function writer(stateDir: string, runId: string): Promise<void> {
  const plan = JSON.parse(readFileSync(path.join(stateDir, 'plan.json'), 'utf8')) as Plan;
  const runDir = path.join(stateDir, 'runs', runId);
  const w = await JournalWriter.open(runDir, { redactor: redactor() });
  writeRunFiles(stateDir, runDir, runId, plan, {
    pid: process.pid,
    procStart: processStartTime(process.pid),
  });
  const skipped = plan.phases.filter((p) => p.skipped);
  const running = plan.phases.filter((p) => !p.skipped);
  const group = running.filter((p) => p.parallelGroup === 'openstack-services');
  const first = running.indexOf(group[0]!);
  w.append(runStarted({ phases: journalPhases(plan), runId, profileName: plan.profile }));
  for (const p of skipped) {
    w.append({ type: 'phase-finished', phaseId: p.id, status: 'skipped', durationMs: 0 });
  }
  let n = 0;
  const started = (id: string): JournalEventInput => ({
    type: 'phase-started',
    phaseId: id,
    attempt: 1,
    argv: ['bash', '-c', 'deploy'],
    cwd: '/opt/genestack',
  });
  for (const p of running.slice(0, first)) {
    w.append(started(p.id));
    for (let i = 0; i < 20; i++) w.append(bodyEvent(p.id, n++));
    w.append({
      type: 'phase-finished',
      phaseId: p.id,
      status: 'succeeded',
      exitCode: 0,
      durationMs: 60_000,
    });
  }
  for (const p of group) w.append(started(p.id));
  const [selected, ...bulk] = group.map((p) => p.id);
  // Viewers announce themselves through control/ and wait until the engine has taken the
  // request: answer as the engine does, or the dashboard would poll for it for ten seconds.
  const stopWatching = watchRequests(runDir, (r) => {
    if (typeof r !== 'string' && r.kind === 'viewer') {
      w.append({ type: 'viewer-attached', ...r.actor, mode: r.mode });
    }
  });
  process.stdout.write('ready\n');

  let stop = false;
  process.on('SIGTERM', () => (stop = true));
  const t0 = performance.now();
  let sent = 0;
  let marker = 0;
  let ordinary = 0;
  while (!stop) {
    const elapsed = performance.now() - t0;
    const due = Math.floor((elapsed / 1000) * RATE);
    const batch: string[] = [];
    while (sent < due) {
      if (elapsed >= marker * MARKER_EVERY_MS) {
        marker++;
        w.append({
          type: 'log',
          phaseId: selected!,
          stream: 'stdout',
          line: `marker ${String(marker).padStart(6, '0')} helm upgrade --install glance: waiting`,
        });
        batch.push(`M ${marker} ${epochNow()}`);
      } else if (elapsed >= (ordinary * 1000) / SELECTED_LINES_PER_S) {
        ordinary++;
        w.append({
          type: 'log',
          phaseId: selected!,
          stream: 'stdout',
          line: `glance: pod glance-api-${ordinary % 3} Running (${ordinary})`,
        });
      } else {
        w.append(bodyEvent(bulk[n % bulk.length]!, n));
        n++;
      }
      sent++;
    }
    if (batch.length > 0) process.stdout.write(batch.join('\n') + '\n');
    await sleep(TICK_MS);
  }
  stopWatching();
  w.append({ type: 'run-finished', status: 'succeeded' });
  w.close();
  process.stdout.write(`sent ${sent} ${(performance.now() - t0) / 1000}\n`);
}

// ---- the bench ----------------------------------------------------------------------------------

interface Writer {
  child: ResultPromise;
  markers: Map<number, number>;
  ready: Promise<void>;
  sent: Promise<{ events: number; seconds: number }>;
}

function startWriter(stateDir: string, runId: string): Writer {
  const child = execa(
    process.execPath,
    ['--import', 'tsx', path.join(REPO, 'bench', 'follow.ts'), '--writer', stateDir, runId],
    { cwd: REPO, stdout: 'pipe', stderr: 'inherit', buffer: false, reject: false },
  );
  const markers = new Map<number, number>();
  let readyFn: () => void = () => {};
  let sentFn: (s: { events: number; seconds: number }) => void = () => {};
  const ready = new Promise<void>((r) => (readyFn = r));
  const sent = new Promise<{ events: number; seconds: number }>((r) => (sentFn = r));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [k, a, b] = line.split(' ');
    if (k === 'ready') readyFn();
    else if (k === 'M') markers.set(Number(a), Number(b));
    else if (k === 'sent') sentFn({ events: Number(a), seconds: Number(b) });
  });
  return { child, markers, ready, sent };
}

interface Sample {
  cpuPct: number;
  rssStartMb: number;
  rssEndMb: number;
  hwmMb: number;
  lat?: { p50: number; p95: number; max: number; seen: number; total: number };
  load: number;
  events: number;
  seconds: number;
  exitCode?: number;
  /** Bytes a second the dashboard wrote to its terminal during the window. */
  outKBps?: number;
}

async function measureWindow(pid: number) {
  const load0 = loadNow();
  const cpu0 = procCpuSeconds(pid);
  const rss0 = procStatusKb(pid, 'VmRSS');
  const w0 = performance.now();
  await sleep(WINDOW_S * 1000);
  const cpu1 = procCpuSeconds(pid);
  const rss1 = procStatusKb(pid, 'VmRSS');
  const wall = (performance.now() - w0) / 1000;
  return {
    cpuPct: ((cpu1 - cpu0) / wall) * 100,
    rssStartMb: rss0 / 1024,
    rssEndMb: rss1 / 1024,
    hwmMb: procStatusKb(pid, 'VmHWM') / 1024,
    load: (load0 + loadNow()) / 2,
    windowStart: epochNow() - wall * 1000,
    windowEnd: epochNow(),
  };
}

async function dashboardRun(stateDir: string, runId: string): Promise<Sample> {
  const wr = startWriter(stateDir, runId);
  await wr.ready;
  const d = bundleInPty(['attach', runId, '--state-dir', stateDir]);
  const seenAt = new Map<number, number>();
  d.onParsed(() => {
    const now = epochNow();
    for (const m of d.screen().matchAll(MARKER_RE)) {
      const k = Number(m[1]);
      if (!seenAt.has(k)) seenAt.set(k, now);
    }
  });
  const deadline = performance.now() + 60_000;
  while (seenAt.size === 0) {
    if (performance.now() > deadline) throw new Error(`no marker on screen:\n${d.screen()}`);
    await sleep(50);
  }
  await sleep(WARMUP_S * 1000);
  const bytes0 = d.bytes();
  const win = await measureWindow(d.pty.pid);
  const outKBps = (d.bytes() - bytes0) / 1024 / ((win.windowEnd - win.windowStart) / 1000);
  // The writer goes on for a second after the window, so the last markers of the window reach
  // the screen before run-finished replaces the log with the completion summary.
  await sleep(1000);
  wr.child.kill('SIGTERM');
  const sent = await wr.sent;
  await wr.child;
  await sleep(1000); // the last markers' frames
  d.pty.write('q');
  await d.exited;
  // Markers written inside the window; one never seen counts as the longest possible wait.
  const lats: number[] = [];
  let seen = 0;
  let total = 0;
  for (const [k, t] of wr.markers) {
    if (t < win.windowStart || t > win.windowEnd) continue;
    total++;
    const s = seenAt.get(k);
    if (s !== undefined) seen++;
    lats.push(s === undefined ? Infinity : s - t);
  }
  return {
    ...win,
    lat: {
      p50: quantile(lats, 0.5),
      p95: quantile(lats, 0.95),
      max: Math.max(...lats),
      seen,
      total,
    },
    events: sent.events,
    seconds: sent.seconds,
    outKBps,
  };
}

async function baselineRun(stateDir: string, runId: string): Promise<Sample> {
  const wr = startWriter(stateDir, runId);
  await wr.ready;
  const child = execa(
    process.execPath,
    [BUNDLE, 'attach', runId, '--json', '--state-dir', stateDir],
    { stdout: 'ignore', stderr: 'inherit', reject: false },
  );
  await sleep(WARMUP_S * 1000);
  const win = await measureWindow(child.pid!);
  wr.child.kill('SIGTERM');
  const sent = await wr.sent;
  await wr.child;
  // Ends by itself once the engine (the writer) is gone: 0 when it read run-finished, 8 when it
  // gave up first (it lags behind a fast writer and stops one second after the engine).
  const r = await child;
  return { ...win, events: sent.events, seconds: sent.seconds, exitCode: r.exitCode ?? -1 };
}

async function main() {
  await execa('node', ['esbuild.config.mjs'], { cwd: REPO });
  const root = path.join(REPO, '.tmp', 'bench-follow');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, 'plan.json'), JSON.stringify(await realPlan()));
  const machineStart = machine();
  console.log(`machine: ${machineStart}`);
  const dash: Sample[] = [];
  const base: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    const d = await dashboardRun(root, `20261127-01000${i}-d0${i}0`);
    dash.push(d);
    console.log(
      `dashboard ${i + 1}: CPU ${d.cpuPct.toFixed(1)} %, RSS ${d.rssStartMb.toFixed(0)} -> ${d.rssEndMb.toFixed(0)} MB, ` +
        `latency p50 ${d.lat!.p50.toFixed(0)} p95 ${d.lat!.p95.toFixed(0)} max ${d.lat!.max.toFixed(0)} ms ` +
        `(${d.lat!.seen}/${d.lat!.total} markers seen), ${(d.events / d.seconds).toFixed(0)} events/s written, load ${d.load.toFixed(1)}`,
    );
    const b = await baselineRun(root, `20261127-02000${i}-b0${i}0`);
    base.push(b);
    console.log(
      `baseline ${i + 1}: CPU ${b.cpuPct.toFixed(1)} %, RSS ${b.rssStartMb.toFixed(0)} -> ${b.rssEndMb.toFixed(0)} MB, ` +
        `${(b.events / b.seconds).toFixed(0)} events/s written, load ${b.load.toFixed(1)}`,
    );
  }
  const machineEnd = machine();
  const m = (xs: Sample[], f: (s: Sample) => number, digits = 0) => {
    const v = xs.map(f);
    const s = [...v].sort((a, b) => a - b);
    return `${median(v).toFixed(digits)} (${s.map((x) => x.toFixed(digits)).join(', ')})`;
  };
  const med = (xs: Sample[], f: (s: Sample) => number) => median(xs.map(f));
  const growth = (s: Sample) => s.rssEndMb - s.rssStartMb;
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  const cpuD = med(dash, (s) => s.cpuPct);
  const cpuB = med(base, (s) => s.cpuPct);
  const p95 = med(dash, (s) => s.lat!.p95);
  const body = `
\`npm run bench -- follow\` (bench/follow.ts), ${new Date().toISOString().slice(0, 10)}.
Machine at the start: ${machineStart}; at the end: ${machineEnd}. The machine is shared and
was busy (load average per run below): figures are medians of ${RUNS} runs, each run's value in
parentheses.

The run: \`profiles/full-scale.yaml\`'s real plan; a writer process (the real JournalWriter with
the engine's options on a real file, named as the engine in run.json) appends ${fmt(RATE)} events
a second, paced by the wall clock in batches every ${TICK_MS} ms, while the seven OpenStack
services of the \`openstack-services\` group run side by side: six share the deployment-like
bulk (60 % log lines, 30 % Ansible host results, task starts, check updates), Glance (first
running in plan order, the dashboard's default selection, its log panel shown) gets a marker
log line every ${MARKER_EVERY_MS} ms and ${SELECTED_LINES_PER_S} ordinary lines a second. (At 3,000 log
lines a second a line stays among the log panel's rows for ~13 ms: markers drowned in the bulk
could not be seen at 10 frames a second.) The writer reports each marker's append time; the
bench notes when it first appears in the pty output parsed by @xterm/headless (160x50). Window:
${WINDOW_S} s after the first marker on screen plus ${WARMUP_S} s of warm-up. CPU: utime + stime of the node
process from /proc/PID/stat over the window / wall time. Memory: VmRSS at the window's start
and end. Latency: markers written inside the window; a marker never seen would count as
infinite. Baseline, alternating with the dashboard on the same stream: \`attach RUN --json\`
with stdout to /dev/null (the plain follower, no screen).

| measure | dashboard | baseline (\`attach --json\`) | ratio | target |
|---|---|---|---|---|
| CPU, % of one core | ${m(dash, (s) => s.cpuPct, 1)} | ${m(base, (s) => s.cpuPct, 1)} | ${(cpuD / cpuB).toFixed(1)}× | < 35 %, ${verdict(cpuD < 35)} |
| RSS growth over the window, MB | ${m(dash, growth, 1)} | ${m(base, growth, 1)} | | < 20 MB, ${verdict(med(dash, growth) < 20)} |
| RSS at the window's end, MB | ${m(dash, (s) => s.rssEndMb)} | ${m(base, (s) => s.rssEndMb)} | | |
| write → screen latency p50, ms | ${m(dash, (s) => s.lat!.p50)} | | | |
| write → screen latency p95, ms | ${m(dash, (s) => s.lat!.p95)} | | | < 300 ms, ${verdict(p95 < 300)} |
| write → screen latency max, ms | ${m(dash, (s) => s.lat!.max)} | | | |
| markers seen / written in the window | ${dash.map((s) => `${s.lat!.seen}/${s.lat!.total}`).join(', ')} | | | |
| terminal output of the dashboard, KiB/s | ${m(dash, (s) => s.outKBps!)} | | | |
| events/s the writer achieved | ${m(dash, (s) => s.events / s.seconds)} | ${m(base, (s) => s.events / s.seconds)} | | ${fmt(RATE)} |
| baseline exit codes (8: stopped before reading run-finished) | | ${base.map((s) => s.exitCode).join(', ')} | | |
| 1-minute load average during the run | ${m(dash, (s) => s.load, 1)} | ${m(base, (s) => s.load, 1)} | | |
`;
  console.log(body);
  if (RATE === 5000 && WINDOW_S === 60 && RUNS >= 3) {
    writeBenchSection('Dashboard: live follow', body);
    console.log('docs/benchmarks.md: section written');
  } else console.log('not the standard settings: docs/benchmarks.md left unchanged');
  rmSync(root, { recursive: true, force: true });
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

if (process.argv[2] === '--writer') await writer(process.argv[3]!, process.argv[4]!);
else await main();
