// What the engine runs and in what order: phase selection for new runs, resumes, --from and
// --only; the scheduler (needs, parallel groups, failure, abort) with a fake phase executor;
// the phase environment; exit codes; profile and plan differences on resume.
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../src/plan/builtinCatalog';
import { buildPlan, type Plan, type PlanPhase } from '../../src/plan/plan';
import { phaseEnvironment, isAnsiblePhase } from '../../src/engine/env';
import { checkPhaseNames, doneFromJournal, runPlan, selectPhases } from '../../src/engine/runner';
import type { EngineContext, PhaseResult } from '../../src/engine/phase';
import { exitCodeFor, outcomeState, resumeCommand } from '../../src/engine/outcome';
import { changedPaths, planChanges } from '../../src/engine/profileDiff';
import type { JournalEventInput, PhaseFinalStatus } from '../../src/journal/events';
import { replay } from '../../src/state/runState';
import type { JournalEvent } from '../../src/journal/events';
import { EXIT } from '../../src/exitCodes';
import { loadSample } from '../helpers/samples';

function phase(id: string, needs: string[] = [], extra: Partial<PlanPhase> = {}): PlanPhase {
  return {
    id,
    title: id,
    group: 'host-preparation',
    kind: 'command',
    argv: ['true'],
    cwd: '/',
    env: {},
    envFromProfile: [],
    needs,
    droppedNeeds: [],
    doneChecks: [],
    skipIfDone: false,
    expectedSeconds: 1,
    softTimeoutSeconds: 10,
    hardTimeoutSeconds: 20,
    retry: { attempts: 1, delaySeconds: 0 },
    ...extra,
  };
}

function plan(phases: PlanPhase[], groups: Plan['parallelGroups'] = {}): Plan {
  return {
    apiVersion: 'genestack-installer/v1',
    kind: 'Plan',
    profile: 't',
    catalog: { source: 'test', name: 'test' },
    pathPrepend: ['/venv/bin'],
    unsetEnvironment: ['ANSIBLE_HOST_KEY_CHECKING'],
    parallelGroups: groups,
    phases,
  };
}

const P = plan([
  phase('a'),
  phase('b', ['a']),
  phase('skipped', ['a'], { skipped: { reason: 'no', condition: 'false' } }),
  phase('c', ['b']),
  phase('d', ['c']),
]);

describe('selecting phases', () => {
  it('a new run runs every phase the profile does not skip', () => {
    const s = selectPhases(P, () => false);
    expect(s.toRun).toEqual(['a', 'b', 'c', 'd']);
    expect(s.forced.size).toBe(0);
  });

  it('a resume runs what is not done; --from and --only name phases to run again', () => {
    const done = new Set(['a', 'b']);
    expect(selectPhases(P, (id) => done.has(id))).toMatchObject({
      toRun: ['c', 'd'],
      done: ['a', 'b'],
      notSelected: [],
    });
    const from = selectPhases(P, (id) => done.has(id), { from: 'b' });
    expect(from.toRun).toEqual(['b', 'c', 'd']);
    expect([...from.forced]).toEqual(['b', 'c', 'd']);
    const only = selectPhases(P, () => false, { only: ['d', 'b'] });
    expect(only.toRun).toEqual(['b', 'd']);
    expect(only.notSelected).toEqual(['a', 'c']);
  });

  it('counts succeeded and checks-passed skips as done, not phases the profile skipped before', () => {
    const status: Record<string, 'succeeded' | 'skipped' | 'failed'> = {
      a: 'succeeded',
      b: 'skipped',
      c: 'skipped',
      d: 'failed',
    };
    const isDone = doneFromJournal((id) => status[id], new Set(['c']));
    expect(['a', 'b', 'c', 'd'].map(isDone)).toEqual([true, true, false, false]);
  });

  it('refuses unknown or skipped phase names, and --from with --only', () => {
    expect(() => checkPhaseNames(P, { from: 'cc' })).toThrow(/no phase "cc".*did you mean "c"/);
    expect(() => checkPhaseNames(P, { only: ['skipped'] })).toThrow(
      /does not run for this profile: no/,
    );
    expect(() => checkPhaseNames(P, { from: 'a', only: ['b'] })).toThrow(/cannot be used together/);
    expect(() => checkPhaseNames(P, { only: ['a', 'd'] })).not.toThrow();
  });
});

/** A scheduler run with phases that finish when the test says so. */
function harness(p: Plan, results: Record<string, PhaseFinalStatus> = {}) {
  const events: JournalEventInput[] = [];
  const log: string[] = [];
  const running = new Set<string>();
  let maxTogether = 0;
  const abort = new AbortController();
  const ctx = {
    plan: p,
    emit: (e: JournalEventInput) => events.push(e),
    signal: abort.signal,
  } as unknown as EngineContext;
  const execute = async (_c: EngineContext, ph: PlanPhase): Promise<PhaseResult> => {
    running.add(ph.id);
    maxTogether = Math.max(maxTogether, running.size);
    log.push(`start ${ph.id} with ${[...running].sort().join(',')}`);
    await new Promise((r) => setTimeout(r, 5));
    running.delete(ph.id);
    log.push(`end ${ph.id}`);
    return { id: ph.id, status: results[ph.id] ?? 'succeeded' };
  };
  return { ctx, events, log, abort, execute, max: () => maxTogether };
}

describe('scheduling', () => {
  const G = plan(
    [
      phase('base'),
      phase('g1', ['base'], { parallelGroup: 'svc' }),
      phase('g2', ['base'], { parallelGroup: 'svc' }),
      phase('g3', ['base'], { parallelGroup: 'svc' }),
      phase('solo', ['base']),
      phase('after', ['g1', 'g2', 'g3', 'solo']),
    ],
    { svc: { description: 'services', maxConcurrent: 2 } },
  );

  it('runs a parallel group side by side up to its cap, and other phases alone, after their needs', async () => {
    const h = harness(G);
    const r = await runPlan(h.ctx, {
      selection: selectPhases(G, () => false),
      maxParallel: 4,
      execute: h.execute,
    });
    expect(r.status).toBe('succeeded');
    expect(h.max()).toBe(2);
    expect(h.log[0]).toBe('start base with base');
    expect(h.log).toContain('start g2 with g1,g2');
    expect(h.log).toContain('start solo with solo');
    expect(h.log.at(-2)).toBe('start after with after');
  });

  it('starts nothing new after a failure, and reports the first failed phase', async () => {
    const h = harness(G, { g1: 'failed' });
    const r = await runPlan(h.ctx, {
      selection: selectPhases(G, () => false),
      maxParallel: 4,
      execute: h.execute,
    });
    expect(r.status).toBe('failed');
    expect(r.failed).toEqual({ id: 'g1', status: 'failed' });
    // g2 ran alongside g1 and finished; nothing started after the failure.
    expect(h.log.filter((l) => l.startsWith('start')).map((l) => l.split(' ')[1])).toEqual([
      'base',
      'g1',
      'g2',
    ]);
  });

  it('a need outside --only counts as met', async () => {
    const h = harness(G);
    const r = await runPlan(h.ctx, {
      selection: selectPhases(G, () => false, { only: ['after'] }),
      maxParallel: 4,
      execute: h.execute,
    });
    expect(r.status).toBe('succeeded');
    expect(h.log).toEqual(['start after with after', 'end after']);
  });

  it('stops starting phases when aborted', async () => {
    const h = harness(G);
    const exec = h.execute;
    const r = await runPlan(h.ctx, {
      selection: selectPhases(G, () => false),
      maxParallel: 4,
      execute: async (c, ph) => {
        const res = await exec(c, ph);
        if (ph.id === 'base') h.abort.abort();
        return res;
      },
    });
    expect(r.status).toBe('aborted');
    expect(h.log).toEqual(['start base with base', 'end base']);
  });
});

describe('phase environment', () => {
  it('removes unset variables, adds the phase env and puts pathPrepend first', () => {
    const env = phaseEnvironment(
      { PATH: '/usr/bin', HOME: '/root', ANSIBLE_HOST_KEY_CHECKING: 'False' },
      P,
      { env: { GENESTACK_CONFIG: '/etc/genestack', ANSIBLE_HOST_KEY_CHECKING: 'False' } },
      { GENESTACK_EVENTS_FILE: '/run/x.jsonl' },
    );
    expect(env).toEqual({
      PATH: '/venv/bin:/usr/bin',
      HOME: '/root',
      GENESTACK_CONFIG: '/etc/genestack',
      GENESTACK_EVENTS_FILE: '/run/x.jsonl',
    });
    expect(isAnsiblePhase({ kind: 'command', argv: ['/venv/bin/ansible-playbook', 'x.yml'] })).toBe(
      true,
    );
    expect(isAnsiblePhase({ kind: 'ansible-playbook', argv: [] })).toBe(true);
    expect(isAnsiblePhase({ kind: 'command', argv: ['ansible', 'all'] })).toBe(false);
  });
});

describe('exit codes and resume hints', () => {
  const ev = (e: Record<string, unknown>, seq: number) =>
    ({ seq, ts: `2026-11-26T22:00:0${seq}.000Z`, ...e }) as unknown as JournalEvent;
  const started = ev(
    {
      type: 'run-started',
      runId: 'r',
      profileName: 'p',
      profileHash: 'h',
      plan: { phases: [{ id: 'a', title: 'a', group: 'g', needs: [], kind: 'command' }] },
      user: 'u',
      host: 'h',
      pid: 1,
    },
    1,
  );
  const fin = (status: string) => [
    started,
    ev({ type: 'phase-started', phaseId: 'a', attempt: 1, argv: ['x'], cwd: '/' }, 2),
    ev({ type: 'phase-finished', phaseId: 'a', status, durationMs: 1 }, 3),
  ];
  it('maps the run result to the exit code', () => {
    const done = (s: string, run: string) =>
      replay([...fin(s), ev({ type: 'run-finished', status: run }, 4)]);
    expect(exitCodeFor(done('succeeded', 'succeeded'))).toBe(EXIT.ok);
    expect(exitCodeFor(done('failed', 'failed'))).toBe(EXIT.phaseFailed);
    expect(exitCodeFor(done('timed-out', 'failed'))).toBe(EXIT.phaseTimedOut);
    expect(exitCodeFor(done('aborted', 'aborted'))).toBe(EXIT.aborted);
    const crashed = replay([started]);
    expect(outcomeState(crashed, true)).toBe('running');
    expect(outcomeState(crashed, false)).toBe('interrupted');
    expect(exitCodeFor(crashed, false)).toBe(EXIT.aborted);
    expect(resumeCommand('/p/my profile.yaml', 'r1', '/s')).toBe(
      "genestack-installer deploy '/p/my profile.yaml' --resume r1 --state-dir /s",
    );
  });
});

describe('a changed profile', () => {
  it('lists changed fields by path, and the phases whose resolved form changes', () => {
    const a = loadSample('hyperconverged-lab');
    const b = structuredClone(a);
    b.network.metallb.gatewayVip = '192.168.100.251';
    b.hosts[2]!.address = '192.168.100.13';
    expect(changedPaths(a, b)).toEqual(['hosts[2].address', 'network.metallb.gatewayVip']);
    expect(changedPaths({ l: [1, 2] }, { l: [1, 2, 3] })).toEqual(['l[2]']);
    expect(changedPaths({ x: 1 }, { y: 1 })).toEqual(['x', 'y']);

    const c = structuredClone(a);
    c.network.gateway.domain = 'other.example.com';
    const pa = buildPlan(a, builtinCatalog(), { home: '/root', localUser: 'root' });
    const pc = buildPlan(c, builtinCatalog(), { home: '/root', localUser: 'root' });
    const changes = planChanges(pa, pc);
    const byId = new Map(changes.map((x) => [x.id, x.what]));
    expect(byId.get('bootstrap')).toContain('env GATEWAY_DOMAIN');
    expect(byId.get('write-config')).toContain('builtin reads the profile');
    expect(planChanges(pa, pa, false)).toEqual([]);
  });
});
