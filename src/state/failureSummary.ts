// What the dashboard shows first when a phase fails: per host, the first error and the task that
// failed, with a hint when the error is a known one; the command, the log path, and the exact
// command that resumes the run. A pure function of RunState so every viewer shows the same.
import type { PhaseState, RunState } from './runState';

export interface HostFailure {
  host: string;
  status: 'failed' | 'unreachable';
  task: string;
  message: string;
  /** A fix for a known error (unreachable host, apt lock, ...), or null. */
  hint: string | null;
}

export interface FailureSummary {
  phaseId: string;
  title: string;
  status: PhaseState['status'];
  exitCode: number | null;
  /** The command the phase ran (argv), empty for builtins. */
  argv: string[];
  hosts: HostFailure[];
  /** For non-Ansible phases: the last lines of stderr/stdout, the best clue there is. */
  lastLines: string[];
  /** A hint drawn from the phase's own output when no host gave one, or null. */
  hint: string | null;
  /** Where the full log is (relative to the run folder). */
  logPath: string;
}

export interface FailureContext {
  /** Path of the run folder, to name the log file. */
  runDir: string;
}

export function failedPhases(state: RunState): PhaseState[] {
  return state.phases.filter(
    (p) => p.status === 'failed' || p.status === 'timed-out' || p.status === 'aborted',
  );
}

/** The summary of a failed phase (issue 6 implements the hints). */
export function summarizeFailure(
  _state: RunState,
  _phaseId: string,
  _ctx: FailureContext,
): FailureSummary {
  throw new Error('summarizeFailure: not implemented yet');
}
