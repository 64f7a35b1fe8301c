// Expected phase durations learned from earlier runs in the same state directory: the median
// duration of each phase's succeeded attempts over the last HISTORY_RUNS runs before this one.
// Read cheaply: a finished run has a snapshot at its end (src/journal/snapshot.ts), so loading
// its state replays no events. Runs that cannot be read are left out, never an error.
import { loadState } from '../journal/snapshot';
import type { LearnedDurations } from '../state/timing';
import { listRunIds, runDirOf } from './stateDir';

/** How many earlier runs are looked at. */
export const HISTORY_RUNS = 10;

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2);
}

/**
 * Phase id -> median ms of its succeeded attempts in the HISTORY_RUNS runs started before
 * `excludeRunId` (run ids sort by start time), `excludeRunId` itself left out.
 */
export async function learnedDurations(
  stateDir: string,
  excludeRunId: string | null,
): Promise<LearnedDurations> {
  const ids = listRunIds(stateDir) // newest first
    .filter((id) => excludeRunId === null || id < excludeRunId)
    .slice(0, HISTORY_RUNS);
  const samples = new Map<string, number[]>();
  for (const id of ids) {
    let state;
    try {
      state = (await loadState(runDirOf(stateDir, id))).state;
    } catch {
      continue; // no journal yet, or unreadable: nothing to learn from
    }
    for (const p of state.phases) {
      if (p.status !== 'succeeded' || p.durationMs === null) continue;
      const list = samples.get(p.id) ?? [];
      list.push(p.durationMs);
      samples.set(p.id, list);
    }
  }
  const out: LearnedDurations = {};
  for (const [id, list] of samples) {
    Object.defineProperty(out, id, { value: median(list), enumerable: true, writable: true });
  }
  return out;
}
