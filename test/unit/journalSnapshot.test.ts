import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter } from '../../src/journal/writer';
import { readJournal } from '../../src/journal/reader';
import { SNAPSHOT_FILE, loadState, readSnapshot, type Snapshot } from '../../src/journal/snapshot';
import { replay } from '../../src/state/runState';
import type { JournalEventInput } from '../../src/journal/events';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsi-snap-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PHASES = ['a', 'b', 'c'];
const HOSTS = ['n1', 'n2', '__proto__'];

const arbEvent: fc.Arbitrary<JournalEventInput> = (() => {
  const phaseId = fc.constantFrom(...PHASES, 'unplanned');
  const host = fc.constantFrom(...HOSTS);
  const text = fc.string({ maxLength: 30 });
  const actor = {
    user: fc.constantFrom('u', 'v'),
    host: fc.constantFrom('h1', 'h2'),
    pid: fc.nat(99999),
  };
  return fc.oneof(
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('run-started' as const),
        runId: fc.constant('r'),
        profileName: fc.constant('p'),
        profileHash: fc.constant('h'),
        plan: fc.constant({
          phases: PHASES.map((id, i) => ({
            id,
            title: id.toUpperCase(),
            group: 'g',
            needs: PHASES.slice(0, i),
            kind: 'ansible',
          })),
        }),
        ...actor,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('phase-started' as const),
        phaseId,
        attempt: fc.integer({ min: 1, max: 3 }),
        argv: fc.array(text, { maxLength: 3 }),
        cwd: fc.constant('/'),
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        type: fc.constant('log' as const),
        phaseId,
        stream: fc.constantFrom('stdout' as const, 'stderr' as const),
        line: text,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('ansible-playbook-started' as const),
        phaseId,
        playbook: fc.constant('site.yml'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('ansible-play-started' as const),
        phaseId,
        name: text,
        hosts: fc.subarray(HOSTS),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant('ansible-task-started' as const),
        phaseId,
        play: fc.constant('p'),
        task: fc.constantFrom('t1', 't2', 't3'),
        taskIndex: fc.nat(50),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record(
        {
          type: fc.constant('ansible-host-result' as const),
          phaseId,
          host,
          task: fc.constantFrom('t1', 't2', 't3'),
          status: fc.constantFrom(
            'ok' as const,
            'changed' as const,
            'failed' as const,
            'skipped' as const,
            'unreachable' as const,
          ),
          msg: text,
          ignored: fc.boolean(),
        },
        { requiredKeys: ['type', 'phaseId', 'host', 'task', 'status'] },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('ansible-stats' as const),
        phaseId,
        hosts: fc.dictionary(
          host,
          fc.record({
            ok: fc.nat(9),
            changed: fc.nat(9),
            failures: fc.nat(9),
            skipped: fc.nat(9),
            unreachable: fc.nat(9),
          }),
        ),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          type: fc.constant('check-status' as const),
          phaseId,
          check: fc.constantFrom('c1', 'c2'),
          status: fc.constantFrom('pending' as const, 'passing' as const, 'failing' as const),
          detail: text,
        },
        { requiredKeys: ['type', 'phaseId', 'check', 'status'] },
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record(
        {
          type: fc.constant('phase-finished' as const),
          phaseId,
          status: fc.constantFrom(
            'succeeded' as const,
            'failed' as const,
            'timed-out' as const,
            'aborted' as const,
            'skipped' as const,
          ),
          exitCode: fc.integer({ min: 0, max: 255 }),
          durationMs: fc.nat(1e6),
        },
        { requiredKeys: ['type', 'phaseId', 'status', 'durationMs'] },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record(
        { type: fc.constant('warning' as const), phaseId, message: text },
        { requiredKeys: ['type', 'message'] },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('run-finished' as const),
        status: fc.constantFrom('succeeded' as const, 'failed' as const, 'aborted' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ type: fc.constant('run-interrupted' as const), reason: text }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('viewer-attached' as const),
        ...actor,
        mode: fc.constantFrom('read-only' as const, 'control' as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('control-taken' as const), ...actor }) },
  );
})();

describe('snapshots', () => {
  it('are written every N events and at the end of the run, 0600, covering whole lines', async () => {
    const runDir = join(dir, 'r');
    const w = await JournalWriter.open(runDir, { snapshotEvery: 4, flushDelayMs: 60_000 });
    for (let i = 0; i < 10; i++) w.append({ type: 'warning', message: `w${i}` });
    let snap = (await readSnapshot(runDir)).snapshot!;
    expect(snap.seq).toBe(8);
    expect(snap.state.lastSeq).toBe(8);
    expect(statSync(w.path).size).toBeGreaterThanOrEqual(snap.offset);
    expect(readFileSync(w.path).subarray(0, snap.offset).toString().split('\n')).toHaveLength(9);
    expect(statSync(join(runDir, SNAPSHOT_FILE)).mode & 0o777).toBe(0o600);
    w.append({ type: 'run-finished', status: 'succeeded' });
    snap = (await readSnapshot(runDir)).snapshot!;
    expect(snap).toMatchObject({ seq: 11, offset: statSync(w.path).size, runId: null });
    w.close();
    const loaded = await loadState(runDir);
    expect(loaded).toMatchObject({ fromSnapshot: true, replayed: 0, lastSeq: 11 });
  });

  it('loadState replays only the tail after the snapshot', async () => {
    const runDir = join(dir, 'r');
    const w = await JournalWriter.open(runDir, { snapshotEvery: 5 });
    for (let i = 0; i < 13; i++) w.append({ type: 'warning', message: `w${i}` });
    w.close({ snapshot: false });
    const loaded = await loadState(runDir);
    expect(loaded).toMatchObject({
      fromSnapshot: true,
      replayed: 3,
      lastSeq: 13,
      snapshotProblem: null,
    });
    expect(loaded.state).toEqual(replay((await readJournal(w.path)).events));
    const full = await loadState(runDir, { useSnapshot: false });
    expect(full).toMatchObject({ fromSnapshot: false, replayed: 13 });
    expect(full.state).toEqual(loaded.state);
  });

  describe('fall back to a full replay when the snapshot cannot be trusted', () => {
    async function setup(): Promise<{ runDir: string; snap: Snapshot; expected: unknown }> {
      const runDir = join(dir, 'r');
      const w = await JournalWriter.open(runDir, { snapshotEvery: 5 });
      w.append({
        type: 'run-started',
        runId: 'r',
        profileName: 'p',
        profileHash: 'h',
        plan: { phases: [] },
        user: 'u',
        host: 'h',
        pid: 1,
      });
      for (let i = 0; i < 11; i++) w.append({ type: 'warning', message: `w${i}` });
      w.close({ snapshot: false });
      const snap = (await readSnapshot(runDir)).snapshot!;
      expect(snap.seq).toBe(10);
      return { runDir, snap, expected: replay((await readJournal(w.path)).events) };
    }
    const writeSnap = (runDir: string, value: unknown) =>
      writeFileSync(
        join(runDir, SNAPSHOT_FILE),
        typeof value === 'string' ? value : JSON.stringify(value),
      );

    const cases: Array<[string, (s: Snapshot) => unknown, RegExp]> = [
      ['corrupt', () => '{"format":1,"seq":', /not valid JSON/],
      ['a newer format', (s) => ({ ...s, format: 99 }), /newer format/],
      ['a newer state format', (s) => ({ ...s, stateFormat: 99 }), /newer format/],
      ['another journal', (s) => ({ ...s, head: 'f'.repeat(64) }), /another journal/],
      [
        'beyond the end of the journal',
        (s) => ({ ...s, offset: s.offset + 100_000 }),
        /more than the journal/,
      ],
      ['not at a line boundary', (s) => ({ ...s, offset: s.offset - 3 }), /line boundary/],
      [
        'out of step with the next event',
        (s) => ({ ...s, seq: 8, state: { ...s.state, lastSeq: 8 } }),
        /does not match/,
      ],
      ['inconsistent', (s) => ({ ...s, state: { ...s.state, lastSeq: 3 } }), /inconsistent/],
    ];
    it.each(cases)('%s', async (_name, mutate, problem) => {
      const { runDir, snap, expected } = await setup();
      writeSnap(runDir, mutate(snap));
      const loaded = await loadState(runDir);
      expect(loaded.fromSnapshot).toBe(false);
      expect(loaded.snapshotProblem).toMatch(problem);
      expect(loaded.replayed).toBe(12);
      expect(loaded.state).toEqual(expected);
    });

    it('missing', async () => {
      const { runDir, expected } = await setup();
      rmSync(join(runDir, SNAPSHOT_FILE));
      const loaded = await loadState(runDir);
      expect(loaded).toMatchObject({ fromSnapshot: false, snapshotProblem: 'no snapshot' });
      expect(loaded.state).toEqual(expected);
    });

    it('and the writer removes a stale snapshot when it reopens the journal', async () => {
      const { runDir, snap } = await setup();
      writeSnap(runDir, { ...snap, head: '0'.repeat(64) });
      const w = await JournalWriter.open(runDir, { snapshotEvery: 0 });
      expect(existsSync(join(runDir, SNAPSHOT_FILE))).toBe(false);
      expect(w.lastSeq).toBe(12);
      w.close();
    });
  });

  it('snapshot + tail equals a full replay, for any events, interval and reopen point (property)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbEvent, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 25 }),
        fc.nat(),
        fc.boolean(),
        async (events, every, cutSeed, tornTail) => {
          const runDir = join(dir, `p${n++}`);
          const cut = cutSeed % (events.length + 1);
          const a = await JournalWriter.open(runDir, { snapshotEvery: every });
          for (const e of events.slice(0, cut)) a.append(e);
          a.close({ snapshot: false });
          if (tornTail && cut > 0) appendFileSync(a.path, '{"seq":99999,"ts":"2025-');
          const b = await JournalWriter.open(runDir, { snapshotEvery: every });
          expect(b.lastSeq).toBe(cut);
          for (const e of events.slice(cut)) b.append(e);
          b.close({ snapshot: false });

          const { events: stored } = await readJournal(b.path);
          expect(stored.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
          const expected = replay(stored);
          const withSnap = await loadState(runDir);
          const full = await loadState(runDir, { useSnapshot: false });
          expect(withSnap.state).toEqual(expected);
          expect(full.state).toEqual(expected);
          expect(b.state).toEqual(expected);
          expect(JSON.stringify(withSnap.state)).toBe(JSON.stringify(full.state));
          expect(withSnap.replayed).toBeLessThan(
            every + (withSnap.fromSnapshot ? 0 : events.length + 1),
          );
          rmSync(runDir, { recursive: true, force: true });
        },
      ),
      { numRuns: 80 },
    );
  });
});
