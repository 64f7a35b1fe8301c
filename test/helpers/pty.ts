// Runs the built bundle in a real pseudo-terminal (node-pty) and mirrors its output into a
// headless xterm, so tests read the screen a user would see and which buffer (normal or
// alternate) is active. CI is removed from the child's environment: Ink draws nothing under CI.
import { spawn, type IPty } from 'node-pty';
import xterm from '@xterm/headless';
import { BUNDLE, REPO } from './cli';

const { Terminal } = xterm;

export interface PtyRun {
  pty: IPty;
  term: InstanceType<typeof Terminal>;
  /** Everything the child wrote, raw. */
  output(): string;
  screen(): string;
  waitFor(cond: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  waitForScreen(text: string, timeoutMs?: number): Promise<void>;
  exited: Promise<{ exitCode: number; signal?: number }>;
  resize(cols: number, rows: number): void;
}

export function runInPty(
  args: string[] = [],
  opts: { cols?: number; rows?: number; env?: Record<string, string>; node?: string } = {},
): PtyRun {
  const cols = opts.cols ?? 80;
  const rows = opts.rows ?? 24;
  const term = new Terminal({ cols, rows, allowProposedApi: true });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI') env[k] = v;
  Object.assign(env, { TERM: 'xterm-256color' }, opts.env ?? {});
  const pty = spawn(opts.node ?? process.execPath, [BUNDLE, ...args], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: REPO,
    env,
  });
  let raw = '';
  let pending = 0;
  pty.onData((d) => {
    raw += d;
    pending++;
    term.write(d, () => pending--);
  });
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) => {
    pty.onExit((e) =>
      resolve(e.signal ? { exitCode: e.exitCode, signal: e.signal } : { exitCode: e.exitCode }),
    );
  });
  const screen = () => {
    const b = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < term.rows; i++)
      lines.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
    return lines.join('\n');
  };
  const waitFor = async (cond: () => boolean, what: string, timeoutMs = 15_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (pending === 0 && cond()) return;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
      await new Promise<void>((r) => setTimeout(r, 10));
    }
  };
  return {
    pty,
    term,
    output: () => raw,
    screen,
    waitFor,
    waitForScreen: (text, t) => waitFor(() => screen().includes(text), JSON.stringify(text), t),
    exited,
    resize(c, r) {
      pty.resize(c, r);
      term.resize(c, r);
    },
  };
}
