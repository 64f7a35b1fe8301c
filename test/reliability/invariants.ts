// What must hold of a journal however often its engine was killed: checked after every kill and
// at the end of every run by the SIGKILL/resume scenario. Pure: events and marker lines in,
// problems out (an empty list when everything holds).
import type { JournalEvent } from '../../src/journal/events';

export interface MarkSource {
  /** marks/<phase> lines (tokens) of a command phase. */
  command(phaseId: string): string[];
  /** marks/play-<host> lines of the playbook phase. */
  host(name: string): string[];
}

interface Attempt {
  phaseId: string;
  attempt: number;
  startSeq: number;
  finished?: { seq: number; status: string };
  logs: string[];
  hostResults: Array<{ host: string; task: string; status: string }>;
}

/** Groups a journal's phase events by attempt (phase-started .. phase-finished). */
export function attemptsOf(events: readonly JournalEvent[]): Attempt[] {
  const all: Attempt[] = [];
  const current = new Map<string, Attempt>();
  for (const e of events) {
    if (e.type === 'phase-started') {
      const a: Attempt = {
        phaseId: e.phaseId,
        attempt: e.attempt,
        startSeq: e.seq,
        logs: [],
        hostResults: [],
      };
      all.push(a);
      current.set(e.phaseId, a);
    } else if (e.type === 'phase-finished') {
      const a = current.get(e.phaseId);
      if (a && !a.finished) a.finished = { seq: e.seq, status: e.status };
    } else if (e.type === 'log') {
      current.get(e.phaseId)?.logs.push(e.line);
    } else if (e.type === 'ansible-host-result') {
      current.get(e.phaseId)?.hostResults.push({ host: e.host, task: e.task, status: e.status });
    }
  }
  return all;
}

/**
 * Problems of one journal: seq gaps or repeats, a phase started again after it succeeded, an
 * attempt number reused or going down, a succeeded attempt without its output or without the
 * marker its command left (lost events), an output line recorded twice or a marker not in the
 * journal's record (duplicated or invented events).
 */
export function journalProblems(
  events: readonly JournalEvent[],
  marks: MarkSource,
  hosts: readonly string[],
  commandPhases: readonly string[],
  playPhase: string,
): string[] {
  const out: string[] = [];
  events.forEach((e, i) => {
    if (e.seq !== i + 1) out.push(`event ${i + 1} has seq ${e.seq}`);
  });

  const attempts = attemptsOf(events);
  const succeededAt = new Map<string, number>();
  const lastAttempt = new Map<string, number>();
  for (const a of attempts) {
    const done = succeededAt.get(a.phaseId);
    if (done !== undefined && a.startSeq > done) {
      out.push(
        `${a.phaseId} started again (attempt ${a.attempt}, seq ${a.startSeq}) after it succeeded (seq ${done})`,
      );
    }
    const prev = lastAttempt.get(a.phaseId) ?? 0;
    if (a.attempt <= prev) out.push(`${a.phaseId}: attempt ${a.attempt} after attempt ${prev}`);
    lastAttempt.set(a.phaseId, a.attempt);
    if (a.finished?.status === 'succeeded' && done === undefined) {
      succeededAt.set(a.phaseId, a.finished.seq);
    }
  }

  for (const id of commandPhases) {
    const lines = marks.command(id);
    const tokens = new Set(lines);
    if (tokens.size !== lines.length) out.push(`marks/${id} holds a token twice`);
    const seenLogs = new Set<string>();
    for (const a of attempts.filter((x) => x.phaseId === id)) {
      for (const l of a.logs) {
        if (!/^(begin|end) /.test(l)) continue;
        if (seenLogs.has(l)) out.push(`${id}: log line "${l}" recorded twice`);
        seenLogs.add(l);
        const [kind, token] = l.split(' ');
        if (kind === 'end' && !tokens.has(token!)) {
          out.push(`${id}: the journal says "${l}" but marks/${id} has no such line`);
        }
      }
      if (a.finished?.status === 'succeeded') {
        const begin = a.logs.find((l) => l.startsWith('begin '));
        const end = a.logs.find((l) => l.startsWith('end '));
        if (!begin || !end) {
          out.push(`${id} attempt ${a.attempt} succeeded but its output is not all in the journal`);
        } else if (begin.slice(6) !== end.slice(4)) {
          out.push(`${id} attempt ${a.attempt}: begin and end of different commands`);
        }
      }
    }
    const succeeded = attempts.filter(
      (a) => a.phaseId === id && a.finished?.status === 'succeeded',
    ).length;
    if (lines.length < succeeded) {
      out.push(`${id}: ${succeeded} succeeded attempt(s) but ${lines.length} marker line(s)`);
    }
  }

  for (const a of attempts.filter((x) => x.phaseId === playPhase)) {
    const seen = new Set<string>();
    for (const r of a.hostResults) {
      const key = `${r.host}/${r.task}`;
      if (seen.has(key)) out.push(`${playPhase} attempt ${a.attempt}: ${key} recorded twice`);
      seen.add(key);
    }
    if (a.finished?.status === 'succeeded') {
      for (const h of hosts) {
        if (
          !a.hostResults.some((r) => r.host === h && r.task === 'Mark' && r.status === 'changed')
        ) {
          out.push(`${playPhase} attempt ${a.attempt} succeeded without a Mark result for ${h}`);
        }
      }
    }
  }
  for (const h of hosts) {
    const recorded = attempts.filter(
      (a) =>
        a.phaseId === playPhase &&
        a.hostResults.some((r) => r.host === h && r.task === 'Mark' && r.status === 'changed'),
    ).length;
    const lines = marks.host(h).length;
    if (lines < recorded) {
      out.push(`${playPhase}: ${recorded} Mark result(s) for ${h} but ${lines} marker line(s)`);
    }
  }
  return out;
}
