// The dashboard's exit code when the viewer leaves: the run's (src/engine/outcome.ts), except
// that leaving a run that is still going is a detach, which succeeds (as `attach` does).
import { exitCodeFor } from '../../src/engine/outcome';
import { EXIT } from '../../src/exitCodes';
import type { RunState } from '../../src/state/runState';

export function dashboardExitCode(state: RunState, engineAlive: boolean): number {
  if ((state.status === 'running' || state.status === 'pending') && engineAlive) return EXIT.ok;
  if (state.status === 'pending' && state.lastSeq === 0) return EXIT.ok;
  return exitCodeFor(state, engineAlive);
}
