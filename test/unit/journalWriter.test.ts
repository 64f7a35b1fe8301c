import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import {
  appendFileSync,
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter, JournalWriterError } from '../../src/journal/writer';
import { readJournal } from '../../src/journal/reader';
import type { JournalEventInput } from '../../src/journal/events';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsi-writer-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o777;
const log = (line: string): JournalEventInput => ({
  type: 'log',
  phaseId: 'p',
  stream: 'stdout',
  line,
});
const started: JournalEventInput = {
  type: 'run-started',
  runId: 'r1',
  profileName: 'lab',
  profileHash: 'h',
  plan: { phases: [{ id: 'p', title: 'P', group: 'g', needs: [], kind: 'command' }] },
  user: 'u',
  host: 'h',
  pid: 1,
};
const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');

describe('JournalWriter', () => {
  it('creates the run directory (and parents) 0700 and the journal 0600, whatever the umask', async () => {
    const old = process.umask(0o000);
    try {
      const runDir = join(dir, 'runs', 'deep', 'r1');
      const w = await JournalWriter.open(runDir);
      w.append(started);
      w.close();
      expect(mode(runDir)).toBe(0o700);
      expect(mode(join(dir, 'runs'))).toBe(0o700);
      expect(mode(w.path)).toBe(0o600);
      expect(mode(join(runDir, 'snapshot.json'))).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('tightens an existing run directory and journal', async () => {
    const runDir = join(dir, 'r1');
    mkdirSync(runDir, { mode: 0o755 });
    chmodSync(runDir, 0o755);
    appendFileSync(join(runDir, 'events.jsonl'), '', { mode: 0o644 });
    chmodSync(join(runDir, 'events.jsonl'), 0o644);
    const w = await JournalWriter.open(runDir);
    w.close();
    expect(mode(runDir)).toBe(0o700);
    expect(mode(w.path)).toBe(0o600);
  });

  it('stamps consecutive seq and ISO timestamps', async () => {
    let now = Date.parse('2025-01-15T10:00:00.000Z');
    const w = await JournalWriter.open(join(dir, 'r'), { clock: () => (now += 1000) });
    expect(w.append(started)).toBe(1);
    expect(w.append(log('a'))).toBe(2);
    w.close();
    const { events } = await readJournal(w.path);
    expect(events.map((e) => [e.seq, e.ts])).toEqual([
      [1, '2025-01-15T10:00:01.000Z'],
      [2, '2025-01-15T10:00:02.000Z'],
    ]);
    expect(lines(w.path)[0]).toMatch(
      /^\{"seq":1,"ts":"2025-01-15T10:00:01.000Z","type":"run-started",/,
    );
  });

  it('writes exactly JSON.stringify of the stamped event, whatever the text (property)', async () => {
    const now = Date.parse('2025-01-15T10:00:00.000Z');
    const w = await JournalWriter.open(join(dir, 'r'), { clock: () => now, snapshotEvery: 0 });
    const written: JournalEventInput[] = [];
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ unit: 'binary' }),
        fc.constantFrom('stdout' as const, 'stderr' as const),
        fc.constantFrom('ok' as const, 'failed' as const),
        fc.option(fc.string(), { nil: undefined }),
        (id, text, stream, status, msg) => {
          const extra = msg === undefined ? {} : { msg };
          for (const e of [
            { type: 'log', phaseId: id, stream, line: text },
            { type: 'ansible-host-result', phaseId: id, host: text, task: id, status, ...extra },
            { type: 'log', phaseId: id, stream, line: text, addedLater: 1 },
          ] as JournalEventInput[]) {
            w.append(e);
            written.push(e);
          }
        },
      ),
      { numRuns: 200 },
    );
    w.close();
    const ts = new Date(now).toISOString();
    expect(lines(w.path)).toEqual(written.map((e, i) => JSON.stringify({ seq: i + 1, ts, ...e })));
  });

  it('continues seq after the last event when reopened (resume)', async () => {
    const runDir = join(dir, 'r');
    const a = await JournalWriter.open(runDir);
    a.append(started);
    a.append(log('one'));
    a.close();
    const b = await JournalWriter.open(runDir);
    expect(b.lastSeq).toBe(2);
    expect(b.state.lastSeq).toBe(2);
    expect(b.append(log('two'))).toBe(3);
    b.close();
    const { events } = await readJournal(b.path);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(b.state.phases[0]!.logTail.map((l) => l.line)).toEqual(['one', 'two']);
  });

  it('cuts a torn last line before appending, so it never ends up mid-file', async () => {
    const runDir = join(dir, 'r');
    const a = await JournalWriter.open(runDir);
    a.append(started);
    a.close();
    appendFileSync(a.path, '{"seq":2,"ts":"2025-01-15T10:00:0');
    const b = await JournalWriter.open(runDir);
    expect(b.lastSeq).toBe(1);
    b.append(log('after crash'));
    b.close();
    const { events, torn } = await readJournal(b.path);
    expect(torn).toBeNull();
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(lines(b.path)).toHaveLength(2);
  });

  it('refuses to append to a journal corrupt in the middle', async () => {
    const runDir = join(dir, 'r');
    const a = await JournalWriter.open(runDir, { snapshotEvery: 0 });
    a.append(started);
    a.close();
    appendFileSync(a.path, 'garbage\n{"seq":2,"ts":"x","type":"warning","message":"m"}\n');
    await expect(JournalWriter.open(runDir)).rejects.toThrow(
      /events.jsonl:2: corrupt journal line/,
    );
  });

  it('writes and syncs boundary events before append returns', async () => {
    const w = await JournalWriter.open(join(dir, 'r'), { flushDelayMs: 60_000 });
    w.append(started);
    expect(lines(w.path)).toHaveLength(1);
    w.append(log('buffered'));
    expect(lines(w.path)).toHaveLength(1);
    w.append({ type: 'phase-finished', phaseId: 'p', status: 'succeeded', durationMs: 1 });
    expect(lines(w.path)).toHaveLength(3);
    w.close();
  });

  it('writes other events in batches, at most flushDelayMs late', async () => {
    const w = await JournalWriter.open(join(dir, 'r'), { flushDelayMs: 20 });
    w.append(started);
    w.append(log('soon'));
    await vi.waitFor(() => expect(lines(w.path)).toHaveLength(2), { timeout: 5000, interval: 5 });
    w.close();
  });

  it('writes when the buffer reaches batchBytes', async () => {
    const w = await JournalWriter.open(join(dir, 'r'), { flushDelayMs: 60_000, batchBytes: 1000 });
    w.append(started);
    for (let i = 0; i < 20; i++) w.append(log(`line ${i} ${'x'.repeat(80)}`));
    expect(lines(w.path).length).toBeGreaterThan(1);
    w.close();
    expect(lines(w.path)).toHaveLength(21);
  });

  it('rejects events it cannot record faithfully', async () => {
    const w = await JournalWriter.open(join(dir, 'r'));
    expect(() => w.append({ type: 'log', phaseId: 'p' } as unknown as JournalEventInput)).toThrow(
      /invalid journal event: log: missing field "stream"/,
    );
    expect(() => w.append({ ...log('x'), seq: 9 } as unknown as JournalEventInput)).toThrow(
      /assigned by the writer/,
    );
    w.close();
    expect(() => w.append(log('late'))).toThrow(/closed/);
  });

  describe('a full disk', () => {
    it('surfaces ENOSPC from append (boundary event) and keeps failing', async () => {
      const runDir = join(dir, 'r');
      mkdirSync(runDir, { mode: 0o700 });
      symlinkSync('/dev/full', join(runDir, 'events.jsonl'));
      const w = await JournalWriter.open(runDir);
      expect(() => w.append(started)).toThrow(JournalWriterError);
      expect(() => w.append(log('x'))).toThrow(/ENOSPC.*disk is full/);
      expect(() => w.close()).toThrow(/ENOSPC/);
    });

    it('surfaces ENOSPC from flush, and a background write failure from the next call', async () => {
      const runDir = join(dir, 'r');
      mkdirSync(runDir, { mode: 0o700 });
      symlinkSync('/dev/full', join(runDir, 'events.jsonl'));
      const errors: Error[] = [];
      const w = await JournalWriter.open(runDir, {
        flushDelayMs: 5,
        onError: (e) => errors.push(e),
      });
      w.append(log('a'));
      await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 5000, interval: 5 });
      expect(errors[0]!.message).toMatch(/ENOSPC/);
      expect(() => w.append(log('b'))).toThrow(/ENOSPC/);
      expect(() => w.flush()).toThrow(/ENOSPC/);
      expect(() => w.close()).toThrow(/ENOSPC/);
    });

    it('surfaces ENOSPC from an explicit flush', async () => {
      const runDir = join(dir, 'r');
      mkdirSync(runDir, { mode: 0o700 });
      symlinkSync('/dev/full', join(runDir, 'events.jsonl'));
      const w = await JournalWriter.open(runDir, { flushDelayMs: 60_000 });
      w.append(log('a'));
      expect(() => w.flush()).toThrow(/cannot write the journal .*ENOSPC/);
      expect(() => w.close()).toThrow(/ENOSPC/);
    });
  });
});
