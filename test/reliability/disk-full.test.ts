// The state disk fills up while the engine writes the journal (issue 7). The state directory is
// a small tmpfs mounted for the test (the suite runs as root; where mount is not permitted the
// test fails under CI, never skips). The disk is filled while a real playbook runs on the
// loopback sshd fleet; the engine must stop cleanly, leave a journal valid up to its last
// complete line, release its locks, say that the disk is full and where; once space is freed,
// `deploy --resume` completes the run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { readJournal, journalPath } from '../../src/journal/reader';
import { groupMembers, processAlive } from '../../src/engine/lock';
import { statusJson, until, waitForEvent, type EngineWorld } from '../integration/engineHarness';
import { readRecord, startReliabilityWorld } from './world';

let w: EngineWorld;
let mounted = false;

beforeAll(async () => {
  w = await startReliabilityWorld({ hosts: 2 });
  mkdirSync(w.stateDir, { recursive: true });
  const m = await execa('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', w.stateDir], {
    reject: false,
  });
  if (m.exitCode !== 0) {
    throw new Error(`cannot mount a tmpfs for the state directory (run as root): ${m.stderr}`);
  }
  mounted = true;
});

afterAll(async () => {
  if (mounted) await execa('umount', ['-l', w.stateDir], { reject: false });
  await w?.stop();
});

/** Fills the file system of `dir` until a write fails with ENOSPC; returns the filler's path. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 << 10, 0x61);
  try {
    for (;;) {
      try {
        writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
        break;
      }
    }
    // The last partial blocks too.
    const small = Buffer.alloc(512, 0x61);
    for (;;) {
      try {
        writeSync(fd, small);
      } catch {
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

describe('the state disk full while writing the journal', () => {
  it('stops cleanly with a clear error, and resumes once space is freed', async () => {
    const before = w.runIds();
    const child = w.startDeploy(['--catalog', w.catalog('control.yaml')], { SLOW_SECONDS: '3' });
    const runId = await w.waitForNewRun(before);
    const runDir = w.runDir(runId);
    await waitForEvent(
      runDir,
      (e) => e.type === 'ansible-task-started' && e.phaseId === 'slow' && e.task === 'Sleep',
      'the Sleep task of phase slow',
    );
    const engine = readRecord(runDir).engine!;
    const { pgid } = JSON.parse(readFileSync(join(runDir, 'procs', 'slow.json'), 'utf8')) as {
      pgid: number;
    };
    const filler = fill(w.stateDir);

    // deploy, attached, reports the engine gone and where to read why, with its exit code 8.
    const deploy = await child;
    const out = String(deploy.stdout) + String(deploy.stderr);
    expect(deploy.exitCode, out + String(deploy.stderr)).toBe(8);
    expect(out).toContain(
      `the engine of run ${runId} stopped without finishing (its log: ${join(runDir, 'engine.log')})`,
    );
    expect(out).toContain(`--resume ${runId}`);
    await until(() => !processAlive(engine.pid, engine.procStart), 'the engine to stop', 60_000);

    // engine.log: one clear line naming the journal, its folder and the full disk; no stack.
    const log = readFileSync(join(runDir, 'engine.log'), 'utf8');
    expect(log).toContain(
      `stopped: cannot write the journal ${join(runDir, 'events.jsonl')}: ENOSPC (the disk is full: free space on the file system of ${runDir}, then resume the run)`,
    );
    expect(log).not.toMatch(/^\s+at /m);
    expect(log).not.toContain('internal error');

    // The journal ends with its last complete event (a short write's remains were cut off).
    const j = await readJournal(journalPath(runDir));
    expect(j.torn).toBeNull();
    expect(j.offset).toBe(statSync(journalPath(runDir)).size);
    expect(j.events.map((e) => e.seq)).toEqual(j.events.map((_, i) => i + 1));
    expect(readFileSync(journalPath(runDir), 'utf8').endsWith('\n')).toBe(true);
    // Locks released, the playbook stopped, the run shown as interrupted.
    expect(existsSync(join(w.stateDir, 'engine.lock'))).toBe(false);
    expect(existsSync(join(w.configDir, '.genestack-installer.lock'))).toBe(false);
    await until(() => groupMembers(pgid).length === 0, 'the playbook to be stopped');
    const s1 = statusJson(await w.cli(['status', runId, '--json']));
    expect(s1.state).toBe('interrupted');

    // Space freed: the resume completes the run, without running the finished phase again.
    rmSync(filler);
    const r = await w.cli(['deploy', w.profile, '--resume', runId], { SLOW_SECONDS: '1' });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/already done are not run again: first/);
    const s2 = statusJson(await w.cli(['status', runId, '--json']));
    expect(s2.state).toBe('succeeded');
    expect(w.marks('first')).toBe(1);
    expect(w.marks('last')).toBe(1);
  });
});
