// The engine SIGKILLed at random moments across runs, then resumed, many times (issue 7). Real
// processes throughout: `deploy` starts a detached engine (setsid) on the built bundle, which
// runs test/reliability/catalogs/chain.yaml (commands that leave markers, the write-config
// builtin, a parallel pair, a real ansible-playbook against sshd on 127.0.0.x). After every
// kill the journal must parse with no gap or repeated seq, no phase recorded succeeded may start
// again, no output or host result may be lost or recorded twice (compared with the markers the
// commands left), and the resume must recover the dead engine's locks.
// RELIABILITY_KILLS (default 20) and RELIABILITY_SEED replay or lengthen it (docs/reliability.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal, journalPath } from '../../src/journal/reader';
import { processAlive } from '../../src/engine/lock';
import {
  killLeftovers,
  statusJson,
  until,
  waitForEvent,
  type EngineWorld,
} from '../integration/engineHarness';
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

const KILLS = count('RELIABILITY_KILLS', 20);
/** Kill moments are drawn from [0, window) after the engine starts (a full run takes ~5 s). */
const WINDOW_MS = count('RELIABILITY_KILL_WINDOW_MS', 3000);
const COMMANDS = ['c1', 'pa', 'pb', 'c2', 'c3'];
const PHASES = ['c1', 'write-config', 'pa', 'pb', 'play', 'c2', 'c3'];
const HOSTS = ['host01', 'host02'];

let w: EngineWorld;

beforeAll(async () => {
  w = await startReliabilityWorld({ hosts: 2 });
});

afterAll(async () => {
  await w?.stop();
});

const marks = () => ({
  command: (id: string) => markLines(w, id),
  host: (h: string) => markLines(w, `play-${h}`),
});

async function checkJournal(runDir: string, when: string) {
  const { events, torn } = await readJournal(journalPath(runDir));
  const problems = journalProblems(events, marks(), HOSTS, COMMANDS, 'play');
  expect(problems, `${when}: ${problems.join('; ')}`).toEqual([]);
  return { events, torn };
}

const lockFiles = () => [
  join(w.stateDir, 'engine.lock'),
  join(w.configDir, '.genestack-installer.lock'),
];

describe('engine SIGKILLed at random moments, then resumed', () => {
  it(`keeps the journal valid across ${KILLS} kills`, async () => {
    const s = seed();
    const rnd = random(s);
    const stats = { kills: 0, runs: 0, resumes: 0, tornLines: 0, staleLocks: 0, staleAtEnd: 0 };
    const landed: Record<string, number> = {};
    try {
      await withSeed(s, async () => {
        while (stats.kills < KILLS) {
          const before = w.runIds();
          const started = await w.cli([
            'deploy',
            w.profile,
            '--catalog',
            w.catalog('chain.yaml'),
            '--no-attach',
          ]);
          expect(started.exitCode, started.stdout + started.stderr).toBe(0);
          const runId = await w.waitForNewRun(before);
          const runDir = w.runDir(runId);
          stats.runs++;

          for (;;) {
            const engine = readRecord(runDir).engine!;
            await pause(Math.floor(rnd() * WINDOW_MS));
            // One cycle in four lets the run end on its own, so kills also hit fresh runs.
            const spare = rnd() < 0.25;
            if (spare || stats.kills >= KILLS || !processAlive(engine.pid, engine.procStart)) {
              // Not killed this time: let the run end on its own.
              await waitForEvent(runDir, (e) => e.type === 'run-finished', 'run-finished', 60_000);
              await until(() => !processAlive(engine.pid, engine.procStart), 'the engine to exit');
              break;
            }
            // The engine is its own process group (setsid): kill all of it at once.
            process.kill(-engine.pid, 'SIGKILL');
            stats.kills++;
            await until(() => !processAlive(engine.pid, engine.procStart), 'the engine to die');
            const { events, torn } = await checkJournal(runDir, `after kill ${stats.kills}`);
            if (torn) stats.tornLines++;
            // Where the kill landed: the phases running then, else between phases.
            const running = new Set<string>();
            for (const e of events) {
              if (e.type === 'phase-started') running.add(e.phaseId);
              if (e.type === 'phase-finished') running.delete(e.phaseId);
              if (e.type === 'run-interrupted' || e.type === 'run-finished') running.clear();
            }
            const at = running.size > 0 ? [...running].sort().join('+') : 'between phases';
            landed[at] = (landed[at] ?? 0) + 1;
            if (events.some((e) => e.type === 'run-finished')) break; // killed after it finished
            const stale = lockFiles().filter((f) => existsSync(f));
            if (stale.length > 0) stats.staleLocks++;

            const r = await w.cli(['deploy', w.profile, '--resume', runId, '--no-attach']);
            expect(r.exitCode, `resume after kill ${stats.kills}: ${r.stdout}${r.stderr}`).toBe(0);
            stats.resumes++;
            if (stale.length > 0) {
              // The dead engine's locks were recovered, and the journal says so.
              await waitForEvent(
                runDir,
                (e) => e.type === 'warning' && e.message.startsWith('recovered a stale lock'),
                'the stale-lock warning',
              );
            }
          }

          // The run ended: every phase succeeded exactly once, nothing is left behind.
          await checkJournal(runDir, `run ${runId} finished`);
          const st = statusJson(await w.cli(['status', runId, '--json']));
          expect(st.state).toBe('succeeded');
          expect(st.phases.map((p) => [p.id, p.status])).toEqual(
            PHASES.map((p) => [p, 'succeeded']),
          );
          const { events } = await readJournal(journalPath(runDir));
          for (const p of PHASES) {
            const ok = events.filter(
              (e) => e.type === 'phase-finished' && e.phaseId === p && e.status === 'succeeded',
            );
            expect(ok, `${p} succeeded once`).toHaveLength(1);
          }
          // Released; or, when the kill fell between run-finished and the release, left by a
          // dead engine: stale, and recovered by the next deploy (which must then succeed).
          for (const f of lockFiles()) {
            if (!existsSync(f)) continue;
            const owner = JSON.parse(readFileSync(f, 'utf8')) as { pid: number; procStart: string };
            expect(processAlive(owner.pid, owner.procStart), `${f} held by a live process`).toBe(
              false,
            );
            stats.staleAtEnd++;
          }
          const procs = join(runDir, 'procs');
          expect(existsSync(procs) ? readdirSync(procs) : []).toEqual([]);
        }
      });
    } finally {
      // For docs/reliability.md and soak runs (on failure too: how far it got).
      console.log(`kill-resume: seed ${s}`, stats, 'kills by phase running:', landed);
    }
    killLeftovers(w);
  });
});
