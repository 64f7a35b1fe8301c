// learnedDurations on real run folders: journals written by the real JournalWriter (with
// snapshots at the end, as the engine leaves them) in a temporary state directory.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter } from '../../src/journal/writer';
import type { JournalEventInput } from '../../src/journal/events';
import { HISTORY_RUNS, learnedDurations, median } from '../../src/engine/history';
import { runDirOf } from '../../src/engine/stateDir';

let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'gsi-history-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

type Outcome = [phase: string, status: 'succeeded' | 'failed', ms: number];

/** A run whose phases end as given; the clock advances by each phase's duration. */
async function writeRun(runId: string, outcomes: Outcome[]): Promise<void> {
  const runDir = runDirOf(stateDir, runId);
  mkdirSync(runDir, { recursive: true });
  let now = Date.parse('2025-02-01T00:00:00Z');
  const w = await JournalWriter.open(runDir, { clock: () => now });
  const ids = [...new Set(outcomes.map(([p]) => p))];
  const events: JournalEventInput[] = [
    {
      type: 'run-started',
      runId,
      profileName: 'lab',
      profileHash: 'x',
      plan: {
        phases: ids.map((id) => ({ id, title: id, group: 'g', needs: [], kind: 'command' })),
      },
      user: 'u',
      host: 'h',
      pid: 1,
    },
  ];
  for (const e of events) w.append(e);
  let attempt = 0;
  for (const [phaseId, status, ms] of outcomes) {
    w.append({ type: 'phase-started', phaseId, attempt: ++attempt, argv: ['true'], cwd: '/' });
    now += ms;
    w.append({ type: 'phase-finished', phaseId, status, durationMs: ms, exitCode: 0 });
  }
  w.append({ type: 'run-finished', status: 'succeeded' });
  w.close();
}

describe('learnedDurations', () => {
  it('is the median of succeeded attempts over the earlier runs, this run and later ones left out', async () => {
    await writeRun('20250101-000000-aaaa', [
      ['a', 'succeeded', 1000],
      ['b', 'succeeded', 50],
    ]);
    await writeRun('20250102-000000-aaaa', [['a', 'succeeded', 3000]]);
    // A failed attempt is no sample; its retry that succeeded is.
    await writeRun('20250103-000000-aaaa', [
      ['a', 'failed', 99_000],
      ['a', 'succeeded', 2000],
    ]);
    await writeRun('20250104-000000-aaaa', [['a', 'succeeded', 500_000]]); // this run
    await writeRun('20250105-000000-aaaa', [['a', 'succeeded', 700_000]]); // started later
    // A folder without a journal (a run being created) is left out, not an error.
    mkdirSync(runDirOf(stateDir, '20250101-120000-bbbb'));
    const learned = await learnedDurations(stateDir, '20250104-000000-aaaa');
    expect(learned).toEqual({ a: 2000, b: 50 });
  });

  it('looks at the last HISTORY_RUNS runs only', async () => {
    for (let i = 0; i < HISTORY_RUNS + 3; i++) {
      // The oldest three take 1 s, the newer ones 10 s.
      await writeRun(`202501${String(10 + i)}-000000-cccc`, [
        ['a', 'succeeded', i < 3 ? 1000 : 10_000],
      ]);
    }
    expect(await learnedDurations(stateDir, null)).toEqual({ a: 10_000 });
  });

  it('an empty state directory teaches nothing', async () => {
    expect(await learnedDurations(join(stateDir, 'none'), null)).toEqual({});
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(3); // (2 + 3) / 2 rounded
  });
});
