import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  JournalCorruptError,
  JournalTruncatedError,
  followJournal,
  readJournal,
  scanFrom,
} from '../../src/journal/reader';
import { JournalWriter } from '../../src/journal/writer';
import { loadState } from '../../src/journal/snapshot';
import type { JournalEvent } from '../../src/journal/events';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsi-reader-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const ev = (seq: number, message = `m${seq}`) =>
  JSON.stringify({ seq, ts: '2025-01-15T10:00:00.000Z', type: 'warning', message });
const file = (...lines: string[]) => {
  const p = join(dir, 'events.jsonl');
  writeFileSync(p, lines.join(''));
  return p;
};

describe('readJournal', () => {
  it('reads every event and the offset after the last one', async () => {
    const p = file(`${ev(1)}\n`, `${ev(2)}\n`, `${ev(3, 'ünïcödé ✓')}\n`);
    const { events, offset, torn } = await readJournal(p);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(offset).toBe(Buffer.byteLength(`${ev(1)}\n${ev(2)}\n${ev(3, 'ünïcödé ✓')}\n`));
    expect(torn).toBeNull();
  });

  it('skips a torn last line (no newline yet)', async () => {
    const p = file(`${ev(1)}\n`, `${ev(2)}\n`, ev(3).slice(0, 20));
    const { events, offset, torn } = await readJournal(p);
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(offset).toBe(Buffer.byteLength(`${ev(1)}\n${ev(2)}\n`));
    expect(torn).toBeNull(); // a partial line is simply not an event yet
  });

  it('skips an invalid last line, and says so', async () => {
    const p = file(`${ev(1)}\n`, `{"seq":2,"ts":"x","type":"warn\n`);
    const { events, torn } = await readJournal(p);
    expect(events).toHaveLength(1);
    expect(torn).toMatchObject({ line: 2, reason: 'not valid JSON', offset: ev(1).length + 1 });
  });

  it('reports a corrupt line in the middle with its line number', async () => {
    const p = file(`${ev(1)}\n`, `${ev(2)}\n`, 'garbage\n', `${ev(4)}\n`);
    await expect(readJournal(p)).rejects.toThrow(JournalCorruptError);
    await expect(readJournal(p)).rejects.toThrow(
      /events\.jsonl:3: corrupt journal line \(not valid JSON\)/,
    );
    const p2 = file(`${ev(1)}\n`, '{"seq":2,"ts":"x","type":"log"}\n', `${ev(3)}\n`);
    await expect(readJournal(p2)).rejects.toMatchObject({
      line: 2,
      reason: 'log: missing field "phaseId"',
    });
    const p3 = file(`${ev(1)}\n`, `${ev(2)}\n`, 'garbage\n', '{"seq":4,"ts');
    await expect(readJournal(p3)).rejects.toMatchObject({ line: 3 });
  });

  it('reports a gap or a repeat in seq', async () => {
    await expect(readJournal(file(`${ev(1)}\n`, `${ev(3)}\n`, `${ev(4)}\n`))).rejects.toMatchObject(
      {
        line: 2,
        reason: 'seq 3 where 2 was expected',
      },
    );
    await expect(readJournal(file(`${ev(1)}\n`, `${ev(1)}\n`, `${ev(2)}\n`))).rejects.toMatchObject(
      { line: 2 },
    );
    await expect(readJournal(file(`${ev(2)}\n`))).resolves.toMatchObject({ events: [] });
  });

  it('reads the same events whatever the chunk size (property)', async () => {
    const messages = Array.from(
      { length: 60 },
      (_, i) => `msg ${i} ${'é'.repeat(i % 7)}${'x'.repeat((i * 37) % 300)}`,
    );
    const p = file(...messages.map((m, i) => `${ev(i + 1, m)}\n`), ev(61).slice(0, 15));
    const expected = (await readJournal(p)).events;
    expect(expected).toHaveLength(60);
    const fh = await open(p, 'r');
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2000 }), async (chunk) => {
          const got: JournalEvent[] = [];
          const { pos } = await scanFrom(
            fh,
            p,
            { offset: 0, lastSeq: 0 },
            (b) => void got.push(...b),
            chunk,
          );
          expect(got).toEqual(expected);
          expect(pos.lastSeq).toBe(60);
        }),
        { numRuns: 60 },
      );
    } finally {
      await fh.close();
    }
  });

  it('reads from a byte offset, checking seq continues', async () => {
    const p = file(`${ev(1)}\n`, `${ev(2)}\n`, `${ev(3)}\n`);
    const fh = await open(p, 'r');
    try {
      const got: number[] = [];
      const offset = ev(1).length + 1;
      await scanFrom(fh, p, { offset, lastSeq: 1 }, (b) => void got.push(...b.map((e) => e.seq)));
      expect(got).toEqual([2, 3]);
      await expect(scanFrom(fh, p, { offset, lastSeq: 5 }, () => {})).rejects.toMatchObject({
        line: 6,
      });
      await expect(scanFrom(fh, p, { offset: 10_000, lastSeq: 1 }, () => {})).rejects.toThrow(
        JournalTruncatedError,
      );
    } finally {
      await fh.close();
    }
  });
});

describe('followJournal', () => {
  /** Follows `path` into an array; returns it with the stop function and the follow promise. */
  function follow(path: string, fromOffset = 0, lastSeq = 0, pollMs = 200) {
    const got: JournalEvent[] = [];
    const offsets: number[] = [];
    const ac = new AbortController();
    const done = followJournal(
      path,
      fromOffset,
      (events, offset) => {
        got.push(...events);
        offsets.push(offset);
      },
      ac.signal,
      { pollMs, lastSeq },
    );
    return { got, offsets, done, stop: () => ac.abort() };
  }

  it('receives events as the writer appends them', async () => {
    const w = await JournalWriter.open(join(dir, 'run'), { flushDelayMs: 10 });
    w.append({ type: 'warning', message: 'first' });
    const f = follow(w.path);
    await vi.waitFor(() => expect(f.got.map((e) => e.seq)).toEqual([1]), {
      timeout: 5000,
      interval: 5,
    });
    for (let i = 0; i < 500; i++)
      w.append({ type: 'log', phaseId: 'p', stream: 'stdout', line: `l${i}` });
    await vi.waitFor(() => expect(f.got).toHaveLength(501), { timeout: 5000, interval: 5 });
    w.append({ type: 'run-finished', status: 'succeeded' });
    await vi.waitFor(() => expect(f.got.at(-1)?.type).toBe('run-finished'), {
      timeout: 5000,
      interval: 5,
    });
    expect(f.got.map((e) => e.seq)).toEqual(Array.from({ length: 502 }, (_, i) => i + 1));
    w.close();
    f.stop();
    await f.done;
  });

  it('continues from the offset and seq loadState returns (attach)', async () => {
    const runDir = join(dir, 'run');
    const w = await JournalWriter.open(runDir, { flushDelayMs: 10, snapshotEvery: 3 });
    for (let i = 0; i < 10; i++) w.append({ type: 'warning', message: `w${i}` });
    w.flush();
    const loaded = await loadState(runDir);
    expect(loaded.fromSnapshot).toBe(true);
    const f = follow(w.path, loaded.offset, loaded.lastSeq);
    w.append({ type: 'warning', message: 'live' });
    await vi.waitFor(() => expect(f.got.map((e) => e.seq)).toEqual([11]), {
      timeout: 5000,
      interval: 5,
    });
    expect(f.offsets.at(-1)).toBe(w.offset);
    w.close();
    f.stop();
    await f.done;
  });

  it('delivers a line only once its newline is written', async () => {
    const p = file(`${ev(1)}\n`);
    const f = follow(p, 0, 0, 20);
    await vi.waitFor(() => expect(f.got).toHaveLength(1), { timeout: 5000, interval: 5 });
    const line = `${ev(2)}\n`;
    appendFileSync(p, line.slice(0, 10));
    appendFileSync(p, line.slice(10, -1));
    // However many times the follower looks, the half line is not an event; once complete it
    // is, exactly once.
    expect(f.got).toHaveLength(1);
    appendFileSync(p, '\n');
    await vi.waitFor(() => expect(f.got.map((e) => e.seq)).toEqual([1, 2]), {
      timeout: 5000,
      interval: 5,
    });
    f.stop();
    await f.done;
  });

  it('waits for the journal to appear', async () => {
    const p = join(dir, 'later.jsonl');
    const f = follow(p, 0, 0, 10);
    writeFileSync(p, `${ev(1)}\n`);
    await vi.waitFor(() => expect(f.got).toHaveLength(1), { timeout: 5000, interval: 5 });
    f.stop();
    await f.done;
  });

  it('rejects on corruption in the middle, with the line number', async () => {
    const p = file(`${ev(1)}\n`);
    const f = follow(p, 0, 0, 10);
    await vi.waitFor(() => expect(f.got).toHaveLength(1), { timeout: 5000, interval: 5 });
    appendFileSync(p, `garbage\n${ev(3)}\n`);
    await expect(f.done).rejects.toMatchObject({ name: 'JournalCorruptError', line: 2 });
  });

  it('resolves when aborted, even while waiting', async () => {
    const p = file(`${ev(1)}\n`);
    const f = follow(p, 0, 0, 60_000);
    await vi.waitFor(() => expect(f.got).toHaveLength(1), { timeout: 5000, interval: 5 });
    f.stop();
    await expect(f.done).resolves.toBeUndefined();
  });
});

describe('scanFrom on a file cut while it is read', () => {
  it('ends at the bytes that are there instead of reading nothing forever', async () => {
    // The writer cuts what a failed write (ENOSPC) left, between a reader's stat and its read:
    // the stat promises more bytes than the file then holds. A real file cannot be cut at that
    // exact moment on demand, so the handle below answers as such a file does.
    const line =
      JSON.stringify({ seq: 1, ts: '2026-01-01T00:00:00.000Z', type: 'warning', message: 'x' }) +
      '\n';
    const bytes = Buffer.from(line + '{"seq":2,"ts":"2026-01-01T00:00:0');
    const fh = {
      stat: async () => ({ size: bytes.length + 4096 }),
      read: async (buf: Buffer, off: number, len: number, pos: number) => {
        const n = Math.max(0, Math.min(len, bytes.length - pos));
        bytes.copy(buf, off, pos, pos + n);
        return { bytesRead: n, buffer: buf };
      },
    } as unknown as import('node:fs/promises').FileHandle;
    const seen: number[] = [];
    const res = await scanFrom(fh, 'events.jsonl', { offset: 0, lastSeq: 0 }, (events) => {
      for (const e of events) seen.push(e.seq);
    });
    expect(seen).toEqual([1]);
    expect(res.pos).toEqual({ offset: line.length, lastSeq: 1 });
  });
});
