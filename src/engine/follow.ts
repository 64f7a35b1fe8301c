// A client of a run: follows its journal and shows progress, until the run finishes or its
// engine is gone. `deploy` (attached), `attach` and `logs --follow` use it. The full-screen
// dashboard replaces the printer, not the following: it gets the same events and state.
import {
  JournalTruncatedError,
  followJournal,
  journalPath,
  scanFrom,
  type ScanPosition,
} from '../journal/reader';
import { open } from 'node:fs/promises';
import type { JournalEvent } from '../journal/events';
import { loadState } from '../journal/snapshot';
import { RunStateBuilder, initialRunState, phaseById, type RunState } from '../state/runState';
import { formatDuration } from './outcome';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { completionSummary } from '../state/completion';
import { summarizeFailure } from '../state/failureSummary';
import { safeText } from '../terminal/sanitize';
import { RUN_FILES } from './stateDir';

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
  // Where the events handed to the printer end: a follower that lags behind a fast writer
  // still has lines to read when the engine exits.
  let read: ScanPosition = { offset: opts.fromOffset ?? 0, lastSeq: opts.lastSeq ?? 0 };
  let truncated = false;
  const take = (events: JournalEvent[], offset: number) => {
    for (const e of events) {
      builder.apply(e);
      const state = builder.peek();
      opts.printer.event(e, state);
      // Events before fromOffset are history: any run-finished read here ends this run.
      if (e.type === 'run-finished') stop.abort();
    }
    if (events.length > 0) read = { offset, lastSeq: events.at(-1)!.seq };
  };
  try {
    try {
      await followJournal(journalPath(opts.runDir), read.offset, take, stop.signal, {
        lastSeq: read.lastSeq,
        pollMs: 100,
      });
    } catch (e) {
      // The writer cuts the batch a failed write (a full disk) left, and stops the engine: the
      // follower has read past the new end. The run stopped without finishing.
      if (!(e instanceof JournalTruncatedError)) throw e;
      engineGone = true;
      truncated = true;
    }
    // The engine is gone: what it wrote before exiting is read to the end before deciding
    // whether it finished the run.
    if (engineGone && !truncated && !FINAL.has(builder.peek().status)) {
      await drain(opts.runDir, read, take);
    }
  } finally {
    clearInterval(timer);
    opts.signal?.removeEventListener('abort', onOuter);
  }
  const state = builder.state;
  if (engineGone && FINAL.has(state.status)) engineGone = false;
  return { state, engineGone, cancelled: Boolean(opts.signal?.aborted) && !engineGone };
}

async function drain(
  runDir: string,
  from: ScanPosition,
  take: (events: JournalEvent[], offset: number) => void,
): Promise<void> {
  const file = journalPath(runDir);
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return; // no journal at all: nothing more to read
  }
  try {
    await scanFrom(fh, file, from, (events, p) => take(events, p.offset));
  } finally {
    await fh.close();
  }
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

// ---- choosing a view ------------------------------------------------------------------------------

export type View = 'dashboard' | 'plain' | 'json';

/**
 * How `deploy` and `attach` show a run: --json prints the journal's events; --plain, a stdout
 * that is not a terminal (a pipe, a file, `tee`), or CI set in the environment get plain lines;
 * otherwise the full-screen dashboard.
 */
export function chooseView(
  opts: { json?: boolean; plain?: boolean },
  stdout: { isTTY?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): View {
  if (opts.json) return 'json';
  if (opts.plain || !stdout.isTTY || (env.CI !== undefined && env.CI !== '')) return 'plain';
  return 'dashboard';
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
  /** The run's profile copy, for the completion summary (default: <runDir>/profile.yaml). */
  profileText?: () => string | null;
}

/** A play's counters when it started, to report what the play itself did when it ends. */
interface PlayMark {
  name: string;
  tasks: number;
  hosts: Record<
    string,
    { ok: number; changed: number; failed: number; skipped: number; unreachable: number }
  >;
}

function readProfileCopy(runDir: string): string | null {
  try {
    return readFileSync(path.join(runDir, RUN_FILES.profile), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Lines for CI logs and `tee`: one per phase start and end, per warning, per Ansible play (when
 * it ends: its tasks and each host's counts), a failure's summary (each host's first error and
 * the known-error hint, or the phase's last lines; the log file), the resume command, and the
 * completion summary. Never colour or cursor movement; every text from outside goes through
 * safeText; one write per line.
 */
export function plainPrinter(opts: PlainPrinterOptions): Printer {
  const line = (text: string) => opts.out(`${text}\n`);
  const say = (ts: string, text: string) => line(`[${clock(ts)}] ${text}`);
  const t = (text: string) => safeText(text, 500);
  const plays = new Map<string, PlayMark>();

  const markPlay = (state: RunState, phaseId: string, name: string) => {
    const a = phaseById(state, phaseId)?.ansible;
    const hosts: PlayMark['hosts'] = {};
    for (const [h, c] of Object.entries(a?.hosts ?? {})) {
      hosts[h] = {
        ok: c.ok,
        changed: c.changed,
        failed: c.failed,
        skipped: c.skipped,
        unreachable: c.unreachable,
      };
    }
    plays.set(phaseId, { name, tasks: a?.tasksStarted ?? 0, hosts });
  };
  const endPlay = (ts: string, state: RunState, phaseId: string) => {
    const mark = plays.get(phaseId);
    if (mark === undefined) return;
    plays.delete(phaseId);
    const a = phaseById(state, phaseId)?.ansible;
    if (!a) return;
    const per = Object.entries(a.hosts).map(([h, c]) => {
      const m = mark.hosts[h] ?? { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0 };
      return `${t(h)} ok=${c.ok - m.ok} changed=${c.changed - m.changed} failed=${c.failed - m.failed} unreachable=${c.unreachable - m.unreachable}`;
    });
    say(
      ts,
      `         ${phaseId}: play "${t(mark.name)}": ${a.tasksStarted - mark.tasks} task(s); ${per.join('; ') || 'no hosts'}`,
    );
  };

  const failure = (state: RunState, phaseId: string) => {
    const f = summarizeFailure(state, phaseId, { runDir: opts.runDir });
    for (const h of f.hosts) {
      line(
        `           ${t(h.host)}: ${h.status} at task "${t(h.task)}": ${t(h.message.split('\n')[0] ?? '')}`,
      );
      if (h.hint) line(`             hint: ${h.hint}`);
    }
    if (f.hosts.length === 0) {
      if (f.argv.length > 0) line(`           command: ${t(f.argv.join(' '))}`);
      for (const l of f.lastLines) line(`           | ${t(l)}`);
    }
    if (f.hint) line(`           hint: ${f.hint}`);
    line(`           log: ${f.logPath}`);
  };

  const completion = (state: RunState) => {
    const c = completionSummary(
      state,
      (opts.profileText ?? (() => readProfileCopy(opts.runDir)))(),
      opts.runDir,
    );
    if (c.deployed.length > 0) line(`deployed: ${c.deployed.map(t).join(', ')}`);
    if (c.endpoints.length > 0) {
      line('endpoints:');
      for (const e of c.endpoints) line(`  ${t(e.name)}: ${t(e.url)}`);
    }
    if (c.credentials.length > 0) {
      line('credentials:');
      for (const cr of c.credentials) line(`  ${cr}`);
    }
    const timed = c.durations.filter((d) => d.durationMs !== null && d.durationMs > 0);
    if (timed.length > 0) {
      const slowest = [...timed].sort((a, b) => b.durationMs! - a.durationMs!).slice(0, 5);
      line(
        `slowest phases: ${slowest.map((d) => `${d.phaseId} ${formatDuration(d.durationMs)}`).join(', ')}`,
      );
    }
    line(`logs: ${c.logsDir}`);
  };

  return {
    event(e, state) {
      switch (e.type) {
        case 'run-started': {
          const n = state.phases.filter((p) => p.planned).length;
          say(
            e.ts,
            `run ${e.runId} ${state.resumes > 0 ? `resumed (#${state.resumes})` : 'started'}: profile "${t(e.profileName)}", ${n} phases, engine pid ${e.pid} on ${t(e.host)}`,
          );
          return;
        }
        case 'run-interrupted':
          say(e.ts, `note: ${t(e.reason)}`);
          return;
        case 'phase-started': {
          const p = phaseById(state, e.phaseId);
          say(
            e.ts,
            `start    ${e.phaseId}${p && p.title !== p.id ? `: ${t(p.title)}` : ''}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`,
          );
          return;
        }
        case 'ansible-play-started':
          endPlay(e.ts, state, e.phaseId);
          markPlay(state, e.phaseId, e.name);
          return;
        case 'ansible-stats':
          endPlay(e.ts, state, e.phaseId);
          return;
        case 'phase-finished': {
          endPlay(e.ts, state, e.phaseId);
          const p = phaseById(state, e.phaseId);
          const d = formatDuration(e.durationMs);
          if (e.status === 'succeeded') say(e.ts, `done     ${e.phaseId} (${d})`);
          else if (e.status === 'skipped') {
            const why = p?.logTail.at(-1)?.line.replace(/^\[installer\] skipped:? /, '') ?? '';
            say(e.ts, `skipped  ${e.phaseId}${why ? `: ${t(why)}` : ''}`);
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
            failure(state, e.phaseId);
          }
          return;
        }
        case 'warning':
          say(e.ts, `warning  ${e.phaseId ? `${e.phaseId}: ` : ''}${t(e.message)}`);
          return;
        case 'viewer-attached':
          say(e.ts, `viewer   ${t(e.user)}@${t(e.host)} (pid ${e.pid}) attached, ${e.mode}`);
          return;
        case 'control-taken':
          say(e.ts, `control  ${t(e.user)}@${t(e.host)} (pid ${e.pid}) controls the run`);
          return;
        case 'log':
          // The installer's own notes (skips, retries, builtins) are worth a line; command
          // output is in the log files and `genestack-installer logs`.
          if (e.line.startsWith('[installer] ') && !e.line.startsWith('[installer] skipped')) {
            say(e.ts, `         ${e.phaseId}: ${t(e.line.slice('[installer] '.length))}`);
          }
          return;
        case 'run-finished': {
          const d = formatDuration(state.durationMs);
          if (e.status === 'succeeded') {
            say(e.ts, `run succeeded (${d})`);
            completion(state);
          } else {
            const failed = state.phases.find((p) =>
              ['failed', 'timed-out', 'aborted'].includes(p.status),
            );
            say(e.ts, `run ${e.status}${failed ? ` at phase ${failed.id}` : ''} (${d})`);
            if (opts.resumeCommand) line(`resume with: ${opts.resumeCommand}`);
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
