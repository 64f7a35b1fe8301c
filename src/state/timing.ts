// How long phases should take, and how long the rest of a run should take. Pure functions of
// RunState plus the durations learned from earlier runs (collected by the engine module that
// reads the state directory), so the dashboard, `status` and the plain printer agree.
import type { PhaseState, RunState } from './runState';

/** Phase id -> expected duration in ms, learned from earlier succeeded runs of this installer. */
export type LearnedDurations = Record<string, number>;

export interface PhaseTiming {
  /** Expected duration (ms): learned when known, else the catalog's, else null. */
  expectedMs: number | null;
  expectedSource: 'earlier-runs' | 'catalog' | 'unknown';
  /** Elapsed (ms) of the current or last attempt; null before the phase starts. */
  elapsedMs: number | null;
  /** True while running past the soft timeout (or past the expected time with no soft timeout). */
  overdue: boolean;
}

export function phaseTiming(
  phase: PhaseState,
  learned: LearnedDurations,
  now: number,
): PhaseTiming {
  const fromRuns = Object.hasOwn(learned, phase.id) ? learned[phase.id]! : undefined;
  const fromCatalog =
    typeof phase.expectedSeconds === 'number' ? phase.expectedSeconds * 1000 : undefined;
  const expectedMs = fromRuns ?? fromCatalog ?? null;
  const expectedSource =
    fromRuns !== undefined ? 'earlier-runs' : fromCatalog !== undefined ? 'catalog' : 'unknown';
  let elapsedMs: number | null = null;
  if (phase.status === 'running' && phase.startedAt) {
    elapsedMs = Math.max(0, now - Date.parse(phase.startedAt));
  } else if (phase.durationMs !== null) {
    elapsedMs = phase.durationMs;
  }
  const limit =
    typeof phase.softTimeoutSeconds === 'number' ? phase.softTimeoutSeconds * 1000 : expectedMs;
  const overdue =
    phase.status === 'running' && elapsedMs !== null && limit !== null && elapsedMs > limit;
  return { expectedMs, expectedSource, elapsedMs, overdue };
}

export interface RunEstimate {
  /** Phases finished (any final status) out of all phases of the plan. */
  done: number;
  total: number;
  /** Remaining time (ms) if every remaining phase takes its expected time; null when unknown. */
  remainingMs: number | null;
  /** Phases whose expected time is unknown (the estimate leaves them out and says so). */
  unknown: number;
}

/**
 * An honest estimate: the sum of expected times of phases not yet done (running phases count what
 * is left of theirs, never less than zero), assuming phases run one after another. Parallel
 * phases make it an upper bound; the dashboard says so.
 */
export function runEstimate(state: RunState, learned: LearnedDurations, now: number): RunEstimate {
  let done = 0;
  let remainingMs = 0;
  let unknown = 0;
  let total = 0;
  for (const p of state.phases) {
    if (!p.planned) continue;
    total++;
    if (p.status !== 'pending' && p.status !== 'running') {
      done++;
      continue;
    }
    const t = phaseTiming(p, learned, now);
    if (t.expectedMs === null) {
      unknown++;
      continue;
    }
    remainingMs += Math.max(0, t.expectedMs - (p.status === 'running' ? (t.elapsedMs ?? 0) : 0));
  }
  return { done, total, remainingMs: total === 0 ? null : remainingMs, unknown };
}
