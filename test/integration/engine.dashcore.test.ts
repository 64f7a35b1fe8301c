// The dashboard's non-screen half, through the built bundle with real processes: a real
// detached engine, real ansible-playbook against sshd on 127.0.0.x, real files. Plain output of a
// run that succeeds and of one that fails (hint, log, resume command), --json, two viewers
// attached at once with one taking control (and one killed), retry after the cause is fixed,
// skip recorded with the operator and the dependents run, and deploy without any terminal.
// Every wait is on a journal or process condition.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { JournalEvent } from '../../src/journal/events';
import { readJournal, journalPath } from '../../src/journal/reader';
import { replay } from '../../src/state/runState';
import { launchEngine } from '../../src/engine/detach';
import { processAlive } from '../../src/engine/lock';
import { retryFailed, skipFailed, thisViewer, type ControlDeps } from '../../src/engine/control';
import { killLeftovers, startWorld, until, waitForEvent, type EngineWorld } from './engineHarness';

let w: EngineWorld;
let bundle: string;

beforeAll(async () => {
  w = await startWorld({ hosts: 2 });
  bundle = join(w.dir, 'genestack-installer.mjs'); // the world's private copy of the bundle
});
afterEach(async () => {
  // An engine that has written run-finished is still releasing its locks: let it exit first.
  await idle().catch(() => undefined);
  killLeftovers(w);
});
afterAll(async () => {
  await w?.stop();
});

const FIXED = () => join(w.catalogDir, 'marks', 'fixed');
const CATALOG = () => w.catalog('dashboard.yaml');

/** The engine of the last run has let go of the state directory (or is gone). */
const idle = () =>
  until(() => {
    const lock = join(w.stateDir, 'engine.lock');
    if (!existsSync(lock)) return true;
    try {
      const { pid } = JSON.parse(readFileSync(lock, 'utf8')) as { pid: number };
      return !processAlive(pid);
    } catch {
      return false; // being replaced
    }
  }, 'the lock released');

async function events(runId: string): Promise<JournalEvent[]> {
  return (await readJournal(journalPath(w.runDir(runId)))).events;
}

/** How a retry or skip started from this test process starts the engine: the built bundle. */
const deps = (): ControlDeps => ({
  env: { ...process.env, ...w.env },
  launch: (runDir) =>
    launchEngine({ kind: 'setsid', argv: [process.execPath, bundle, '__engine', runDir] }, runDir, {
      ...process.env,
      ...w.env,
    }),
});

/** Waits for the run-finished after `afterSeq`. */
const finishedAfter = (runId: string, afterSeq: number) =>
  waitForEvent(
    w.runDir(runId),
    (e) => e.type === 'run-finished' && e.seq > afterSeq,
    `run-finished after seq ${afterSeq}`,
  );

async function failedRun(): Promise<{ runId: string; stdout: string; lastSeq: number }> {
  rmSync(FIXED(), { force: true });
  const before = w.runIds();
  const r = await w.cli(['deploy', w.profile, '--catalog', CATALOG()]);
  expect(r.exitCode, r.stderr).toBe(6);
  const runId = w.runIds().find((id) => !before.includes(id))!;
  await idle();
  return { runId, stdout: r.stdout, lastSeq: (await events(runId)).at(-1)!.seq };
}

describe('plain output (stdout piped, no terminal)', () => {
  it('a run that succeeds: phases, one line per play with per-host counts, the completion summary', async () => {
    const before = w.runIds();
    const r = await w.cli(['deploy', w.profile, '--catalog', w.catalog('fleet.yaml')]);
    expect(r.exitCode, r.stderr).toBe(0);
    const runId = w.runIds().find((id) => !before.includes(id))!;
    const out = r.stdout;
    expect(out).not.toContain('\x1b'); // no colour or cursor movement for CI logs and tee
    expect(out).toMatch(/control +\S+@\S+ \(pid \d+\) controls the run/);
    expect(out).toMatch(/start +fleet/);
    expect(out).toMatch(
      /fleet: play "Fleet": 3 task\(s\); host01 ok=2 changed=1 failed=0 unreachable=0; host02 ok=2 changed=1 failed=0 unreachable=0/,
    );
    expect(out).toMatch(/done +fleet/);
    expect(out).toMatch(/run succeeded/);
    expect(out).toMatch(/slowest phases: /);
    expect(out).toContain(`logs: ${join(w.runDir(runId), 'logs')}`);
  });

  it('a run that fails: the phase, its command and last lines, the known-error hint, the log and the resume command', async () => {
    const { runId, stdout } = await failedRun();
    expect(stdout).not.toContain('\x1b');
    expect(stdout).toMatch(/FAILED +flaky \(exit 100, /);
    expect(stdout).toMatch(/command: sh -c /);
    expect(stdout).toMatch(/\| E: Could not get lock \/var\/lib\/dpkg\/lock-frontend/);
    expect(stdout).toMatch(/hint: Another package manager holds the apt\/dpkg lock/);
    expect(stdout).toContain(`log: ${join(w.runDir(runId), 'logs', 'flaky.log')}`);
    expect(stdout).toContain(
      `resume with: genestack-installer deploy ${w.profile} --resume ${runId} --state-dir ${w.stateDir}`,
    );
    expect(stdout).not.toMatch(/start +after/);
  });
});

describe('--json', () => {
  it('stdout carries only the journal events, one JSON object per line', async () => {
    writeFileSync(FIXED(), '');
    const r = await w.cli(['deploy', w.profile, '--catalog', CATALOG(), '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as JournalEvent);
    expect(parsed.every((e) => typeof e.seq === 'number' && typeof e.type === 'string')).toBe(true);
    expect(parsed.map((e) => e.type)).toContain('control-taken');
    expect(parsed.at(-1)).toMatchObject({ type: 'run-finished', status: 'succeeded' });
    expect(r.stderr).toMatch(/engine pid \d+/); // words for people go to stderr
  });
});

describe('viewers', () => {
  it('two viewers attach at once, one takes control; killing a viewer changes nothing', async () => {
    const started = await w.cli(
      ['deploy', w.profile, '--catalog', w.catalog('control.yaml'), '--no-attach'],
      { SLOW_SECONDS: '12' },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const runId = /run (\S+): engine pid/.exec(started.stdout)![1]!;
    const runDir = w.runDir(runId);
    const attach = (extra: string[]) =>
      execa(process.execPath, [bundle, 'attach', runId, ...extra, '--state-dir', w.stateDir], {
        reject: false,
        stdin: 'ignore',
        env: w.env,
        detached: true,
        timeout: 90_000,
      });
    const reader = attach([]);
    const controller = attach(['--control']);
    await waitForEvent(
      runDir,
      (e) => e.type === 'viewer-attached' && e.pid === reader.pid && e.mode === 'read-only',
      'the read-only viewer announced',
    );
    await waitForEvent(
      runDir,
      (e) => e.type === 'control-taken' && e.pid === controller.pid,
      'the second viewer took control',
    );
    reader.kill('SIGKILL');
    await reader;
    const end = await waitForEvent(
      runDir,
      (e) => e.type === 'run-finished',
      'run-finished',
      90_000,
    );
    expect(end).toMatchObject({ status: 'succeeded' });
    const c = await controller;
    expect(c.exitCode, String(c.stderr)).toBe(0);
    expect(String(c.stdout)).toMatch(/following \(in control;/);
    expect(String(c.stdout)).toMatch(/run succeeded/);

    const evs = await events(runId);
    const viewers = evs.filter((e) => e.type === 'viewer-attached');
    const seen = viewers.map((e) => e.type === 'viewer-attached' && [e.pid, e.mode]);
    expect(seen).toHaveLength(2);
    expect(seen).toContainEqual([reader.pid, 'read-only']);
    expect(seen).toContainEqual([controller.pid, 'control']);
    // Who started the run had control first; the --control viewer took it over.
    const taken = evs.filter((e) => e.type === 'control-taken');
    expect(taken).toHaveLength(2);
    expect(taken[1]).toMatchObject({ pid: controller.pid, host: os.hostname() });
    expect(replay(evs).controller).toMatchObject({ pid: controller.pid });
    // Every request was taken and removed.
    expect(readdirSync(join(runDir, 'control'))).toEqual([]);
  });
});

describe('retry and skip', () => {
  it('retry after the cause is fixed runs the failed phase again and the rest of the run', async () => {
    const { runId, lastSeq } = await failedRun();
    const flakyBefore = w.marks('flaky');
    writeFileSync(FIXED(), '');
    const r = await retryFailed({ stateDir: w.stateDir, runId }, deps());
    expect(r, r.message).toMatchObject({ ok: true });
    expect(r.message).toMatch(/^retrying flaky: run \S+ resumed: engine pid \d+/);
    expect(await finishedAfter(runId, lastSeq)).toMatchObject({ status: 'succeeded' });
    expect(w.marks('flaky')).toBe(flakyBefore + 1);
    const evs = await events(runId);
    // The phase before it was done: not run again.
    expect(evs.filter((e) => e.type === 'phase-started' && e.phaseId === 'first')).toHaveLength(1);
    // Whoever retried took control.
    expect(evs.filter((e) => e.seq > lastSeq && e.type === 'control-taken')).toEqual([
      expect.objectContaining({ pid: process.pid, user: thisViewer().user }),
    ]);
  });

  it('skip records who skipped and why, runs the dependents, and a later resume does not run it', async () => {
    const { runId, lastSeq } = await failedRun();
    const marks = { flaky: w.marks('flaky'), after: w.marks('after'), final: w.marks('final') };
    const r = await skipFailed(
      { stateDir: w.stateDir, runId },
      'flaky',
      'the apt lock is broken on purpose',
      deps(),
    );
    expect(r, r.message).toMatchObject({ ok: true });
    expect(await finishedAfter(runId, lastSeq)).toMatchObject({ status: 'succeeded' });
    const evs = (await events(runId)).filter((e) => e.seq > lastSeq);
    expect(evs).toContainEqual(
      expect.objectContaining({ type: 'phase-finished', phaseId: 'flaky', status: 'skipped' }),
    );
    const me = thisViewer();
    expect(evs).toContainEqual(
      expect.objectContaining({
        type: 'warning',
        phaseId: 'flaky',
        message: expect.stringContaining(
          `skipped by ${me.user}@${me.host} (pid ${process.pid}): the apt lock is broken on purpose`,
        ),
      }),
    );
    expect(w.marks('flaky')).toBe(marks.flaky); // not run
    expect(w.marks('after')).toBe(marks.after + 1);
    expect(w.marks('final')).toBe(marks.final + 1);

    const again = await w.cli(['deploy', w.profile, '--catalog', CATALOG(), '--resume', runId]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/succeeded; there is nothing to resume/);
    expect(w.marks('flaky')).toBe(marks.flaky);
  });
});

describe('deploy without a terminal', () => {
  it('never prompts: a changed profile on --resume fails at once naming --yes; with --yes it goes on', async () => {
    const { runId } = await failedRun();
    const original = readFileSync(w.profile, 'utf8');
    try {
      writeFileSync(
        w.profile,
        original.replace('  name: engine-test\n', '  name: engine-test\n  description: changed\n'),
      );
      const started = Date.now();
      // stdin from /dev/null, stdout and stderr piped.
      const r = await execa(
        process.execPath,
        [bundle, 'deploy', w.profile, '--resume', runId, '--state-dir', w.stateDir],
        { reject: false, stdin: { file: '/dev/null' }, env: w.env, timeout: 60_000 },
      );
      expect(r.exitCode).toBe(1);
      expect(String(r.stdout)).toMatch(/metadata\.description/);
      expect(String(r.stderr)).toMatch(/Re-run with --yes/);
      expect(Date.now() - started).toBeLessThan(30_000);

      writeFileSync(FIXED(), '');
      const yes = await execa(
        process.execPath,
        [bundle, 'deploy', w.profile, '--resume', runId, '--yes', '--state-dir', w.stateDir],
        { reject: false, stdin: { file: '/dev/null' }, env: w.env, timeout: 90_000 },
      );
      expect(yes.exitCode, String(yes.stderr)).toBe(0);
      expect(String(yes.stdout)).toMatch(/run succeeded/);
    } finally {
      writeFileSync(w.profile, original);
    }
  });
});
