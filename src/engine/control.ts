// How viewers act on a run. The journal has one writer, the engine; a viewer (attach, the
// dashboard) asks the engine to record that it attached or took control, and asks for retry,
// skip or abort. Signatures shared by the dashboard; the implementation lands with issue 6.
import type { Actor } from '../journal/events';
import type { RunState } from '../state/runState';

export interface RunRef {
  stateDir: string;
  runId: string;
}

export interface ControlResult {
  ok: boolean;
  /** What happened, in words for the screen (or why it could not). */
  message: string;
}

export function thisViewer(): Actor {
  throw new Error('control: not implemented yet');
}

/** Asks the engine to journal viewer-attached; resolves false when no engine runs the run. */
export async function announceViewer(
  _run: RunRef,
  _actor: Actor,
  _mode: 'read-only' | 'control',
): Promise<boolean> {
  throw new Error('control: not implemented yet');
}

/** Asks the engine to journal control-taken for this actor. */
export async function takeControl(_run: RunRef, _actor: Actor): Promise<ControlResult> {
  throw new Error('control: not implemented yet');
}

/** Runs the failed phase again (starts a detached engine resuming the run). */
export async function retryFailed(_run: RunRef): Promise<ControlResult> {
  throw new Error('control: not implemented yet');
}

/** Phases that will not run (or wait forever) if `phaseId` is skipped: what to confirm. */
export function skipConsequences(_state: RunState, _phaseId: string): string[] {
  throw new Error('control: not implemented yet');
}

/** Records the failed phase as skipped by the operator and resumes the run after it. */
export async function skipFailed(_run: RunRef, _phaseId: string): Promise<ControlResult> {
  throw new Error('control: not implemented yet');
}

/** Aborts the run gracefully (as `genestack-installer abort`). */
export async function abortRun(_run: RunRef): Promise<ControlResult> {
  throw new Error('control: not implemented yet');
}
