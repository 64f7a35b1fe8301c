import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RunStore, followRunInto, PUBLISH_INTERVAL_MS } from '../../src/state/runStore';
import type { JournalEvent } from '../../src/journal/events';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/journals');

function runStarted(seq: number): JournalEvent {
  return {
    seq,
    ts: new Date(0).toISOString(),
    type: 'run-started',
    runId: 'r1',
    profileName: 'lab',
    profileHash: 'h',
    plan: { phases: [{ id: 'p', title: 'P', group: 'g', needs: [], kind: 'command' }] },
    user: 'u',
    host: 'h',
    pid: 1,
  };
}
const logLine = (seq: number): JournalEvent => ({
  seq,
  ts: new Date(seq).toISOString(),
  type: 'log',
  phaseId: 'p',
  stream: 'stdout',
  line: `line ${seq}`,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('RunStore throttle', () => {
  it('publishes at most 10 times a second while 5,000 events a second arrive, and always the last state', () => {
    vi.useFakeTimers({ now: 0 });
    const store = new RunStore();
    const publishedAt: number[] = [];
    const seen: number[] = [];
    store.subscribe(() => {
      publishedAt.push(Date.now());
      seen.push(store.getSnapshot().state.lastSeq);
    });
    store.apply([runStarted(1)]);
    let seq = 1;
    // 3 s of events: one every 0.2 ms, delivered in batches of 1 as followJournal may.
    for (let t = 0; t < 3000; t++) {
      for (let i = 0; i < 5; i++) store.apply([logLine(++seq)]);
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    expect(seq).toBe(15_001);
    // No two publishes closer than the interval: at most 10 in any second.
    for (let i = 1; i < publishedAt.length; i++) {
      expect(publishedAt[i]! - publishedAt[i - 1]!).toBeGreaterThanOrEqual(PUBLISH_INTERVAL_MS);
    }
    for (let s = 0; s < 3; s++) {
      const inSecond = publishedAt.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length;
      expect(inSecond).toBeLessThanOrEqual(10);
      expect(inSecond).toBeGreaterThanOrEqual(9); // and it does keep publishing
    }
    // The trailing publish delivered the very last event.
    expect(seen.at(-1)).toBe(15_001);
    expect(store.getSnapshot().state.phases[0]!.logLines).toBe(15_000);
    expect(store.getSnapshot().applied).toBe(15_001);
  });

  it('returns the same snapshot object between publishes (useSyncExternalStore needs it)', () => {
    vi.useFakeTimers({ now: 0 });
    const store = new RunStore();
    store.apply([runStarted(1)]); // first publish is immediate
    const a = store.getSnapshot();
    store.apply([logLine(2)]);
    expect(store.getSnapshot()).toBe(a);
    vi.advanceTimersByTime(PUBLISH_INTERVAL_MS);
    expect(store.getSnapshot()).not.toBe(a);
    expect(store.getSnapshot().state.lastSeq).toBe(2);
  });

  it('a lone event after a quiet period is published at once', () => {
    vi.useFakeTimers({ now: 0 });
    const store = new RunStore();
    store.apply([runStarted(1)]);
    vi.advanceTimersByTime(5000);
    store.apply([logLine(2)]);
    expect(store.getSnapshot().state.lastSeq).toBe(2);
  });
});

describe('followRunInto', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads a journal, then follows what is appended to it', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gsi-store-'));
    const lines = readFileSync(path.join(FIXTURES, 'success.jsonl'), 'utf8').split('\n');
    // The first 20 events now, the rest later, as a running engine would write them.
    const head = lines.slice(0, 20).join('\n') + '\n';
    appendFileSync(path.join(dir, 'events.jsonl'), head);
    const store = new RunStore();
    const ac = new AbortController();
    const following = followRunInto(store, dir, ac.signal, { pollMs: 20 });
    const wait = async (cond: () => boolean, what: string) => {
      const end = Date.now() + 5000;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await wait(() => store.getSnapshot().loaded, 'load');
    expect(store.getSnapshot().state.lastSeq).toBe(20);
    expect(store.getSnapshot().state.status).toBe('running');
    appendFileSync(path.join(dir, 'events.jsonl'), lines.slice(20).join('\n'));
    await wait(() => store.getSnapshot().state.status === 'succeeded', 'the run to finish');
    expect(store.getSnapshot().state.lastSeq).toBe(lines.filter((l) => l !== '').length);
    ac.abort();
    await following;
  });

  it('reports a missing journal as an error instead of throwing', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gsi-store-'));
    const store = new RunStore();
    await followRunInto(store, path.join(dir, 'nope'), new AbortController().signal);
    expect(store.getSnapshot().error).toMatch(/journal is missing/);
  });

  it('a finished run is loaded whole and stays put', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gsi-store-'));
    copyFileSync(path.join(FIXTURES, 'failed-host.jsonl'), path.join(dir, 'events.jsonl'));
    const store = new RunStore();
    const ac = new AbortController();
    const following = followRunInto(store, dir, ac.signal, { pollMs: 20 });
    const end = Date.now() + 5000;
    while (!store.getSnapshot().loaded && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    expect(store.getSnapshot().state.status).toBe('failed');
    ac.abort();
    await following;
  });
});
