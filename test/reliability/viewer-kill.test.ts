// Viewers SIGKILLed at random moments (issue 7): `attach --json` and the plain `attach` (real
// processes of the built bundle, each in its own process group) follow a real run of
// catalogs/chain.yaml; some are killed at random, seeded moments. The run must end exactly as a
// reference run no viewer watched (same phase results, one attempt each, a valid journal), and
// the viewers left alive must follow it to its end (the JSON viewer's events equal the journal).
// The full-screen dashboard is not covered here yet (it is being built).
// RELIABILITY_VIEWER_RUNS (default 2) runs of RELIABILITY_VIEWERS (default 6) viewers, of which
// all but two are killed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execa, type ResultPromise } from 'execa';
import type { JournalEvent } from '../../src/journal/events';
import { readJournal, journalPath } from '../../src/journal/reader';
import { processAlive } from '../../src/engine/lock';
import { REPO } from '../helpers/cli';
import { killLeftovers, until, waitForEvent, type EngineWorld } from '../integration/engineHarness';
import { journalProblems } from './invariants';
import {
  count,
  markLines,
  pause,
  random,
  readRecord,
  seed,
  startReliabilityWorld,
  withSeed,
} from './world';

const RUNS = count('RELIABILITY_VIEWER_RUNS', 2);
const VIEWERS = Math.max(3, count('RELIABILITY_VIEWERS', 6));

let w: EngineWorld;

beforeAll(async () => {
  w = await startReliabilityWorld({ hosts: 2 });
});

afterEach(() => {
  killLeftovers(w);
});

afterAll(async () => {
  await w?.stop();
});

/** Starts a run of chain.yaml without a viewer; resolves with its run directory. */
async function startRun(): Promise<string> {
  const before = w.runIds();
  const r = await w.cli(['deploy', w.profile, '--catalog', w.catalog('chain.yaml'), '--no-attach']);
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return w.runDir(await w.waitForNewRun(before));
}

async function finish(runDir: string) {
  await waitForEvent(runDir, (e) => e.type === 'run-finished', 'run-finished', 90_000);
  const engine = readRecord(runDir).engine!;
  await until(() => !processAlive(engine.pid, engine.procStart), 'the engine to exit');
  const { events, torn } = await readJournal(journalPath(runDir));
  expect(torn).toBeNull();
  const problems = journalProblems(
    events,
    { command: (id) => markLines(w, id), host: (h) => markLines(w, `play-${h}`) },
    ['host01', 'host02'],
    ['c1', 'pa', 'pb', 'c2', 'c3'],
    'play',
  );
  expect(problems).toEqual([]);
  return events;
}

/** What must not differ between runs: each phase's results, in order, and the run's. */
const outcome = (events: JournalEvent[]) => ({
  phases: events
    .filter((e) => e.type === 'phase-finished')
    .map((e) => (e.type === 'phase-finished' ? `${e.phaseId}:${e.status}` : ''))
    .sort(),
  attempts: events
    .filter((e) => e.type === 'phase-started')
    .map((e) => (e.type === 'phase-started' ? `${e.phaseId}#${e.attempt}` : ''))
    .sort(),
  run: events
    .filter((e) => e.type === 'run-finished')
    .map((e) => JSON.stringify({ ...e, seq: 0, ts: '' })),
});

function viewer(runId: string, json: boolean): ResultPromise {
  return execa(
    process.execPath,
    [w.bundle, 'attach', runId, ...(json ? ['--json'] : []), '--state-dir', w.stateDir],
    { cwd: REPO, reject: false, stdin: 'ignore', env: w.env, detached: true, timeout: 120_000 },
  );
}

describe('viewers killed at random moments', () => {
  it(`leave the run unaffected (${RUNS} runs, ${VIEWERS} viewers each)`, async () => {
    const reference = outcome(await finish(await startRun()));
    expect(reference.run).toHaveLength(1);
    expect(reference.run[0]).toContain('"status":"succeeded"');

    const s = seed();
    const rnd = random(s);
    let killed = 0;
    await withSeed(s, async () => {
      for (let run = 0; run < RUNS; run++) {
        const runDir = await startRun();
        const runId = runDir.split('/').pop()!;
        const viewers = Array.from({ length: VIEWERS }, (_, i) => ({
          json: i % 2 === 0,
          proc: viewer(runId, i % 2 === 0),
        }));
        // The first two (one JSON, one plain) stay; the others die at random moments.
        await Promise.all(
          viewers.slice(2).map(async (v) => {
            await pause(Math.floor(rnd() * 3000));
            if (v.proc.pid !== undefined && v.proc.exitCode === null) {
              process.kill(-v.proc.pid, 'SIGKILL');
              killed++;
            }
          }),
        );
        const events = await finish(runDir);
        expect(outcome(events)).toEqual(reference);

        const [json, plain] = await Promise.all([viewers[0]!.proc, viewers[1]!.proc]);
        expect(json.exitCode, String(json.stderr)).toBe(0);
        const seen = String(json.stdout)
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as JournalEvent);
        // It follows from where the journal was when it attached: every event after that, in
        // order, each exactly as the journal holds it.
        expect(seen.length).toBeGreaterThan(0);
        expect(seen).toEqual(events.slice(seen[0]!.seq - 1));
        expect(seen.at(-1)).toMatchObject({ type: 'run-finished', status: 'succeeded' });
        expect(plain.exitCode, String(plain.stderr)).toBe(0);
        expect(String(plain.stdout)).toMatch(/run succeeded/);
        for (const v of viewers.slice(2)) await v.proc;
      }
    });
    console.log(`viewer-kill: seed ${s}, ${killed} viewers killed over ${RUNS} runs`);
    expect(killed).toBeGreaterThan(0);
  });
});
