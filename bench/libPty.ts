// Shared by the dashboard benchmarks: the built bundle in a real pseudo-terminal (node-pty)
// mirrored into @xterm/headless, the screen as text, and figures of a process from /proc.
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { spawn, type IPty } from 'node-pty';
import xterm from '@xterm/headless';
import { BUNDLE, REPO } from './libDeployment';

const { Terminal } = xterm;

export interface PtyBundle {
  pty: IPty;
  /** performance.now() at spawn. */
  t0: number;
  screen(): string;
  /** Called after each chunk of output has been parsed by the terminal. */
  onParsed(fn: () => void): void;
  /** Bytes the program has written to the terminal so far. */
  bytes(): number;
  exited: Promise<number>;
}

/**
 * BENCH_BUNDLE runs another build (e.g. unminified, for a readable CPU profile); BENCH_NODE_ARGS
 * adds node options (e.g. `--cpu-prof --cpu-prof-dir=DIR`), split on spaces.
 */
export function bundleInPty(args: string[], cols = 160, rows = 50): PtyBundle {
  const term = new Terminal({ cols, rows, allowProposedApi: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI') env[k] = v;
  env.TERM = 'xterm-256color';
  const listeners: Array<() => void> = [];
  const t0 = performance.now();
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const bundle = process.env.BENCH_BUNDLE ?? BUNDLE;
  const pty = spawn(process.execPath, [...nodeArgs, bundle, ...args], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: REPO,
    env,
  });
  let bytes = 0;
  pty.onData((d) => {
    bytes += Buffer.byteLength(d);
    term.write(d, () => listeners.forEach((l) => l()));
  });
  const exited = new Promise<number>((resolve) => pty.onExit((e) => resolve(e.exitCode)));
  return {
    pty,
    t0,
    screen() {
      const b = term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < term.rows; i++)
        lines.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
      return lines.join('\n');
    },
    onParsed: (fn) => listeners.push(fn),
    bytes: () => bytes,
    exited,
  };
}

/** A field of /proc/PID/status in kB (VmRSS, VmHWM), or NaN once the process is gone. */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
export function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 overall; f[0] is field 3.
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
}

export function machine(): string {
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, load average ${load}`;
}

export const loadNow = () => loadavg()[0]!;

export function quantile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}
