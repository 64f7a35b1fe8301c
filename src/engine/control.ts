// How viewers act on a run. The journal has one writer, the engine; a viewer (attach, the
// dashboard) asks the engine to record that it attached or took control through request files
// (controlChannel.ts), and retries or skips a failed phase by resuming the stopped run in a new
// detached engine (start.ts, as `deploy --resume`), or aborts it (abort.ts, as `abort`).
import { existsSync } from 'node:fs';
import os from 'node:os';
import type { Actor } from '../journal/events';
import type { RunState } from '../state/runState';
import { abortEngine } from './abort';
import { dropRequest, removeRequest, type ControlRequest } from './controlChannel';
import type { Launched } from './detach';
import { engineAlive } from './alive';
import { journalPosition } from './follow';
import { readRunRecord } from './runRecord';
import { startRun } from './start';
import { runDirOf } from './stateDir';

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

/** How long a viewer waits for the engine to take its request. */
export const REQUEST_TIMEOUT_MS = 10_000;

function runDirOfRef(run: RunRef): string {
  return runDirOf(run.stateDir, run.runId);
}

/**
 * Drops a request and waits until the engine has taken it (the file is gone). False when no
 * engine runs the run, or it did not take the request in time (the request is withdrawn).
 */
async function request(run: RunRef, req: ControlRequest): Promise<boolean> {
  const runDir = runDirOfRef(run);
  if (!engineAlive(runDir, run.stateDir, run.runId)) return false;
  const file = dropRequest(runDir, req);
  const deadline = Date.now() + REQUEST_TIMEOUT_MS;
  for (;;) {
    if (!existsSync(file)) return true;
    if (Date.now() > deadline || !engineAlive(runDir, run.stateDir, run.runId)) {
      removeRequest(file);
      // Taken at the last moment: then it was journaled.
      return false;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Asks the engine to journal viewer-attached; resolves false when no engine runs the run. */
export async function announceViewer(
  run: RunRef,
  actor: Actor,
  mode: 'read-only' | 'control',
): Promise<boolean> {
  return request(run, { kind: 'viewer', mode, actor });
}

/** Asks the engine to journal control-taken for this actor. */
export async function takeControl(run: RunRef, actor: Actor): Promise<ControlResult> {
  const ok = await request(run, { kind: 'take-control', actor });
  return ok
    ? { ok, message: `${actor.user}@${actor.host} now controls run ${run.runId}` }
    : { ok, message: `run ${run.runId} is not running: there is nothing to take control of` };
}

/** How a retry or skip starts the engine (tests: the built bundle); default as `deploy`. */
export interface ControlDeps {
  launch?: (runDir: string, runId: string) => Promise<Launched>;
  env?: NodeJS.ProcessEnv;
}

const FAILED = new Set(['failed', 'timed-out', 'aborted']);

/** How long an engine that has journaled run-finished may take to exit (locks, last writes). */
const ENGINE_EXIT_GRACE_MS = 5_000;

/**
 * True when no engine runs the run. An engine that has recorded the end of the run still
 * releases its locks and exits for a moment: a retry pressed right at the failure waits for it
 * rather than calling the run "still running".
 */
async function engineGone(runDir: string, run: RunRef): Promise<boolean> {
  if (!engineAlive(runDir, run.stateDir, run.runId)) return true;
  const { state } = await journalPosition(runDir);
  if (state.finishedAt === null) return false;
  const deadline = Date.now() + ENGINE_EXIT_GRACE_MS;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    if (!engineAlive(runDir, run.stateDir, run.runId)) return true;
  }
  return false;
}

/**
 * Resumes a stopped run in a new detached engine, as `deploy PROFILE --resume RUN` does, with
 * the run's own profile file, catalog and --yes; a profile changed since the run started is
 * not accepted here (that needs the operator's confirmation on the command line).
 */
async function resumeStopped(
  run: RunRef,
  requests: ControlRequest[],
  what: string,
  deps: ControlDeps,
): Promise<ControlResult> {
  const runDir = runDirOfRef(run);
  if (!(await engineGone(runDir, run))) {
    return { ok: false, message: `run ${run.runId} is still running; ${what} once it has stopped` };
  }
  let record;
  try {
    record = readRunRecord(runDir);
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
  const notes: string[] = [];
  try {
    const r = await startRun(
      record.profilePath,
      {
        resume: run.runId,
        stateDir: run.stateDir,
        yes: record.options.yes,
        ...(record.catalogPath ? { catalog: record.catalogPath } : {}),
      },
      {
        say: (t) => notes.push(t.trim()),
        err: (t) => notes.push(t.trim()),
        canAsk: false,
        confirm: async () => false,
      },
      {
        startedBy: thisViewer(),
        requests,
        ...(deps.launch ? { launch: deps.launch } : {}),
        ...(deps.env ? { env: deps.env } : {}),
      },
    );
    if ('exitCode' in r) {
      return { ok: false, message: notes.filter(Boolean).join('\n') || `exit ${r.exitCode}` };
    }
    return {
      ok: true,
      message: `run ${run.runId} resumed: engine pid ${r.started.pid}`,
    };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** Runs the failed phase again (starts a detached engine resuming the run). */
export async function retryFailed(run: RunRef, deps: ControlDeps = {}): Promise<ControlResult> {
  const { state } = await journalPosition(runDirOfRef(run));
  const failed = state.phases.find((p) => FAILED.has(p.status));
  if (!failed) return { ok: false, message: `run ${run.runId} has no failed phase to retry` };
  const r = await resumeStopped(run, [], 'retry', deps);
  return r.ok ? { ok: true, message: `retrying ${failed.id}: ${r.message}` } : r;
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

/**
 * Records the failed phase as skipped by the operator and resumes the run after it: the new
 * engine journals the skip (phase-finished skipped, a warning naming who and why) before it
 * chooses what to run, so the phases that need it run without it, and later resumes do not
 * run it again (a skipped phase counts as done).
 */
export async function skipFailed(
  run: RunRef,
  phaseId: string,
  reason = 'skipped by the operator',
  deps: ControlDeps = {},
): Promise<ControlResult> {
  const { state } = await journalPosition(runDirOfRef(run));
  const p = state.phases.find((x) => x.id === phaseId);
  if (!p || !FAILED.has(p.status)) {
    return { ok: false, message: `${phaseId} is not a failed phase of run ${run.runId}` };
  }
  const r = await resumeStopped(
    run,
    [{ kind: 'skip', phaseId, reason, actor: thisViewer() }],
    `skip ${phaseId}`,
    deps,
  );
  return r.ok ? { ok: true, message: `skipped ${phaseId}; ${r.message}` } : r;
}

/** Aborts the run gracefully (as `genestack-installer abort`). */
export async function abortRun(run: RunRef): Promise<ControlResult> {
  try {
    const r = await abortEngine(run.stateDir, run.runId);
    switch (r.kind) {
      case 'not-running':
        return { ok: false, message: `run ${run.runId} is not running (${r.outcome})` };
      case 'no-engine':
        return { ok: false, message: `cannot tell which process runs ${run.runId}` };
      case 'signal-failed':
        return { ok: false, message: `cannot signal the engine (pid ${r.pid}): ${r.message}` };
      case 'still-stopping':
        return {
          ok: false,
          message: `run ${run.runId} has not finished stopping after ${r.timeoutS}s`,
        };
      case 'stopped':
        return {
          ok: true,
          message: `run ${run.runId} ${r.state.status === 'aborted' ? 'aborted' : 'ended'}${r.stopped.length > 0 ? `; stopped: ${r.stopped.join(', ')}` : ''}`,
        };
    }
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}
