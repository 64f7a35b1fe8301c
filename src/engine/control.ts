// How viewers act on a run. The journal has one writer, the engine; a viewer (attach, the
// dashboard) asks the engine to record that it attached or took control, and asks for retry,
// skip or abort. Signatures shared by the dashboard; the implementation lands with issue 6.
import os from 'node:os';
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

/** This process as a viewer: the user, the machine, the pid. */
export function thisViewer(): Actor {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? String(process.getuid?.() ?? 'unknown');
  }
  return { user, host: os.hostname(), pid: process.pid };
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
export function skipConsequences(state: RunState, phaseId: string): string[] {
  // Every phase that needs phaseId, directly or through another phase, in plan order; the
  // phases already done or skipped are not affected.
  const through = new Map<string, string | null>([[phaseId, null]]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of state.phases) {
      if (through.has(p.id)) continue;
      const need = p.needs.find((n) => through.has(n));
      if (need === undefined) continue;
      through.set(p.id, need === phaseId ? null : need);
      grew = true;
    }
  }
  const lines: string[] = [];
  for (const p of state.phases) {
    if (p.id === phaseId || !through.has(p.id)) continue;
    if (p.status === 'succeeded' || p.status === 'skipped') continue;
    const via = through.get(p.id);
    lines.push(
      `${p.id}${p.title !== p.id ? ` (${p.title})` : ''} will run without ${phaseId}` +
        (via ? `, which it needs through ${via}` : ''),
    );
  }
  return lines;
}

/** Records the failed phase as skipped by the operator and resumes the run after it. */
export async function skipFailed(_run: RunRef, _phaseId: string): Promise<ControlResult> {
  throw new Error('control: not implemented yet');
}

/** Aborts the run gracefully (as `genestack-installer abort`). */
export async function abortRun(_run: RunRef): Promise<ControlResult> {
  throw new Error('control: not implemented yet');
}
