import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EVENT_TYPES,
  eventInputProblem,
  eventProblem,
  isJournalEvent,
} from '../../src/journal/events';
import {
  ansibleLineToJournal,
  parseAnsibleEventLine,
  toJournalEvent,
} from '../../src/journal/ansibleEvents';

const FIXTURES = join(import.meta.dirname, '../fixtures/journals');

describe('event validation', () => {
  it('accepts every event of the recorded journals, which cover every type', () => {
    const seen = new Set<string>();
    for (const f of readdirSync(FIXTURES).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of readFileSync(join(FIXTURES, f), 'utf8').trim().split('\n')) {
        const v: unknown = JSON.parse(line);
        expect(eventProblem(v), `${f}: ${line}`).toBeNull();
        seen.add((v as { type: string }).type);
      }
    }
    expect([...seen].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it('says what is wrong', () => {
    const base = { seq: 1, ts: '2025-01-01T00:00:00.000Z' };
    expect(eventProblem(null)).toBe('not a JSON object');
    expect(eventProblem({ ...base, seq: 0, type: 'warning', message: 'x' })).toMatch(/seq/);
    expect(eventProblem({ ...base, seq: 1.5, type: 'warning', message: 'x' })).toMatch(/seq/);
    expect(eventProblem({ seq: 1, type: 'warning', message: 'x' })).toMatch(/ts/);
    expect(eventProblem({ ...base, type: 'nope' })).toBe('unknown event type "nope"');
    expect(eventProblem({ ...base, type: 'log', phaseId: 'p', stream: 'stdin', line: 'x' })).toBe(
      'log: invalid field "stream"',
    );
    expect(
      eventProblem({ ...base, type: 'phase-finished', phaseId: 'p', status: 'succeeded' }),
    ).toBe('phase-finished: missing field "durationMs"');
    expect(
      eventProblem({ ...base, type: 'ansible-stats', phaseId: 'p', hosts: { a: { ok: 1 } } }),
    ).toBe('ansible-stats: invalid field "hosts"');
    expect(
      eventProblem({
        ...base,
        type: 'run-started',
        runId: 'r',
        profileName: 'p',
        profileHash: 'h',
        plan: { phases: [{ id: 'a', title: 'A', group: 'g', needs: [1], kind: 'k' }] },
        user: 'u',
        host: 'h',
        pid: 1,
      }),
    ).toBe('run-started: invalid field "plan"');
  });

  it('accepts optional fields when absent and unknown extra fields (a newer writer)', () => {
    const e = { seq: 3, ts: 'x', type: 'warning', message: 'm', addedLater: { a: 1 } };
    expect(isJournalEvent(e)).toBe(true);
    expect(eventProblem({ seq: 3, ts: 'x', type: 'warning', phaseId: 7, message: 'm' })).toBe(
      'warning: invalid field "phaseId"',
    );
    expect(eventInputProblem({ type: 'run-finished', status: 'succeeded' })).toBeNull();
    expect(eventInputProblem({ type: 'run-finished', status: 'done' })).toBe(
      'run-finished: invalid field "status"',
    );
  });
});

describe('callback plugin lines -> journal events', () => {
  const P = 'kubespray';

  it('maps playbook, play and task starts', () => {
    expect(
      ansibleLineToJournal(
        '{"v":1,"event":"playbook_start","playbook":"cluster.yml","time":1.5}',
        P,
      ),
    ).toEqual({
      type: 'ansible-playbook-started',
      phaseId: P,
      playbook: 'cluster.yml',
    });
    expect(
      ansibleLineToJournal('{"v":1,"event":"play_start","name":"Install","hosts":["a","b"]}', P),
    ).toEqual({
      type: 'ansible-play-started',
      phaseId: P,
      name: 'Install',
      hosts: ['a', 'b'],
    });
    expect(
      ansibleLineToJournal(
        '{"v":1,"event":"task_start","play":"Install","task":"Gathering Facts","action":"gather_facts","task_index":1}',
        P,
      ),
    ).toEqual({
      type: 'ansible-task-started',
      phaseId: P,
      play: 'Install',
      task: 'Gathering Facts',
      taskIndex: 1,
    });
  });

  it('maps host results with their failure details', () => {
    expect(
      ansibleLineToJournal(
        '{"v":1,"event":"host_result","host":"n1","task":"t","status":"failed","msg":"boom","stderr":"trace","rc":2,"ignored":true}',
        P,
      ),
    ).toEqual({
      type: 'ansible-host-result',
      phaseId: P,
      host: 'n1',
      task: 't',
      status: 'failed',
      msg: 'boom',
      stderr: 'trace',
      ignored: true,
    });
    expect(
      ansibleLineToJournal(
        '{"event":"host_result","host":"n1","task":"t","status":"failed","ignored":true,"changed":true}',
        P,
      ),
    ).toMatchObject({ status: 'failed', ignored: true, changed: true });
    expect(
      ansibleLineToJournal('{"event":"host_result","host":"n1","task":"t","status":"changed"}', P),
    ).toEqual({
      type: 'ansible-host-result',
      phaseId: P,
      host: 'n1',
      task: 't',
      status: 'changed',
    });
  });

  it('maps the final stats and warnings', () => {
    const line = JSON.stringify({
      v: 1,
      event: 'stats',
      hosts: {
        n1: { ok: 3, changed: 1, failures: 0, skipped: 1, unreachable: 0, rescued: 0, ignored: 1 },
      },
    });
    expect(ansibleLineToJournal(line, P)).toEqual({
      type: 'ansible-stats',
      phaseId: P,
      hosts: {
        n1: { ok: 3, changed: 1, failures: 0, skipped: 1, unreachable: 0, rescued: 0, ignored: 1 },
      },
    });
    expect(ansibleLineToJournal('{"event":"warning","message":"no hosts matched"}', P)).toEqual({
      type: 'warning',
      phaseId: P,
      message: 'no hosts matched',
    });
  });

  it('ignores blank, malformed and unknown lines rather than failing', () => {
    for (const line of [
      '',
      '   ',
      'not json',
      '[]',
      '{"event":"future_thing","x":1}',
      '{"event":"host_result","host":"n1","task":"t","status":"weird"}',
      '{"event":"play_start"}',
      '{"event":"stats","hosts":[]}',
    ]) {
      expect(parseAnsibleEventLine(line), line).toBeNull();
    }
  });

  it('produces events the writer accepts', () => {
    const ev = parseAnsibleEventLine('{"event":"task_start","task":"x"}');
    expect(ev).not.toBeNull();
    expect(eventInputProblem(toJournalEvent(ev!, P))).toBeNull();
  });
});
