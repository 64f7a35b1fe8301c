// Two `deploy` processes started at the same moment on the same config directory (issue 7):
// one wins, the other is refused with exit 9 naming the winner's owner (user, host, pid, run).
// Both the same state directory (the state lock decides) and two state directories sharing one
// config directory (the config lock decides). Real processes of the built bundle, real engine.
// RELIABILITY_LOCK_ROUNDS (default 2) rounds of each.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/cli';
import { processAlive } from '../../src/engine/lock';
import { killLeftovers, until, waitForEvent, type EngineWorld } from '../integration/engineHarness';
import { count, readRecord, startReliabilityWorld } from './world';

const ROUNDS = count('RELIABILITY_LOCK_ROUNDS', 2);

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

const runsIn = (stateDir: string) => {
  const d = join(stateDir, 'runs');
  return existsSync(d) ? readdirSync(d) : [];
};

/** One `deploy --no-attach` of quick.yaml, started now, into `stateDir`. */
function deploy(stateDir: string) {
  return execa(
    process.execPath,
    [
      w.bundle,
      'deploy',
      w.profile,
      '--catalog',
      w.catalog('quick.yaml'),
      '--no-attach',
      '--state-dir',
      stateDir,
    ],
    {
      cwd: REPO,
      reject: false,
      stdin: 'ignore',
      env: { ...w.env, SLOW_SECONDS: '1' },
      timeout: 120_000,
    },
  );
}

async function race(stateDirs: [string, string], lock: 'state' | 'config') {
  const before = stateDirs.map(runsIn);
  const procs = [deploy(stateDirs[0]), deploy(stateDirs[1])];
  const results = await Promise.all(procs);
  const codes = results.map((r) => r.exitCode);
  expect([...codes].sort(), results.map((r) => r.stdout + r.stderr).join('\n---\n')).toEqual([
    0, 9,
  ]);
  const wi = results.findIndex((r) => r.exitCode === 0);
  const li = 1 - wi;
  // Only the winner created a run.
  const created = stateDirs
    .filter((d, i) => stateDirs.indexOf(d) === i)
    .flatMap((d) => runsIn(d).filter((r) => !before[stateDirs.indexOf(d)]!.includes(r)));
  expect(created).toHaveLength(1);
  const runId = created[0]!;
  const runDir = join(stateDirs[wi]!, 'runs', runId);
  expect(existsSync(runDir)).toBe(true);
  const engine = readRecord(runDir).engine!;

  const refused = results[li]!.stderr;
  const what = lock === 'state' ? 'the state directory' : 'the config directory';
  const m = refused.match(
    new RegExp(
      `another run holds the lock of ${what} \\(([^)]+)\\): run (\\S+) by ([^@]+)@(\\S+), pid (\\d+), since \\d\\d:\\d\\d UTC`,
    ),
  );
  expect(m, refused).not.toBeNull();
  expect(m![2]).toBe(runId);
  expect(m![3]).toBe(os.userInfo().username);
  expect(m![4]).toBe(os.hostname());
  // The lock is held by `deploy` until its engine takes it over: either is the first's owner.
  expect([procs[wi]!.pid, engine.pid]).toContain(Number(m![5]));
  expect(refused).toContain(`genestack-installer attach ${runId}`);

  await waitForEvent(runDir, (e) => e.type === 'run-finished', 'the winner to finish');
  await until(() => !processAlive(engine.pid, engine.procStart), 'the engine to exit');
  return runId;
}

describe('two deploys at once on the same config directory', () => {
  it(`refuses the second with exit 9 naming the first's owner (${ROUNDS} rounds, one state directory)`, async () => {
    for (let i = 0; i < ROUNDS; i++) await race([w.stateDir, w.stateDir], 'state');
  });

  it(`refuses the second by the config directory's lock (${ROUNDS} rounds, two state directories)`, async () => {
    const other = join(w.dir, 'state-2');
    for (let i = 0; i < ROUNDS; i++) await race([w.stateDir, other], 'config');
  });
});
