// Running one command of a phase: execa with an argv array (never a shell string), stdin
// closed, its own process group (detached), output read line by line as it comes. Stopping it
// (hard timeout, abort) signals the whole process group: SIGTERM, then SIGKILL after a grace
// period, so ansible-playbook's forks and ssh children go with it.
import { execa } from 'execa';
import { createReadStream, statSync, watch, type FSWatcher } from 'node:fs';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import type { LogStream } from '../journal/events';

export interface ProcessSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface RunProcessOptions {
  onLine?: (stream: LogStream, line: string) => void;
  /** Aborting stops the process (outcome `aborted`). */
  signal?: AbortSignal;
  /** Epoch ms at which the process is stopped (outcome `timed-out`). */
  hardDeadline?: number;
  /** Epoch ms at which onSoft is called once; the process goes on. */
  softDeadline?: number;
  onSoft?: () => void;
  /** Between SIGTERM and SIGKILL. */
  graceMs: number;
  /** Called with the process group id right after the spawn. */
  onSpawn?: (pid: number) => void;
}

export type ProcessOutcomeKind = 'exited' | 'timed-out' | 'aborted' | 'spawn-failed';

export interface ProcessOutcome {
  kind: ProcessOutcomeKind;
  /** Exit code when the process exited by itself; 127 when it could not be started. */
  exitCode?: number;
  /** The signal that ended it, if one did. */
  signal?: string;
  /** Why it could not be started. */
  error?: string;
  durationMs: number;
}

/** How long output may keep arriving after the process exited (a grandchild holding the pipe). */
const DRAIN_MS = 2000;

export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGTERM to the group, SIGKILL after `graceMs` unless `exited` resolves first; then SIGKILL to
 * whatever is left of the group (children that ignored SIGTERM).
 */
export async function stopGroup(
  pgid: number,
  graceMs: number,
  exited: Promise<unknown>,
): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  signalGroup(pgid, 'SIGKILL');
  if (timedOut) await exited;
}

export async function runProcess(
  spec: ProcessSpec,
  opts: RunProcessOptions,
): Promise<ProcessOutcome> {
  const started = Date.now();
  const [file, ...args] = spec.argv;
  if (file === undefined) {
    return { kind: 'spawn-failed', exitCode: 127, error: 'empty argv', durationMs: 0 };
  }
  if (opts.signal?.aborted) return { kind: 'aborted', durationMs: 0 };

  const sub = execa(file, args, {
    cwd: spec.cwd,
    env: spec.env,
    extendEnv: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    detached: true,
    buffer: false,
    reject: false,
    cleanup: false,
    windowsHide: true,
  });
  // The result is read from the 'exit' event; the promise only must not go unhandled.
  const settled = sub.then(
    (r) => r,
    (e: unknown) => e,
  );

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    sub.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const spawnError = new Promise<Error>((resolve) => {
    sub.once('error', (e) => resolve(e));
  });

  const closed: Promise<void>[] = [];
  for (const [stream, readable] of [
    ['stdout', sub.stdout],
    ['stderr', sub.stderr],
  ] as const) {
    if (!readable) continue;
    readable.setEncoding('utf8');
    const rl = createInterface({ input: readable, crlfDelay: Infinity });
    rl.on('line', (line) => opts.onLine?.(stream, line));
    closed.push(new Promise((resolve) => rl.once('close', () => resolve())));
  }

  if (sub.pid === undefined) {
    const err = await Promise.race([spawnError, settled.then(() => null)]);
    const code = (err as NodeJS.ErrnoException | null)?.code;
    return {
      kind: 'spawn-failed',
      exitCode: 127,
      error:
        code === 'ENOENT'
          ? `command not found: ${file}${spec.cwd ? ` (or working directory ${spec.cwd} missing)` : ''}`
          : `cannot start ${file}: ${(err as Error | null)?.message ?? 'unknown error'}`,
      durationMs: Date.now() - started,
    };
  }
  const pgid = sub.pid;
  opts.onSpawn?.(pgid);

  let stopping: ProcessOutcomeKind | null = null;
  let stopDone: Promise<void> | null = null;
  const stop = (why: ProcessOutcomeKind) => {
    if (stopping !== null) return;
    stopping = why;
    stopDone = stopGroup(pgid, opts.graceMs, exited);
  };
  const timers: NodeJS.Timeout[] = [];
  if (opts.softDeadline !== undefined && opts.onSoft) {
    const soft = opts.onSoft;
    timers.push(setTimeout(() => soft(), Math.max(0, opts.softDeadline - Date.now())));
  }
  if (opts.hardDeadline !== undefined) {
    timers.push(setTimeout(() => stop('timed-out'), Math.max(0, opts.hardDeadline - Date.now())));
  }
  const onAbort = () => stop('aborted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const { code, signal } = await exited;
  for (const t of timers) clearTimeout(t);
  opts.signal?.removeEventListener('abort', onAbort);
  if (stopDone) await stopDone;

  // Output still buffered in the pipes arrives after 'exit'; a grandchild that kept the pipe
  // open (a daemon) is not waited for beyond DRAIN_MS.
  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(closed),
    new Promise<void>((resolve) => {
      drainTimer = setTimeout(resolve, DRAIN_MS);
    }),
  ]);
  clearTimeout(drainTimer);
  sub.stdout?.destroy();
  sub.stderr?.destroy();
  await settled;

  const durationMs = Date.now() - started;
  if (stopping !== null) {
    return {
      kind: stopping,
      ...(signal ? { signal } : {}),
      ...(code !== null ? { exitCode: code } : {}),
      durationMs,
    };
  }
  return {
    kind: 'exited',
    exitCode: code ?? 128 + signalNumber(signal),
    ...(signal ? { signal } : {}),
    durationMs,
  };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const table: Partial<Record<NodeJS.Signals, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGABRT: 6,
    SIGKILL: 9,
    SIGSEGV: 11,
    SIGPIPE: 13,
    SIGTERM: 15,
  };
  return signal ? (table[signal] ?? 0) : 0;
}

/**
 * Follows a file that another process appends lines to (the callback plugin's output): reads
 * what was appended on every change notification, and every `pollMs` as a fallback. `stop()`
 * reads what is left and ends; a last line without its newline is delivered then too.
 */
export class FileTail {
  private offset = 0;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private reading: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;

  constructor(
    readonly file: string,
    private readonly onLine: (line: string) => void,
    private readonly pollMs = 250,
  ) {}

  /** Reads only what is appended from now on. */
  skipExisting(): this {
    try {
      this.offset = statSync(this.file).size;
    } catch {
      this.offset = 0;
    }
    return this;
  }

  start(): this {
    try {
      this.watcher = watch(this.file, { persistent: false }, () => this.kick());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null; // polling alone still works
    }
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.timer.unref();
    return this;
  }

  private kick(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    this.reading = this.reading.then(async () => {
      this.pending = false;
      await this.readMore();
    });
  }

  private async readMore(): Promise<void> {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return;
    }
    if (size <= this.offset) return;
    const stream = createReadStream(this.file, { start: this.offset, end: size - 1 });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const buf = Buffer.concat(chunks);
    this.offset += buf.length;
    // Split on complete lines; keep the rest (a line being written) for the next read.
    const text = this.partial + this.decoder.write(buf);
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line !== '') this.onLine(line);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    this.stopped = true;
    await this.reading;
    await this.readMore();
    if (this.partial !== '') {
      const last = this.partial;
      this.partial = '';
      this.onLine(last);
    }
  }
}
