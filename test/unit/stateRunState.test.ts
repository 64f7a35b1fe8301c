import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readJournal } from '../../src/journal/reader';
import type { JournalEvent, JournalEventInput } from '../../src/journal/events';
import {
  LOG_TAIL_LINES,
  MAX_WARNINGS,
  RunStateBuilder,
  firstFailedPhase,
  initialRunState,
  phaseById,
  reduce,
  reduceAll,
  replay,
  runningPhases,
  type RunState,
} from '../../src/state/runState';

const FIXTURES = join(import.meta.dirname, '../fixtures/journals');

async function fixture(name: string): Promise<JournalEvent[]> {
  const { events, torn } = await readJournal(join(FIXTURES, `${name}.jsonl`));
  expect(torn).toBeNull();
  return events;
}

function host(state: RunState, phaseId: string, name: string) {
  const h = phaseById(state, phaseId)?.ansible?.hosts[name];
  if (h === undefined) throw new Error(`no host ${name} in ${phaseId}`);
  return h;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Stamps inputs as the writer would: seq from 1, one second apart. */
function stamp(inputs: JournalEventInput[], firstSeq = 1): JournalEvent[] {
  const t0 = Date.parse('2025-01-15T10:00:00.000Z');
  return inputs.map(
    (e, i) =>
      ({
        seq: firstSeq + i,
        ts: new Date(t0 + (firstSeq + i) * 1000).toISOString(),
        ...e,
      }) as JournalEvent,
  );
}

const PLAN: JournalEventInput = {
  type: 'run-started',
  runId: 'r1',
  profileName: 'lab',
  profileHash: 'sha256:00',
  plan: {
    phases: [
      { id: 'a', title: 'A', group: 'g', needs: [], kind: 'command' },
      { id: 'b', title: 'B', group: 'g', needs: ['a'], kind: 'ansible' },
    ],
  },
  user: 'u',
  host: 'h',
  pid: 1,
};

describe('reducer on recorded journals', () => {
  it('a successful run', async () => {
    const s = replay(await fixture('success'));
    expect(s.status).toBe('succeeded');
    expect(s.run).toMatchObject({
      runId: '20250115-100000-lab',
      profileName: 'lab',
      engine: { pid: 4242 },
    });
    expect(s.phases.map((p) => [p.id, p.status, p.attempt, p.exitCode])).toEqual([
      ['preflight', 'succeeded', 1, 0],
      ['kubespray', 'succeeded', 1, 0],
      ['kube-ovn', 'succeeded', 1, 0],
      ['secrets', 'succeeded', 1, 0],
    ]);
    expect(phaseById(s, 'preflight')).toMatchObject({ durationMs: 1200, logLines: 2 });
    expect(phaseById(s, 'preflight')!.logTail.map((l) => l.line)).toEqual([
      'checking ansible-core 2.17.5: ok',
      'checking /etc/genestack/inventory/inventory.yaml: ok',
    ]);
    // Counted like Ansible's recap: a changed result is also ok.
    expect(host(s, 'kubespray', 'controller1')).toMatchObject({
      ok: 4,
      changed: 2,
      failed: 0,
      skipped: 0,
      firstError: null,
    });
    expect(host(s, 'kubespray', 'compute1')).toMatchObject({
      ok: 3,
      changed: 2,
      skipped: 1,
      unreachable: 0,
    });
    const a = phaseById(s, 'kubespray')!.ansible!;
    expect(a).toMatchObject({
      playbook: 'cluster.yml',
      play: 'Install Kubernetes',
      tasksStarted: 4,
      task: null,
    });
    expect(a.recap?.controller1).toMatchObject({ ok: 4, changed: 2, failures: 0 });
    expect(phaseById(s, 'kube-ovn')!.checks['kube-ovn-pods-ready']).toMatchObject({
      status: 'passing',
      detail: '6/6 pods ready',
    });
    expect(s.viewers).toEqual([expect.objectContaining({ user: 'support', mode: 'read-only' })]);
    expect(s.controller).toBeNull();
    expect(s.startedAt).toBe('2025-01-15T10:00:00.000Z');
    expect(s.durationMs).toBe(Date.parse(s.finishedAt!) - Date.parse(s.startedAt!));
    expect(s.lastSeq).toBe(43);
    expect(s.eventCount).toBe(43);
    expect(firstFailedPhase(s)).toBeUndefined();
  });

  it('a failed phase with one host failing', async () => {
    const s = replay(await fixture('failed-host'));
    expect(s.status).toBe('failed');
    const k = phaseById(s, 'kubespray')!;
    expect(k).toMatchObject({ status: 'failed', exitCode: 2, durationMs: 300_000 });
    expect(firstFailedPhase(s)?.id).toBe('kubespray');
    const c = host(s, 'kubespray', 'compute1');
    expect(c).toMatchObject({ failed: 1, active: false, currentTask: null });
    expect(c.firstError).toMatchObject({
      task: 'container-engine/containerd : Download containerd',
      status: 'failed',
      msg: expect.stringContaining('Temporary failure in name resolution'),
      stderr: 'curl: (6) Could not resolve host: github.com',
    });
    const ctl = host(s, 'kubespray', 'controller1');
    expect(ctl).toMatchObject({ failed: 0, active: true, firstError: null });
    // The host that dropped out does not follow the play to the next task.
    expect(ctl.currentTask).toBe(
      'kubernetes/node : Install | Copy kubelet binary from download dir',
    );
    expect(phaseById(s, 'kube-ovn')!.status).toBe('pending');
    expect(phaseById(s, 'secrets')!.status).toBe('pending');
    expect(k.logTail.at(-1)?.line).toContain('failed=1');
  });

  it('an unreachable host', async () => {
    const s = replay(await fixture('unreachable'));
    const c = host(s, 'kubespray', 'compute1');
    expect(c).toMatchObject({ unreachable: 1, ok: 0, active: false });
    expect(c.firstError).toMatchObject({
      status: 'unreachable',
      task: 'Gathering Facts',
      stderr: null,
    });
    expect(c.firstError!.msg).toContain('No route to host');
    expect(host(s, 'kubespray', 'controller1')).toMatchObject({ ok: 2, changed: 1 });
    expect(phaseById(s, 'kubespray')).toMatchObject({ status: 'failed', exitCode: 4 });
    expect(s.status).toBe('failed');
  });

  it('a soft timeout warning', async () => {
    const s = replay(await fixture('soft-timeout'));
    expect(s.status).toBe('succeeded');
    expect(s.warningCount).toBe(1);
    expect(s.warnings[0]).toMatchObject({
      phaseId: 'kubespray',
      message: expect.stringContaining('soft timeout'),
    });
    expect(phaseById(s, 'kubespray')!.warningCount).toBe(1);
    expect(phaseById(s, 'preflight')!.warningCount).toBe(0);
  });

  it('an aborted run', async () => {
    const s = replay(await fixture('aborted'));
    expect(s.status).toBe('aborted');
    expect(s.controller).toMatchObject({ user: 'bob', host: 'bastion', pid: 9100 });
    expect(s.viewers.map((v) => [v.user, v.mode])).toEqual([['alice', 'control']]);
    expect(phaseById(s, 'kubespray')).toMatchObject({ status: 'aborted', exitCode: 130 });
    expect(s.warnings.map((w) => w.phaseId)).toEqual([null]);
    expect(firstFailedPhase(s)?.id).toBe('kubespray');
  });

  it('an interrupted run, then resumed', async () => {
    const events = await fixture('interrupted-resumed');
    const cut = events.findIndex((e) => e.type === 'run-interrupted');
    const atInterrupt = replay(events.slice(0, cut + 1));
    expect(atInterrupt.status).toBe('interrupted');
    expect(atInterrupt.interruptions).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('SIGKILL') }),
    ]);
    // The phase that was running when the engine died is not left "running".
    expect(phaseById(atInterrupt, 'kubespray')).toMatchObject({ status: 'aborted', attempt: 1 });
    expect(runningPhases(atInterrupt)).toEqual([]);

    const s = replay(events);
    expect(s.status).toBe('succeeded');
    expect(s.resumes).toBe(1);
    expect(s.run?.engine.pid).toBe(5151);
    expect(s.startedAt).toBe(atInterrupt.startedAt);
    expect(phaseById(s, 'preflight')).toMatchObject({ status: 'succeeded', attempt: 1 });
    const k = phaseById(s, 'kubespray')!;
    expect(k).toMatchObject({ status: 'succeeded', attempt: 2 });
    // Progress belongs to the current attempt; the log keeps both.
    expect(k.ansible?.tasksStarted).toBe(3);
    expect(k.logTail.filter((l) => l.line.startsWith('TASK [kubernetes/preinstall')).length).toBe(
      2,
    );
    expect(s.phases.map((p) => p.id)).toEqual(['preflight', 'kubespray', 'kube-ovn', 'secrets']);
  });
});

describe('reducer properties', () => {
  it('never changes its input and shares what an event did not touch', async () => {
    const events = await fixture('success');
    let s = deepFreeze(initialRunState());
    const states: RunState[] = [];
    for (const e of events) {
      const next = reduce(s, e);
      states.push(next);
      s = deepFreeze(next);
    }
    expect(s).toEqual(reduceAll(initialRunState(), events));
    const i = events.findIndex((e) => e.type === 'log' && e.phaseId === 'kubespray');
    const [before, after] = [states[i - 1]!, states[i]!];
    expect(after).not.toBe(before);
    expect(phaseById(after, 'preflight')).toBe(phaseById(before, 'preflight'));
    expect(phaseById(after, 'kubespray')).not.toBe(phaseById(before, 'kubespray'));
    expect(after.viewers).toBe(before.viewers);
  });

  it('a builder keeps every state it handed out unchanged', () => {
    const b = new RunStateBuilder();
    const evs = stamp([
      PLAN,
      { type: 'phase-started', phaseId: 'a', attempt: 1, argv: [], cwd: '/' },
    ]);
    b.applyAll(evs);
    const first = deepFreeze(b.state);
    b.applyAll(stamp([{ type: 'log', phaseId: 'a', stream: 'stdout', line: 'x' }], 3));
    const second = b.state;
    expect(phaseById(first, 'a')!.logLines).toBe(0);
    expect(phaseById(second, 'a')!.logLines).toBe(1);
  });

  it('ignores an event it has already applied', () => {
    const evs = stamp([PLAN, { type: 'warning', message: 'w' }]);
    const s = replay(evs);
    expect(reduce(s, evs[1]!)).toBe(s);
  });

  it('keeps the log tail, warnings and viewers bounded', () => {
    const inputs: JournalEventInput[] = [
      PLAN,
      { type: 'phase-started', phaseId: 'a', attempt: 1, argv: [], cwd: '/' },
    ];
    for (let i = 0; i < 5000; i++)
      inputs.push({
        type: 'log',
        phaseId: 'a',
        stream: i % 2 ? 'stderr' : 'stdout',
        line: `line ${i}`,
      });
    for (let i = 0; i < 1000; i++) inputs.push({ type: 'warning', message: `w${i}` });
    for (let i = 0; i < 1000; i++)
      inputs.push({ type: 'viewer-attached', user: 'u', host: 'h', pid: i, mode: 'read-only' });
    const s = replay(stamp(inputs));
    const a = phaseById(s, 'a')!;
    expect(a.logTail).toHaveLength(LOG_TAIL_LINES);
    expect(a.logTail.at(-1)).toMatchObject({ line: 'line 4999', stream: 'stderr' });
    expect(a.logTail[0]!.line).toBe(`line ${5000 - LOG_TAIL_LINES}`);
    expect(a.logLines).toBe(5000);
    expect(s.warnings).toHaveLength(MAX_WARNINGS);
    expect(s.warningCount).toBe(1000);
    expect(s.warnings.at(-1)!.message).toBe('w999');
    expect(s.viewers.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(s).length).toBeLessThan(100_000);
  });

  it('adds a phase the plan does not list, after the planned ones', () => {
    const s = replay(
      stamp([PLAN, { type: 'log', phaseId: 'extra', stream: 'stdout', line: 'hi' }]),
    );
    expect(s.phases.map((p) => [p.id, p.planned])).toEqual([
      ['a', true],
      ['b', true],
      ['extra', false],
    ]);
    expect(phaseById(s, 'extra')!.logTail[0]!.line).toBe('hi');
  });

  it('round-trips through JSON unchanged (snapshots)', async () => {
    for (const name of ['success', 'failed-host', 'interrupted-resumed']) {
      const s = replay(await fixture(name));
      expect(JSON.parse(JSON.stringify(s))).toStrictEqual(s);
    }
  });

  it('treats host and check names as data, never as object keys with meaning', () => {
    const s = replay(
      stamp([
        PLAN,
        {
          type: 'ansible-host-result',
          phaseId: 'b',
          host: '__proto__',
          task: 't',
          status: 'failed',
          msg: 'boom',
        },
        { type: 'ansible-host-result', phaseId: 'b', host: 'constructor', task: 't', status: 'ok' },
        { type: 'check-status', phaseId: 'b', check: '__proto__', status: 'passing' },
      ]),
    );
    const hosts = phaseById(s, 'b')!.ansible!.hosts;
    expect(Object.keys(hosts)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(hosts, '__proto__')?.value).toMatchObject({ failed: 1 });
    expect(({} as Record<string, unknown>).failed).toBeUndefined();
    const json = JSON.stringify(s);
    expect(json).toContain('"__proto__":{');
    expect(JSON.stringify(JSON.parse(json))).toBe(json);
  });

  it('counts ignored failures as Ansible does and does not make them the first error', () => {
    const s = replay(
      stamp([
        PLAN,
        {
          type: 'ansible-host-result',
          phaseId: 'b',
          host: 'n1',
          task: 't1',
          status: 'failed',
          msg: 'meh',
          ignored: true,
        },
        { type: 'ansible-task-started', phaseId: 'b', play: 'p', task: 't2' },
      ]),
    );
    expect(phaseById(s, 'b')!.ansible!.hosts.n1).toMatchObject({
      ok: 1,
      ignored: 1,
      failed: 0,
      firstError: null,
      active: true,
      currentTask: 't2',
    });
  });

  it('starts a new attempt with fresh progress and checks', () => {
    const s = replay(
      stamp([
        PLAN,
        { type: 'phase-started', phaseId: 'b', attempt: 1, argv: ['x'], cwd: '/' },
        { type: 'check-status', phaseId: 'b', check: 'c', status: 'failing' },
        {
          type: 'ansible-host-result',
          phaseId: 'b',
          host: 'n1',
          task: 't',
          status: 'failed',
          msg: 'm',
        },
        { type: 'phase-finished', phaseId: 'b', status: 'failed', exitCode: 2, durationMs: 5 },
        { type: 'phase-started', phaseId: 'b', attempt: 2, argv: ['x'], cwd: '/' },
      ]),
    );
    expect(phaseById(s, 'b')).toMatchObject({
      status: 'running',
      attempt: 2,
      exitCode: null,
      finishedAt: null,
      durationMs: null,
      checks: {},
      ansible: null,
    });
  });
});
