// A host that stops answering in the middle of a phase, then comes back (issue 7). One sshd of
// the loopback fleet (and every session process under it) gets SIGSTOP while a real playbook's
// task runs on it: it still holds its port and its connections, but answers nothing, like a
// hung machine. The catalog's short SSH timeouts (catalogs/hang.yaml) must turn that into the
// host unreachable, the phase failed and the host named in the journal, `status` and `deploy`'s
// output; after SIGCONT (the host is back) `deploy --resume` completes the run.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJournal, journalPath } from '../../src/journal/reader';
import {
  killLeftovers,
  statusJson,
  until,
  waitForEvent,
  type EngineWorld,
} from '../integration/engineHarness';
import { startReliabilityWorld } from './world';

let w: EngineWorld;
let stopped: number[] = [];

beforeAll(async () => {
  w = await startReliabilityWorld({ hosts: 2 });
});

afterEach(() => {
  signal(stopped, 'SIGCONT');
  stopped = [];
  killLeftovers(w);
});

afterAll(async () => {
  await w?.stop();
});

/** pid -> ppid of every process, from /proc. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The sshd of a fleet host (found by its config file) and everything under it. */
function hostProcesses(index: number): number[] {
  const config = join(w.fleet.hosts[index]!.dir, 'sshd_config');
  const tree = parents();
  const roots = [...tree.keys()].filter((pid) => {
    try {
      // sshd rewrites its command line into one string: match the path within it.
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` -f ${config}`);
    } catch {
      return false;
    }
  });
  const all = new Set(roots);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of tree) {
      if (all.has(ppid) && !all.has(pid)) {
        all.add(pid);
        grew = true;
      }
    }
  }
  return [...all];
}

function signal(pids: number[], sig: NodeJS.Signals) {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
}

describe('a host that stops answering mid-phase', () => {
  it('fails the phase naming the host, and the run completes once the host is back', async () => {
    const before = w.runIds();
    const child = w.startDeploy(['--catalog', w.catalog('hang.yaml')], { HANG_SECONDS: '8' });
    const runId = await w.waitForNewRun(before);
    const runDir = w.runDir(runId);
    await waitForEvent(
      runDir,
      (e) => e.type === 'ansible-task-started' && e.phaseId === 'hang' && e.task === 'Wait',
      'the Wait task',
    );
    // The task's `sleep` runs under host02's sshd (the task start is reported before the
    // connection is made, so wait for the process itself).
    const sleeping = () =>
      hostProcesses(1).some((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep\0');
        } catch {
          return false;
        }
      });
    await until(sleeping, "the Wait task's sleep on host02");
    // host02 freezes: its listener and its sessions (the running task among them).
    stopped = hostProcesses(1);
    signal(stopped, 'SIGSTOP');

    const deploy = await child;
    const out = String(deploy.stdout);
    expect(deploy.exitCode, out + String(deploy.stderr)).toBe(6);
    expect(out).toMatch(/FAILED +hang/);
    expect(out).toMatch(/host02: .*(unreachable|timed out|[Tt]imeout|not responding)/i);
    expect(out).toMatch(/run failed at phase hang/);

    const { events } = await readJournal(journalPath(runDir));
    // host01 finished the task; host02 did not answer (ansible reports a connection that dies
    // mid-task as unreachable, or as failed when the reconnection times out).
    const results = events.flatMap((e) =>
      e.type === 'ansible-host-result' && e.task === 'Wait' ? [`${e.host}:${e.status}`] : [],
    );
    expect(results).toContain('host01:ok');
    expect(results.filter((r) => r.startsWith('host02:'))).toHaveLength(1);
    expect(results).not.toContain('host02:ok');
    const st = statusJson(await w.cli(['status', runId, '--json']));
    expect(st.state).toBe('failed');
    expect(st.failedPhase).toBe('hang');
    expect(JSON.stringify(st.phases.find((p) => p.id === 'hang'))).toContain('host02');
    expect(w.marks('after')).toBe(0);

    // The host comes back.
    signal(stopped, 'SIGCONT');
    stopped = [];
    const r = await w.cli(['deploy', w.profile, '--resume', runId], { HANG_SECONDS: '1' });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/start +hang: .*\(attempt 2\)/);
    expect(r.stdout).toMatch(/run succeeded/);
    expect(w.marks('before')).toBe(1);
    expect(w.marks('after')).toBe(1);
  });
});
