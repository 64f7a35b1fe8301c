// Stopping a run gracefully, for `genestack-installer abort` and the dashboard: SIGTERM to the
// engine (it stops its phases: SIGTERM, then SIGKILL after the grace period, and records the run
// aborted), then waiting for run-finished or for the engine to be gone.
import { UserError } from '../commands/io';
import { EXIT } from '../exitCodes';
import type { RunState } from '../state/runState';
import { engineAlive } from './alive';
import { followRun, journalPosition } from './follow';
import { readLock } from './lock';
import { outcomeState, type RunOutcomeState } from './outcome';
import { readRunRecord, type RunRecord } from './runRecord';
import { runDirOf, stateLockPath } from './stateDir';

export type AbortOutcome =
  | { kind: 'not-running'; outcome: RunOutcomeState }
  | { kind: 'no-engine' }
  | { kind: 'signal-failed'; pid: number; message: string }
  | { kind: 'still-stopping'; pid: number; timeoutS: number }
  | {
      kind: 'stopped';
      pid: number;
      state: RunState;
      engineGone: boolean;
      /** Phases recorded aborted. */
      stopped: string[];
      record: RunRecord | null;
    };

export interface AbortOptions {
  /** Seconds to wait for the run to stop; default: the run's kill grace + 60. */
  timeoutS?: number;
  /** Told once the engine was signalled (before the wait). */
  onSignalled?: (pid: number) => void;
}

export async function abortEngine(
  stateDir: string,
  runId: string,
  opts: AbortOptions = {},
): Promise<AbortOutcome> {
  const runDir = runDirOf(stateDir, runId);
  let record: RunRecord | null = null;
  try {
    record = readRunRecord(runDir);
  } catch {
    record = null;
  }
  const pos = await journalPosition(runDir);
  const alive = engineAlive(runDir, stateDir, runId);
  if (!alive) return { kind: 'not-running', outcome: outcomeState(pos.state, false) };
  const lock = readLock(stateLockPath(stateDir));
  const pid =
    lock?.owner?.runId === runId
      ? lock.owner.pid
      : (record?.engine?.pid ?? pos.state.run?.engine.pid);
  if (pid === undefined) return { kind: 'no-engine' };
  const timeoutS = opts.timeoutS ?? (record?.options.killGraceSeconds ?? 10) + 60;
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    throw new UserError('--timeout takes a number of seconds', EXIT.usage);
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    return { kind: 'signal-failed', pid, message: (e as Error).message };
  }
  opts.onSignalled?.(pid);
  const timer = new AbortController();
  const t = setTimeout(() => timer.abort(), timeoutS * 1000);
  try {
    const r = await followRun({
      runDir,
      fromOffset: pos.offset,
      lastSeq: pos.lastSeq,
      initial: pos.state,
      printer: { event: () => undefined },
      alive: () => engineAlive(runDir, stateDir, runId),
      signal: timer.signal,
    });
    if (r.cancelled) return { kind: 'still-stopping', pid, timeoutS };
    return {
      kind: 'stopped',
      pid,
      state: r.state,
      engineGone: r.engineGone,
      stopped: r.state.phases.filter((p) => p.status === 'aborted').map((p) => p.id),
      record,
    };
  } finally {
    clearTimeout(t);
  }
}
