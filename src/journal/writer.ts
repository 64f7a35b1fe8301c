// The journal writer: the engine's only way to record what happens. One writer per run (the
// engine holds the run lock); viewers never write.
//
// - Run directory 0700, events.jsonl and snapshot.json 0600, whatever the umask.
// - Opened O_APPEND. seq continues after the last valid event when the journal already exists
//   (resume); a torn or invalid last line left by a crash is cut off first, so it can never
//   end up in the middle of the file.
// - Every event passes the Redactor before it is serialised: secrets never reach the disk.
// - Events are buffered and written in batches (at most `batchBytes`, at most `flushDelayMs`
//   late, so a follower sees them promptly); boundary events (run and phase start/end, control
//   taken) are written and fdatasync'ed before append returns.
// - A failed write (ENOSPC, EIO ...) is thrown by append/flush/close; one that happens in the
//   background batch timer is thrown by the next call. The writer then refuses to continue:
//   later events would otherwise follow a gap. What a short write left of the batch is cut off,
//   so the file still ends with a complete event.
// - The writer reduces what it writes into a RunState (the same reducer every viewer uses) and
//   writes snapshots by the policy in snapshot.ts.
import {
  chmodSync,
  closeSync,
  constants,
  fdatasyncSync,
  fchmodSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { RunStateBuilder, initialRunState, type RunState } from '../state/runState';
import { BOUNDARY_EVENT_TYPES, eventInputProblem, type JournalEventInput } from './events';
import type { Redactor } from './redact';
import { EVENTS_FILE, hashLine } from './reader';
import {
  SNAPSHOT_EVERY_EVENTS,
  loadState,
  snapshotPath,
  writeSnapshotSync,
  type LoadedState,
} from './snapshot';

export interface JournalWriterOptions {
  /** Applied to every event before it is written. Without one nothing is redacted. */
  redactor?: Redactor;
  /** Events between snapshots; 0 disables snapshots. Default SNAPSHOT_EVERY_EVENTS. */
  snapshotEvery?: number;
  /** Buffered bytes that trigger a write. Default 64 KiB. */
  batchBytes?: number;
  /** Longest time an event waits in the buffer. Default 50 ms. */
  flushDelayMs?: number;
  /** Milliseconds since the epoch; fixtures pass a fake clock. */
  clock?: () => number;
  /** Told about a failure of a background (timer) write; the next call throws it as well. */
  onError?: (err: Error) => void;
}

export class JournalWriterError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'JournalWriterError';
  }
}

export class JournalWriter {
  readonly path: string;
  private fd: number;
  private seq: number;
  private written: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private timer: NodeJS.Timeout | null = null;
  private failure: Error | null = null;
  private closed = false;
  private head: string | null;
  private sinceSnapshot: number;
  private readonly builder: RunStateBuilder;
  private readonly redactor: Redactor | undefined;
  private readonly snapshotEvery: number;
  private readonly batchBytes: number;
  private readonly flushDelayMs: number;
  private readonly clock: () => number;
  private readonly onError: ((err: Error) => void) | undefined;
  private lastMs = -1;
  private lastIso = '';

  private constructor(
    readonly runDir: string,
    fd: number,
    loaded: LoadedState,
    options: JournalWriterOptions,
  ) {
    this.path = join(runDir, EVENTS_FILE);
    this.fd = fd;
    this.seq = loaded.lastSeq;
    this.written = loaded.offset;
    this.head = loaded.head;
    this.sinceSnapshot = loaded.fromSnapshot ? loaded.replayed : loaded.lastSeq;
    this.builder = new RunStateBuilder(loaded.state);
    this.redactor = options.redactor;
    this.snapshotEvery = options.snapshotEvery ?? SNAPSHOT_EVERY_EVENTS;
    this.batchBytes = options.batchBytes ?? 64 << 10;
    this.flushDelayMs = options.flushDelayMs ?? 50;
    this.clock = options.clock ?? Date.now;
    this.onError = options.onError;
  }

  /**
   * Opens (creating it and its parents, 0700) a run directory's journal for appending. An
   * existing journal is read first: seq continues after its last valid event. Throws
   * JournalCorruptError when the journal is corrupt in the middle.
   */
  static async open(runDir: string, options: JournalWriterOptions = {}): Promise<JournalWriter> {
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    chmodSync(runDir, 0o700);
    const path = join(runDir, EVENTS_FILE);
    let loaded: LoadedState = {
      state: initialRunState(),
      offset: 0,
      lastSeq: 0,
      fromSnapshot: false,
      replayed: 0,
      snapshotProblem: null,
      torn: null,
      head: null,
    };
    let size = 0;
    try {
      size = statSync(path).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (size > 0) {
      loaded = await loadState(runDir);
      // Cut a torn or invalid last line: appended after, it would become mid-file corruption.
      if (loaded.offset < size) truncateSync(path, loaded.offset);
      if (!loaded.fromSnapshot) removeQuietly(snapshotPath(runDir));
    }
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    try {
      const st = fstatSync(fd);
      if (st.isFile() && (st.mode & 0o777) !== 0o600) fchmodSync(fd, 0o600);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new JournalWriter(runDir, fd, loaded, options);
  }

  /** Seq of the last event appended (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Bytes of the journal on disk (written, not necessarily synced); buffered bytes excluded. */
  get offset(): number {
    return this.written;
  }

  /** The state after every event appended so far. */
  get state(): RunState {
    return this.builder.state;
  }

  /**
   * Redacts, stamps (seq, ts) and records an event; returns its seq. Boundary events are on
   * disk and synced when this returns; others within `flushDelayMs`. Throws on a write
   * failure, including an earlier background one, and on an invalid event.
   */
  append(input: JournalEventInput): number {
    this.check();
    const problem = eventInputProblem(input);
    if (problem !== null) throw new TypeError(`invalid journal event: ${problem}`);
    if ('seq' in input || 'ts' in input) {
      throw new TypeError('invalid journal event: seq and ts are assigned by the writer');
    }
    const clean = this.redactor === undefined ? input : this.redactor.redactEvent(input);
    const seq = this.seq + 1;
    const ts = this.now();
    // The stamp is written by hand in front of the data: no second object per event.
    const line = `{"seq":${seq},"ts":"${ts}",${serializeBody(clean)}\n`;
    this.seq = seq;
    if (seq === 1) this.head = hashLine(line.slice(0, -1));
    this.pending.push(line);
    this.pendingChars += line.length;
    this.builder.applyStamped(clean, seq, ts);
    this.sinceSnapshot++;

    if (BOUNDARY_EVENT_TYPES.has(clean.type)) {
      this.flush();
    } else if (this.pendingChars >= this.batchBytes) {
      this.writePending();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => this.onTimer(), this.flushDelayMs);
      this.timer.unref();
    }
    if (
      this.snapshotEvery > 0 &&
      (this.sinceSnapshot >= this.snapshotEvery ||
        clean.type === 'run-finished' ||
        clean.type === 'run-interrupted')
    ) {
      this.snapshot();
    }
    return seq;
  }

  /** Writes buffered events and fdatasyncs the journal. Throws on failure. */
  flush(): void {
    this.check();
    this.writePending();
    try {
      fdatasyncSync(this.fd);
    } catch (err) {
      throw this.fail(err, 'sync');
    }
  }

  /** Writes a snapshot of the state now (after writing buffered events). */
  snapshot(): void {
    this.check();
    this.writePending();
    if (this.seq === 0 || this.head === null) return;
    try {
      writeSnapshotSync(this.runDir, {
        seq: this.seq,
        offset: this.written,
        head: this.head,
        state: this.builder.state,
        writtenAt: this.now(),
      });
    } catch (err) {
      throw this.fail(err, 'write the snapshot of');
    }
    this.sinceSnapshot = 0;
  }

  /**
   * Writes what is buffered, syncs, writes a final snapshot (unless `snapshot: false` or
   * disabled) and closes. Throws on failure; the file descriptor is closed either way.
   */
  close(options: { snapshot?: boolean } = {}): void {
    if (this.closed) return;
    try {
      this.flush();
      if (options.snapshot !== false && this.snapshotEvery > 0 && this.sinceSnapshot > 0) {
        this.snapshot();
      }
    } finally {
      this.closed = true;
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      closeSync(this.fd);
    }
  }

  private now(): string {
    const ms = this.clock();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
    if (this.closed) throw new JournalWriterError(`${this.path}: the journal is closed`);
  }

  private onTimer(): void {
    this.timer = null;
    if (this.failure !== null || this.closed) return;
    try {
      this.writePending();
    } catch (err) {
      this.onError?.(err as Error);
    }
  }

  private writePending(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    const bytes = Buffer.byteLength(text, 'utf8');
    try {
      // One write of the string (no intermediate Buffer); a short write finishes from bytes.
      let off = writeSync(this.fd, text, null, 'utf8');
      if (off < bytes) {
        const data = Buffer.from(text, 'utf8');
        while (off < bytes) off += writeSync(this.fd, data, off, bytes - off);
      }
    } catch (err) {
      // A short write before the failure (ENOSPC mid-batch) leaves part of a line: cut it, so
      // the journal on disk ends with its last complete event. Freeing space never needs space.
      try {
        ftruncateSync(this.fd, this.written);
      } catch {
        // readers skip a torn last line anyway, and the next open cuts it
      }
      throw this.fail(err, 'write');
    }
    this.written += bytes;
  }

  private fail(err: unknown, what: string): Error {
    const code = (err as NodeJS.ErrnoException).code;
    const e = new JournalWriterError(
      `cannot ${what} the journal ${this.path}: ${code ?? (err as Error).message}` +
        (code === 'ENOSPC'
          ? ` (the disk is full: free space on the file system of ${this.runDir}, then resume the run)`
          : ''),
      err,
    );
    this.failure ??= e;
    return e;
  }
}

/**
 * The event's JSON without its opening brace. The two commonest events (90 % of a deployment's
 * journal: log lines and host results) are written from a template when they carry exactly
 * their fields, which is almost twice as fast as JSON.stringify of the object; anything else,
 * including extra fields, goes through JSON.stringify. Same bytes either way.
 */
function serializeBody(e: JournalEventInput): string {
  if (e.type === 'log' && countKeys(e, 4)) {
    return `"type":"log","phaseId":${JSON.stringify(e.phaseId)},"stream":"${e.stream}","line":${JSON.stringify(e.line)}}`;
  }
  if (e.type === 'ansible-host-result' && countKeys(e, 5)) {
    return `"type":"ansible-host-result","phaseId":${JSON.stringify(e.phaseId)},"host":${JSON.stringify(e.host)},"task":${JSON.stringify(e.task)},"status":"${e.status}"}`;
  }
  const data = JSON.stringify(e);
  return data.length > 2 ? data.slice(1) : '}';
}

/** True when `obj` has exactly `n` enumerable keys (the validated required ones). */
function countKeys(obj: object, n: number): boolean {
  let count = 0;
  for (const key in obj) {
    if ((obj as Record<string, unknown>)[key] === undefined) return false;
    if (++count > n) return false;
  }
  return count === n;
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // absent is fine
  }
}
