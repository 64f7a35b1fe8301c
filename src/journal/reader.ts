// Reading the journal: whole (replay), from a byte offset (snapshot tail), or following it as it
// grows (attach).
//
// Rules every reader applies:
// - a line is an event only once its '\n' is written: a partial last line is never read;
// - an invalid last line (a crash mid-write) is skipped; an invalid line with anything after
//   it is corruption, reported with its line number;
// - seq must go up by exactly one per line (line number == seq), so a lost, duplicated or
//   interleaved write is corruption too.
//
// Files are read in chunks from a byte offset, never as a whole: memory stays flat for a
// 1,000,000-event journal, and follow mode only reads what was appended since the last read.
import { open, type FileHandle } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { eventProblem, type JournalEvent } from './events';

export const EVENTS_FILE = 'events.jsonl';
export const journalPath = (runDir: string) => join(runDir, EVENTS_FILE);

/** Bytes read per chunk: large enough to amortise syscalls, small enough to keep memory flat. */
export const READ_CHUNK_BYTES = 4 << 20;

export class JournalCorruptError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(
      `${path}:${line}: corrupt journal line (${reason}). The journal is written only by the ` +
        'engine; keep a copy of the file for support, then resume the run from the failed phase.',
    );
    this.name = 'JournalCorruptError';
  }
}

export class JournalTruncatedError extends Error {
  constructor(
    readonly path: string,
    readonly size: number,
    readonly offset: number,
  ) {
    super(`${path}: the journal shrank to ${size} bytes while being read at byte ${offset}`);
    this.name = 'JournalTruncatedError';
  }
}

/** Where a scan is: the next byte to read, the last line number and seq read. */
export interface ScanPosition {
  offset: number;
  /** Last seq read; the next line must carry lastSeq + 1. 0 at the start of the journal. */
  lastSeq: number;
}

/** An invalid last line that was left unread. */
export interface TornLine {
  line: number;
  offset: number;
  reason: string;
}

interface ChunkResult {
  events: JournalEvent[];
  /** Bytes of complete, valid lines consumed from the start of the chunk. */
  consumed: number;
  /** An invalid line that ends the data seen so far (not read, not yet an error). */
  stalled: { line: number; reason: string } | null;
}

/**
 * Parses the complete lines of `buf`, which starts at a line boundary. Throws
 * JournalCorruptError for an invalid line with data after it in `buf`; an invalid line at the
 * very end of `buf` is returned as `stalled` for the caller to judge (end of file or not).
 */
export function parseChunk(path: string, buf: Buffer, lastSeq: number): ChunkResult {
  const events: JournalEvent[] = [];
  const lastNl = buf.lastIndexOf(0x0a);
  if (lastNl < 0) return { events, consumed: 0, stalled: null };
  const text = buf.toString('utf8', 0, lastNl);
  const nothingAfter = lastNl === buf.length - 1;
  let seq = lastSeq;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const lineText = text.slice(start, end);
    let reason: string | null;
    let value: unknown;
    try {
      value = JSON.parse(lineText);
      reason = eventProblem(value);
    } catch {
      reason = lineText === '' ? 'empty line' : 'not valid JSON';
    }
    if (reason === null) {
      const ev = value as JournalEvent;
      if (ev.seq !== seq + 1) reason = `seq ${ev.seq} where ${seq + 1} was expected`;
      else {
        events.push(ev);
        seq = ev.seq;
      }
    }
    if (reason !== null) {
      const lineNo = seq + 1;
      if (nl >= 0 || !nothingAfter) throw new JournalCorruptError(path, lineNo, reason);
      // The last line of what we have: torn by a crash, or not followed by anything yet.
      const consumed = Buffer.byteLength(text.slice(0, start), 'utf8');
      return { events, consumed, stalled: { line: lineNo, reason } };
    }
    if (nl < 0) break;
    start = nl + 1;
  }
  return { events, consumed: lastNl + 1, stalled: null };
}

/**
 * Reads complete lines from `pos` up to the file's current size, calling `onEvents` per chunk.
 * Returns the new position and the invalid last line it stopped at, if any.
 */
export async function scanFrom(
  fh: FileHandle,
  path: string,
  pos: ScanPosition,
  onEvents: (events: JournalEvent[], pos: ScanPosition) => void | Promise<void>,
  chunkBytes = READ_CHUNK_BYTES,
): Promise<{ pos: ScanPosition; torn: TornLine | null }> {
  let { offset, lastSeq } = pos;
  const { size } = await fh.stat();
  if (size < offset) throw new JournalTruncatedError(path, size, offset);
  let chunk = chunkBytes;
  let buf = Buffer.allocUnsafe(Math.min(chunk, Math.max(size - offset, 1)));
  while (offset < size) {
    const want = Math.min(chunk, size - offset);
    if (buf.length < want) buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await fh.read(buf, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const view = buf.subarray(0, got);
    // Fewer bytes than the size promised: the file was cut after the stat (the writer removes
    // what a failed write left). That is its end for this scan; looping on empty reads would spin.
    const atEnd = offset + got >= size || got < want;
    const res = parseChunk(path, view, lastSeq);
    if (res.events.length > 0) {
      lastSeq = res.events[res.events.length - 1]!.seq;
      offset += res.consumed;
      await onEvents(res.events, { offset, lastSeq });
    } else {
      offset += res.consumed;
    }
    if (res.stalled !== null) {
      if (atEnd) {
        return { pos: { offset, lastSeq }, torn: { ...res.stalled, offset } };
      }
      // More bytes follow the invalid line: read again from it, so it is no longer the last.
      if (res.consumed === 0) chunk *= 2;
      continue;
    }
    if (res.consumed === 0) {
      if (atEnd) break; // a partial last line: not an event until its newline arrives
      chunk *= 2; // a line longer than the chunk
    }
  }
  return { pos: { offset, lastSeq }, torn: null };
}

export interface ReadResult {
  events: JournalEvent[];
  /** Byte offset after the last valid line: where a follower continues. */
  offset: number;
  torn: TornLine | null;
}

/** All events of a journal. For large journals prefer loadState (snapshot.ts) or scanFrom. */
export async function readJournal(path: string): Promise<ReadResult> {
  const fh = await open(path, 'r');
  try {
    const events: JournalEvent[] = [];
    const { pos, torn } = await scanFrom(fh, path, { offset: 0, lastSeq: 0 }, (batch) => {
      for (const e of batch) events.push(e);
    });
    return { events, offset: pos.offset, torn };
  } finally {
    await fh.close();
  }
}

/** sha256 of the journal's first line (its run-started event): ties a snapshot to its journal. */
export async function headHash(fh: FileHandle): Promise<string | null> {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(64 << 10);
    const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
    if (bytesRead === 0) return null;
    const chunk = buf.subarray(0, bytesRead);
    const nl = chunk.indexOf(0x0a);
    if (nl >= 0) {
      parts.push(chunk.subarray(0, nl));
      return hashLine(Buffer.concat(parts));
    }
    parts.push(chunk);
    offset += bytesRead;
  }
}

export function hashLine(line: Buffer | string): string {
  return createHash('sha256').update(line).digest('hex');
}

// ---- follow ------------------------------------------------------------------------------------

export interface FollowOptions {
  /** Poll interval when fs.watch is silent or unavailable (network filesystems). Default 200. */
  pollMs?: number;
  /** Seq of the last event before `fromOffset` (0 at the start): checked for continuity. */
  lastSeq?: number;
  chunkBytes?: number;
}

/**
 * Follows a journal like `tail -f`: reads complete lines from `fromOffset`, calls `onEvents`
 * with each batch and the offset after it, then waits for the file to grow (fs.watch, plus a
 * poll as a fallback) and reads only the new bytes. Resolves when `signal` aborts; rejects on
 * corruption, truncation or an I/O error. A missing file is waited for.
 *
 * `onEvents` is awaited before the next read: a slow consumer slows the reader, never the
 * engine, and batches arrive in order.
 */
export async function followJournal(
  path: string,
  fromOffset: number,
  onEvents: (events: JournalEvent[], offset: number) => void | Promise<void>,
  signal: AbortSignal,
  options: FollowOptions = {},
): Promise<void> {
  const pollMs = options.pollMs ?? 200;
  let pos: ScanPosition = { offset: fromOffset, lastSeq: options.lastSeq ?? 0 };
  if (fromOffset === 0) pos.lastSeq = 0;
  if (pos.lastSeq === 0 && fromOffset > 0) {
    throw new Error('followJournal: lastSeq is required when following from a non-zero offset');
  }
  let dirty = true;
  let wake: (() => void) | null = null;
  const notify = () => {
    dirty = true;
    wake?.();
  };
  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  signal.addEventListener('abort', notify);
  let watcher: FSWatcher | null = null;
  let fh: FileHandle | null = null;
  try {
    while (fh === null) {
      if (signal.aborted) return;
      try {
        fh = await open(path, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await sleep();
      }
    }
    try {
      watcher = watch(path, { persistent: false }, notify);
      watcher.on('error', () => {
        watcher?.close();
        watcher = null;
      });
    } catch {
      watcher = null; // polling alone still works
    }
    while (!signal.aborted) {
      dirty = false;
      const before = pos.offset;
      const res = await scanFrom(
        fh,
        path,
        pos,
        async (events, p) => {
          if (!signal.aborted) await onEvents(events, p.offset);
        },
        options.chunkBytes,
      );
      pos = res.pos;
      if (pos.offset !== before || dirty) continue;
      await sleep();
    }
  } finally {
    signal.removeEventListener('abort', notify);
    (watcher as FSWatcher | null)?.close();
    await fh?.close();
  }
}
