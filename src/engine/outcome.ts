// A run's result as an exit code and in words, from the reduced journal state (the same for the
// engine, `deploy` attached to it, `status` and `attach`).
import { EXIT } from '../exitCodes';
import { firstFailedPhase, type RunState } from '../state/runState';

/** succeeded/failed/aborted from the journal, `interrupted` when the engine is gone without a result. */
/** How the journal's phase-started names the preflight builtin (src/engine/phase.ts). */
const PREFLIGHT_ARGV = 'builtin:preflight';

export type RunOutcomeState =
  'pending' | 'running' | 'succeeded' | 'failed' | 'aborted' | 'interrupted';

export function outcomeState(state: RunState, engineAlive: boolean): RunOutcomeState {
  if ((state.status === 'running' || state.status === 'pending') && !engineAlive) {
    return state.status === 'pending' && state.lastSeq === 0 ? 'pending' : 'interrupted';
  }
  return state.status;
}

export function exitCodeFor(state: RunState, engineAlive = false): number {
  switch (outcomeState(state, engineAlive)) {
    case 'succeeded':
      return EXIT.ok;
    case 'aborted':
    case 'interrupted':
      return EXIT.aborted;
    case 'failed': {
      const first = firstFailedPhase(state);
      if (first?.status === 'timed-out') return EXIT.phaseTimedOut;
      // The preflight builtin stopped the run before anything changed (docs/preflight.md).
      if (first?.status === 'failed' && first.argv[0] === PREFLIGHT_ARGV)
        return EXIT.preflightFailed;
      return EXIT.phaseFailed;
    }
    case 'pending':
    case 'running':
      return EXIT.internal;
  }
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(rest).padStart(2, '0')}s`;
}

/** The command that continues a run, with the flags that locate it. */
export function resumeCommand(profilePath: string, runId: string, stateDirFlag?: string): string {
  const quote = (s: string) =>
    /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'"'"'`)}'`;
  return [
    'genestack-installer deploy',
    quote(profilePath),
    '--resume',
    runId,
    ...(stateDirFlag ? ['--state-dir', quote(stateDirFlag)] : []),
  ].join(' ');
}
