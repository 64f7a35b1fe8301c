// The dashboard's pure view model: stage grouping, the honest estimate, the heartbeat.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { replay } from '../../src/state/runState';
import type { JournalEvent, PlanPhase } from '../../src/journal/events';
import { heartbeats, phaseListRows, progressLine } from '../../screens/dashboard/model';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/journals');
const events = (name: string): JournalEvent[] =>
  readFileSync(path.join(FIXTURES, `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JournalEvent);

function started(phases: PlanPhase[]): JournalEvent {
  return {
    seq: 1,
    ts: '2025-01-15T10:00:00.000Z',
    type: 'run-started',
    runId: 'r',
    profileName: 'lab',
    profileHash: 'h',
    plan: { phases },
    user: 'u',
    host: 'h',
    pid: 1,
  };
}
const p = (id: string, needs: string[], expectedSeconds?: number): PlanPhase => ({
  id,
  title: id,
  group: 'openstack',
  needs,
  kind: 'command',
  ...(expectedSeconds !== undefined ? { expectedSeconds } : {}),
});
const NOW = Date.parse('2025-01-15T10:00:00.000Z');

describe('dashboard model', () => {
  it('groups phases by stage with done/total per stage', () => {
    const rows = phaseListRows(replay(events('failed-host')), {}, NOW);
    expect(
      rows
        .filter((r) => r.type === 'group')
        .map((r) => r.type === 'group' && `${r.title} ${r.done}/${r.total}`),
    ).toEqual(['bastion 1/1', 'Kubernetes 1/2', 'OpenStack 0/1']);
  });

  it('a chain of phases: a plain estimate; unknown phases are counted, never guessed', () => {
    const s = replay([started([p('a', [], 60), p('b', ['a'], 120), p('c', ['b'])])]);
    expect(progressLine(s, {}, NOW).estimate).toBe('about 3m00s left (1 phase has no estimate)');
  });

  it('phases that can run side by side make the estimate an upper bound, and it says so', () => {
    const s = replay([started([p('a', [], 60), p('b', [], 60), p('c', ['a', 'b'], 60)])]);
    expect(progressLine(s, {}, NOW).estimate).toBe(
      'about 3m00s left (an upper bound: some phases run in parallel)',
    );
  });

  it('learned durations win over the catalog', () => {
    const s = replay([started([p('a', [], 60)])]);
    expect(progressLine(s, { a: 600_000 }, NOW).estimate).toBe('about 10m00s left');
  });

  it('the heartbeat turns quiet after a minute and silent after five', () => {
    const s = replay(events('running-slow'));
    const at = Date.parse(s.phases[1]!.lastOutputAt!);
    expect(heartbeats(s, at + 30_000)[0]!.level).toBe('ok');
    expect(heartbeats(s, at + 90_000)[0]!.level).toBe('quiet');
    expect(heartbeats(s, at + 400_000)[0]!.level).toBe('silent');
  });
});
