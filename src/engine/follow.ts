// A client of a run: follows its journal and shows progress, until the run finishes or its
// engine is gone. `deploy` (attached), `attach` and `logs --follow` use it. The full-screen
// dashboard replaces the printer, not the following: it gets the same events and state.
import { followJournal, journalPath } from '../journal/reader';
import type { JournalEvent } from '../journal/events';
import { loadState } from '../journal/snapshot';
import { RunStateBuilder, initialRunState, phaseById, type RunState } from '../state/runState';
import { ownerAlive, processAlive, readLock } from './lock';
import { formatDuration } from './outcome';
import { readRunRecord } from './runRecord';
import path from 'node:path';
import { RUN_FILES, stateLockPath } from './stateDir';

/** Is the engine of this run alive? From the state lock (it names the run) or run.json. */
export function engineAlive(runDir: string, stateDir: string, runId: string): boolean {
  try {
    const lock = readLock(stateLockPath(stateDir));
    if (lock?.owner?.runId === runId && ownerAlive(lock.owner)) return true;
  } catch {
    // fall through to run.json
  }
  try {
    const r = readRunRecord(runDir);
    return r.engine !== undefined && processAlive(r.engine.pid, r.engine.procStart);
  } catch {
    return false;
  }
}

export interface Printer {
  /** Called for every event, with the state after it. */
  event(e: JournalEvent, state: RunState): void;
}

export interface FollowRunOptions {
  runDir: string;
  /** Byte offset and seq to follow from (0/0: from the start). */
  fromOffset?: number;
  lastSeq?: number;
  /** The state at fromOffset. */
  initial?: RunState;
  printer: Printer;
  /** Polled; when false (after a last read) the follow ends: the engine is gone. */
  alive: () => boolean;
  signal?: AbortSignal;
  /** How often the engine's liveness is checked. */
  pollMs?: number;
  /** Stop at the first final state even if it was there before following (attach to a finished run). */
  stopWhenFinal?: boolean;
}

export interface FollowResult {
  state: RunState;
  /** The engine vanished without a run-finished. */
  engineGone: boolean;
  /** The follow was cancelled (signal). */
  cancelled: boolean;
}

const FINAL = new Set(['succeeded', 'failed', 'aborted']);

/**
 * Follows from fromOffset until a run-finished (or at once, with stopWhenFinal, when the state
 * there is final already), the engine is gone, or the signal aborts.
 */
export async function followRun(opts: FollowRunOptions): Promise<FollowResult> {
  const builder = new RunStateBuilder(opts.initial ?? initialRunState());
  const stop = new AbortController();
  let engineGone = false;
  const onOuter = () => stop.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  if (opts.stopWhenFinal && FINAL.has(builder.peek().status)) {
    return { state: builder.state, engineGone: false, cancelled: false };
  }
  let missed = 0;
  const timer = setInterval(() => {
    if (opts.alive()) {
      missed = 0;
      return;
    }
    // Two polls in a row: the engine writes run-finished just before it exits.
    if (++missed >= 2) {
      engineGone = true;
      stop.abort();
    }
  }, opts.pollMs ?? 500);
  try {
    await followJournal(
      journalPath(opts.runDir),
      opts.fromOffset ?? 0,
      (events) => {
        for (const e of events) {
          builder.apply(e);
          const state = builder.peek();
          opts.printer.event(e, state);
          // Events before fromOffset are history: any run-finished read here ends this run.
          if (e.type === 'run-finished') stop.abort();
        }
      },
      stop.signal,
      { lastSeq: opts.lastSeq ?? 0, pollMs: 100 },
    );
  } finally {
    clearInterval(timer);
    opts.signal?.removeEventListener('abort', onOuter);
  }
  const state = builder.state;
  if (engineGone && FINAL.has(state.status)) engineGone = false;
  return { state, engineGone, cancelled: Boolean(opts.signal?.aborted) && !engineGone };
}

/** The state and position of a journal now; an empty state when it does not exist yet. */
export async function journalPosition(
  runDir: string,
): Promise<{ state: RunState; offset: number; lastSeq: number }> {
  try {
    const l = await loadState(runDir);
    return { state: l.state, offset: l.offset, lastSeq: l.lastSeq };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return { state: initialRunState(), offset: 0, lastSeq: 0 };
    }
    throw e;
  }
}

// ---- plain lines ----------------------------------------------------------------------------------

function clock(ts: string): string {
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : d.toTimeString().slice(0, 8);
}

export interface PlainPrinterOptions {
  out: (text: string) => void;
  runDir: string;
  /** Printed at the end of a run that did not succeed. */
  resumeCommand?: string;
}

/** One line per phase start and end, warnings, failures with each host's first error. */
export function plainPrinter(opts: PlainPrinterOptions): Printer {
  const say = (ts: string, text: string) => opts.out(`[${clock(ts)}] ${text}\n`);
  const logPath = (id: string) => path.join(opts.runDir, RUN_FILES.logs, `${id}.log`);
  return {
    event(e, state) {
      switch (e.type) {
        case 'run-started': {
          const n = state.phases.filter((p) => p.planned).length;
          say(
            e.ts,
            `run ${e.runId} ${state.resumes > 0 ? `resumed (#${state.resumes})` : 'started'}: profile "${e.profileName}", ${n} phases, engine pid ${e.pid} on ${e.host}`,
          );
          return;
        }
        case 'run-interrupted':
          say(e.ts, `note: ${e.reason}`);
          return;
        case 'phase-started': {
          const p = phaseById(state, e.phaseId);
          say(
            e.ts,
            `start    ${e.phaseId}${p && p.title !== p.id ? `: ${p.title}` : ''}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`,
          );
          return;
        }
        case 'phase-finished': {
          const p = phaseById(state, e.phaseId);
          const d = formatDuration(e.durationMs);
          if (e.status === 'succeeded') say(e.ts, `done     ${e.phaseId} (${d})`);
          else if (e.status === 'skipped') {
            const why = p?.logTail.at(-1)?.line.replace(/^\[installer\] skipped: /, '') ?? '';
            say(e.ts, `skipped  ${e.phaseId}${why ? `: ${why}` : ''}`);
          } else {
            const what =
              e.status === 'timed-out'
                ? 'TIMED OUT'
                : e.status === 'aborted'
                  ? 'ABORTED'
                  : 'FAILED';
            say(
              e.ts,
              `${what.padEnd(8)} ${e.phaseId} (${e.exitCode !== undefined ? `exit ${e.exitCode}, ` : ''}${d})`,
            );
            if (p) {
              const hosts = Object.entries(p.ansible?.hosts ?? {}).filter(([, h]) => h.firstError);
              for (const [name, h] of hosts) {
                const err = h.firstError!;
                const msg = err.msg.split('\n')[0] ?? '';
                opts.out(`           ${name}: ${err.status} at task "${err.task}": ${msg}\n`);
              }
              if (hosts.length === 0) {
                for (const l of p.logTail.slice(-5)) opts.out(`           | ${l.line}\n`);
              }
            }
            opts.out(`           log: ${logPath(e.phaseId)}\n`);
          }
          return;
        }
        case 'warning':
          say(e.ts, `warning  ${e.phaseId ? `${e.phaseId}: ` : ''}${e.message}`);
          return;
        case 'log':
          // The installer's own notes (skips, retries, builtins) are worth a line; command
          // output is in the log files and `genestack-installer logs`.
          if (e.line.startsWith('[installer] ') && !e.line.startsWith('[installer] skipped: ')) {
            say(e.ts, `         ${e.phaseId}: ${e.line.slice('[installer] '.length)}`);
          }
          return;
        case 'run-finished': {
          const d = formatDuration(state.durationMs);
          if (e.status === 'succeeded') say(e.ts, `run succeeded (${d})`);
          else {
            const failed = state.phases.find((p) =>
              ['failed', 'timed-out', 'aborted'].includes(p.status),
            );
            say(e.ts, `run ${e.status}${failed ? ` at phase ${failed.id}` : ''} (${d})`);
            if (opts.resumeCommand) opts.out(`resume with: ${opts.resumeCommand}\n`);
          }
          return;
        }
        default:
          return;
      }
    },
  };
}

/** The journal's events as JSON lines (`--json`). */
export function jsonPrinter(out: (text: string) => void): Printer {
  return { event: (e) => out(JSON.stringify(e) + '\n') };
}
