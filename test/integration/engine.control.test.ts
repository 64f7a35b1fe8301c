// Controlling runs, through the built bundle with real processes, real sshd on 127.0.0.x and
// real ansible-playbook: abort; a second deploy refused by the lock; a stale lock recovered; the
// engine killed with SIGKILL mid-phase, a torn last journal line, and `deploy --resume`
// continuing from that phase without re-running completed ones; the terminal that started a
// run killed while the engine goes on. Every wait is on a journal (or process) condition.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal, journalPath } from '../../src/journal/reader';
import { processAlive, processStartTime } from '../../src/engine/lock';
import {
  killLeftovers,
  startWorld,
  statusJson,
  until,
  waitForEvent,
  type EngineWorld,
} from './engineHarness';

let w: EngineWorld;

beforeAll(async () => {
  w = await startWorld({ hosts: 2 });
});

afterEach(() => {
  killLeftovers(w);
});

afterAll(async () => {
  await w?.stop();
});

const readRecord = (runDir: string) =>
  JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as {
    engine?: { pid: number; procStart: string | null };
  };

/** Starts `deploy` of control.yaml and waits until the slow playbook sleeps on the hosts. */
async function startSlowRun(env: Record<string, string>, args: string[] = []) {
  const before = w.runIds();
  const child = w.startDeploy(['--catalog', w.catalog('control.yaml'), ...args], env);
  const runId = await w.waitForNewRun(before);
  const runDir = w.runDir(runId);
  await waitForEvent(
    runDir,
    (e) => e.type === 'ansible-task-started' && e.phaseId === 'slow' && e.task === 'Sleep',
    'the Sleep task of phase slow',
  );
  return { child, runId, runDir };
}

describe('lock and abort', () => {
  it('refuses a second deploy while a run holds the lock, then aborts the run', async () => {
    const { child, runId, runDir } = await startSlowRun({ SLOW_SECONDS: '60' });

    const ids = w.runIds();
    const second = await w.cli(['deploy', w.profile, '--catalog', w.catalog('control.yaml')]);
    expect(second.exitCode).toBe(9);
    expect(second.stderr).toMatch(
      new RegExp(
        `another run holds the lock of the state directory .*: run ${runId} by \\S+@\\S+, pid \\d+, since \\d\\d:\\d\\d UTC`,
      ),
    );
    expect(second.stderr).toContain(`genestack-installer abort ${runId}`);
    expect(w.runIds()).toEqual(ids); // nothing was created

    const { pgid } = JSON.parse(readFileSync(join(runDir, 'procs', 'slow.json'), 'utf8')) as {
      pgid: number;
    };
    const abort = await w.cli(['abort', runId]);
    expect(abort.exitCode, abort.stdout + abort.stderr).toBe(0);
    expect(abort.stdout).toMatch(new RegExp(`run ${runId} aborted; stopped: slow`));
    expect(abort.stdout).toMatch(/resume with: genestack-installer deploy/);

    const first = await child;
    expect(first.exitCode, String(first.stdout)).toBe(8);
    expect(String(first.stdout)).toMatch(/ABORTED +slow/);
    expect(String(first.stdout)).toMatch(/run aborted at phase slow/);

    const s = statusJson(await w.cli(['status', runId, '--json']));
    expect(s.state).toBe('aborted');
    expect(s.phases.map((p) => [p.id, p.status])).toEqual([
      ['first', 'succeeded'],
      ['slow', 'aborted'],
      ['last', 'pending'],
    ]);
    // The playbook's process group is gone (zombies reparented to this container's pid 1,
    // which does not reap, do not count) and the locks are released.
    const left = (await execa('ps', ['-eo', 'pgid,stat'])).stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[0] === String(pgid) && !f[1]!.startsWith('Z'));
    expect(left).toEqual([]);
    expect(existsSync(join(w.stateDir, 'engine.lock'))).toBe(false);
    expect(existsSync(join(w.configDir, '.genestack-installer.lock'))).toBe(false);
  });

  it('recovers a stale lock with a warning', async () => {
    // A lock naming a process that has exited.
    const gone = await execa('sh', ['-c', 'echo $$']);
    const pid = Number(gone.stdout);
    expect(processAlive(pid)).toBe(false);
    writeFileSync(
      join(w.stateDir, 'engine.lock'),
      JSON.stringify({
        pid,
        procStart: '1',
        user: 'someone',
        host: 'elsewhere',
        startedAt: '2026-01-01T00:00:00.000Z',
        runId: '20260101-000000-dead',
      }),
    );
    const r = await w.cli([
      'deploy',
      w.profile,
      '--catalog',
      w.catalog('control.yaml'),
      '--only',
      'first',
    ]);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `warning +recovered a stale lock .*engine\\.lock: process ${pid} \\(run 20260101-000000-dead by someone@elsewhere`,
      ),
    );
    expect(existsSync(join(w.stateDir, 'engine.lock'))).toBe(false);
  });
});

describe('crash and resume', () => {
  it('resumes after SIGKILL mid-phase (and a torn last line) from that phase, without re-running done ones', async () => {
    const firstRuns = w.marks('first');
    const lastRuns = w.marks('last');
    const { child, runId, runDir } = await startSlowRun({ SLOW_SECONDS: '60' }, ['--no-attach']);
    const started = await child;
    expect(started.exitCode, String(started.stderr)).toBe(0);
    expect(String(started.stdout)).toContain(`genestack-installer attach ${runId}`);

    const engine = readRecord(runDir).engine!;
    const { pgid } = JSON.parse(readFileSync(join(runDir, 'procs', 'slow.json'), 'utf8')) as {
      pgid: number;
    };
    process.kill(engine.pid, 'SIGKILL');
    await until(() => !processAlive(engine.pid, engine.procStart), 'the engine to die');
    // The phase's process group outlives the engine (its own group, on purpose).
    expect(processAlive(pgid)).toBe(true);

    const s1 = statusJson(await w.cli(['status', runId, '--json']));
    expect(s1.state).toBe('interrupted');
    expect(s1.phases.find((p) => p.id === 'slow')?.status).toBe('running');

    // A crash in the middle of a write leaves half a line.
    const lastSeq = (await readJournal(journalPath(runDir))).events.at(-1)!.seq;
    appendFileSync(
      journalPath(runDir),
      `{"seq":${lastSeq + 1},"ts":"2026-11-26T22:00:00.000Z","type":"log","pha`,
    );
    // Readers stop before it: a line is an event only once its end of line is written.
    const torn = await readJournal(journalPath(runDir));
    expect(torn.events.at(-1)!.seq).toBe(lastSeq);
    expect(torn.offset).toBeLessThan(statSync(journalPath(runDir)).size);
    const s2 = statusJson(await w.cli(['status', runId, '--json']));
    expect(s2.state).toBe('interrupted');

    const r = await w.cli(['deploy', w.profile, '--resume', runId], { SLOW_SECONDS: '1' });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /note: the engine \(pid \d+ on \S+\) stopped without finishing .*stopped what it left running: slow/,
    );
    expect(r.stdout).toMatch(/warning +the journal ended in a torn line/);
    expect(r.stdout).toMatch(/warning +1 phase\(s\) already done are not run again: first/);
    expect(r.stdout).toMatch(/start +slow: A slow playbook \(attempt 2\)/);
    expect(r.stdout).toMatch(/run succeeded/);
    // first ran once; last ran once, after slow.
    expect(w.marks('first')).toBe(firstRuns + 1);
    expect(w.marks('last')).toBe(lastRuns + 1);
    // The leftover playbook was stopped before the phase ran again.
    expect(processStartTime(pgid)).toBeNull();

    const { events, torn: after } = await readJournal(journalPath(runDir));
    expect(after).toBeNull();
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'run-started')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'run-interrupted')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'phase-started' && e.phaseId === 'first')).toHaveLength(
      1,
    );
    const s3 = statusJson(await w.cli(['status', runId, '--json']));
    expect(s3.state).toBe('succeeded');
    expect(s3.phases.find((p) => p.id === 'slow')).toMatchObject({
      status: 'succeeded',
      attempt: 2,
    });
  });

  it('a changed profile on resume: says what changed and refuses without --yes', async () => {
    const { child, runId, runDir } = await startSlowRun({ SLOW_SECONDS: '60' }, ['--no-attach']);
    await child;
    const engine = readRecord(runDir).engine!;
    process.kill(engine.pid, 'SIGKILL');
    await until(() => !processAlive(engine.pid, engine.procStart), 'the engine to die');
    killLeftovers(w);

    const original = readFileSync(w.profile, 'utf8');
    writeFileSync(w.profile, original.replace('domain: test.example', 'domain: changed.example'));
    try {
      const refused = await w.cli(['deploy', w.profile, '--resume', runId], { SLOW_SECONDS: '1' });
      expect(refused.exitCode).toBe(1);
      expect(refused.stdout).toMatch(
        /The profile changed since the run started \(1 field\(s\)\):\n {2}network\.gateway\.domain\n/,
      );
      expect(refused.stdout).toMatch(/Phases affected/);
      expect(refused.stderr).toMatch(/Re-run with --yes/);
      const ok = await w.cli(['deploy', w.profile, '--resume', runId, '--yes'], {
        SLOW_SECONDS: '1',
      });
      expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    } finally {
      writeFileSync(w.profile, original);
    }
  });
});

describe('detached from the terminal', () => {
  it('goes on when the terminal that started it is killed', async () => {
    const lastRuns = w.marks('last');
    const { child, runId, runDir } = await startSlowRun({ SLOW_SECONDS: '4' });
    const engine = readRecord(runDir).engine!;
    // The terminal's session goes away: its whole process group is hung up, then killed.
    expect(child.pid).toBeDefined();
    process.kill(-child.pid!, 'SIGHUP');
    process.kill(-child.pid!, 'SIGKILL');
    const gone = await child;
    expect(gone.signal).toMatch(/SIGHUP|SIGKILL/);
    expect(processAlive(engine.pid, engine.procStart)).toBe(true);

    const finished = await waitForEvent(
      runDir,
      (e) => e.type === 'run-finished',
      'the run to finish without its terminal',
    );
    expect(finished).toMatchObject({ type: 'run-finished', status: 'succeeded' });
    expect(w.marks('last')).toBe(lastRuns + 1);
    await until(() => !processAlive(engine.pid, engine.procStart), 'the engine to exit');
    const s = statusJson(await w.cli(['status', runId, '--json']));
    expect(s.state).toBe('succeeded');
  });
});
