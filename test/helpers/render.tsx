// Renders an Ink tree into a fake terminal of a chosen size that can be resized
// (ink-testing-library fixes 100 columns and no rows). Keys are sent and frames awaited
// without fixed sleeps: send() waits for the frame to change, then for React to re-run its
// effects, so the next key reaches an up-to-date handler (ink.md §3.1).
import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render as inkRender } from 'ink';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export class FakeStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = (): string => (this.frames.at(-1) ?? '').replace(ANSI, '');
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true;
  private chunks: string[] = [];
  write(data: string): void {
    this.chunks.push(data);
    this.emit('readable');
    this.emit('data', data);
  }
  read(): string | null {
    return this.chunks.shift() ?? null;
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  enter: '\r',
  esc: '\u001B',
  tab: '\t',
  backspace: '\u007F',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  ctrlC: '\u0003',
  ctrlO: '\u000F',
  ctrlU: '\u0015',
  space: ' ',
} as const;

export const flush = () => new Promise<void>((r) => setImmediate(() => setTimeout(r, 0)));

export interface Rendered {
  stdout: FakeStdout;
  stdin: FakeStdin;
  lastFrame(): string;
  /** Write keys one at a time, waiting for React between them. */
  send(...keys: string[]): Promise<void>;
  /** Type text (one chunk, as a paste). */
  type(text: string): Promise<void>;
  waitFor(cond: (frame: string) => boolean, what?: string, timeoutMs?: number): Promise<string>;
  resize(columns: number, rows: number): Promise<void>;
  unmount(): void;
}

export async function renderTui(
  tree: ReactElement,
  size: { columns: number; rows: number } = { columns: 80, rows: 24 },
): Promise<Rendered> {
  const stdout = new FakeStdout(size.columns, size.rows);
  const stdin = new FakeStdin();
  const stderr = new FakeStdout(size.columns, size.rows);
  const instance = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const waitFor = async (cond: (f: string) => boolean, what = 'condition', timeoutMs = 5000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const f = stdout.lastFrame();
      if (cond(f)) return f;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last frame:\n${f}`);
      await flush();
    }
  };
  const sendOne = async (k: string) => {
    const before = stdout.frames.length;
    stdin.write(k);
    // A key may legitimately change nothing; wait a bounded number of React rounds.
    for (let i = 0; i < 5 && stdout.frames.length === before; i++) await flush();
    await flush();
  };
  await flush();
  return {
    stdout,
    stdin,
    lastFrame: () => stdout.lastFrame(),
    async send(...keys) {
      for (const k of keys) await sendOne(k);
    },
    type: (text) => sendOne(text),
    waitFor,
    async resize(c, r) {
      stdout.resize(c, r);
      await flush();
      await flush();
    },
    unmount: () => instance.unmount(),
  };
}
