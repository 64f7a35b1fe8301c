// Commands that look at runs: `runs` (recent runs), `status [RUN]`, `logs RUN`, `attach [RUN]`,
// and `abort [RUN]`. Everything they show is the journal reduced by the one reducer
// (src/state/runState.ts), plus whether the engine process is still alive.
import path from 'node:path';
import { EXIT } from '../exitCodes';
import { announceViewer, takeControl, thisViewer } from '../engine/control';
import { engineAlive } from '../engine/alive';
import {
  chooseView,
  followRun,
  journalPosition,
  jsonPrinter,
  plainPrinter,
  type Printer,
} from '../engine/follow';
import { abortEngine } from '../engine/abort';
import { readLock, ownerAlive } from '../engine/lock';
import {
  exitCodeFor,
  formatDuration,
  outcomeState,
  resumeCommand,
  type RunOutcomeState,
} from '../engine/outcome';
import { readRunRecord, type RunRecord } from '../engine/runRecord';
import {
  RUN_FILES,
  findRunId,
  listRunIds,
  resolveStateDir,
  runDirOf,
  stateLockPath,
} from '../engine/stateDir';
import { readJournal, journalPath } from '../journal/reader';
import { closest } from '../profile/suggest';
import {
  firstFailedPhase,
  initialRunState,
  type PhaseState,
  type RunState,
} from '../state/runState';
import { UserError, type CommandIO } from './io';

interface RunView {
  runId: string;
  runDir: string;
  record: RunRecord | null;
  state: RunState;
  alive: boolean;
  outcome: RunOutcomeState;
}

async function viewRun(stateDir: string, runId: string): Promise<RunView> {
  const runDir = runDirOf(stateDir, runId);
  let record: RunRecord | null = null;
  try {
    record = readRunRecord(runDir);
  } catch {
    record = null;
  }
  const { state } = await journalPosition(runDir);
  const alive = engineAlive(runDir, stateDir, runId);
  return { runId, runDir, record, state, alive, outcome: outcomeState(state, alive) };
}

/** The run being deployed now (it holds the state lock), else the newest. */
function currentOrLatest(stateDir: string, wanted?: string): string {
  if (wanted !== undefined) return findRunId(stateDir, wanted);
  try {
    const lock = readLock(stateLockPath(stateDir));
    if (lock?.owner && ownerAlive(lock.owner) && listRunIds(stateDir).includes(lock.owner.runId)) {
      return lock.owner.runId;
    }
  } catch {
    // no lock
  }
  return findRunId(stateDir);
}

const utc = (ts: string | null) => (ts ? ts.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

function hostsOf(p: PhaseState) {
  const hosts = p.ansible?.hosts;
  if (!hosts) return undefined;
  return Object.fromEntries(
    Object.entries(hosts).map(([name, h]) => [
      name,
      {
        ok: h.ok,
        changed: h.changed,
        failed: h.failed,
        skipped: h.skipped,
        unreachable: h.unreachable,
        firstError: h.firstError
          ? { task: h.firstError.task, status: h.firstError.status, msg: h.firstError.msg }
          : null,
      },
    ]),
  );
}

function statusJson(v: RunView, stateDirFlag?: string) {
  const s = v.state;
  const failed = firstFailedPhase(s);
  const final = ['succeeded', 'failed', 'aborted', 'interrupted'].includes(v.outcome);
  return {
    runId: v.runId,
    state: v.outcome,
    profile: {
      name: v.record?.profileName ?? s.run?.profileName ?? null,
      path: v.record?.profilePath ?? null,
    },
    runDir: v.runDir,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    durationMs: s.durationMs,
    engine: s.run
      ? {
          pid: s.run.engine.pid,
          host: s.run.engine.host,
          user: s.run.engine.user,
          alive: v.alive,
          launchedVia: v.record?.engine?.launchedVia ?? null,
        }
      : null,
    resumes: s.resumes,
    warnings: s.warningCount,
    failedPhase: failed?.id ?? null,
    exitCode: final ? exitCodeFor(s, v.alive) : null,
    resumeCommand:
      final && v.outcome !== 'succeeded' && v.record
        ? resumeCommand(v.record.profilePath, v.runId, stateDirFlag)
        : null,
    phases: s.phases.map((p) => ({
      id: p.id,
      title: p.title,
      group: p.group,
      kind: p.kind,
      status: p.status,
      attempt: p.attempt,
      startedAt: p.startedAt,
      finishedAt: p.finishedAt,
      durationMs: p.durationMs,
      exitCode: p.exitCode,
      checks: Object.fromEntries(
        Object.entries(p.checks).map(([k, c]) => [k, { status: c.status, detail: c.detail }]),
      ),
      ...(hostsOf(p) ? { hosts: hostsOf(p) } : {}),
      log: path.join(v.runDir, RUN_FILES.logs, `${p.id}.log`),
    })),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

function statusText(v: RunView, stateDirFlag?: string): string {
  const s = v.state;
  const lines: string[] = [];
  lines.push(
    `run ${v.runId}: ${v.outcome}${v.record ? `, profile "${v.record.profileName}" (${v.record.profilePath})` : ''}`,
  );
  lines.push(
    `started ${utc(s.startedAt)}${s.finishedAt ? `, finished ${utc(s.finishedAt)} (${formatDuration(s.durationMs)})` : ''}${s.resumes > 0 ? `, resumed ${s.resumes} time(s)` : ''}`,
  );
  if (s.run) {
    lines.push(
      `engine: pid ${s.run.engine.pid} on ${s.run.engine.host} (${v.alive ? 'running' : 'not running'})`,
    );
  }
  lines.push(`folder: ${v.runDir}`, '');
  const rows = [['#', 'PHASE', 'STATUS', 'ATTEMPT', 'DURATION', 'EXIT']];
  s.phases.forEach((p, i) =>
    rows.push([
      String(i + 1),
      p.id,
      p.status,
      p.attempt > 0 ? String(p.attempt) : '-',
      formatDuration(p.durationMs),
      p.exitCode === null ? '-' : String(p.exitCode),
    ]),
  );
  let out = lines.join('\n') + '\n' + table(rows);
  const failed = firstFailedPhase(s);
  if (failed) {
    out += `\n${failed.id} ${failed.status}`;
    const errs = Object.entries(failed.ansible?.hosts ?? {}).filter(([, h]) => h.firstError);
    out += errs.length > 0 ? ':\n' : '\n';
    for (const [host, h] of errs) {
      out += `  ${host}: ${h.firstError!.status} at task "${h.firstError!.task}": ${h.firstError!.msg.split('\n')[0]}\n`;
    }
    out += `  log: ${path.join(v.runDir, RUN_FILES.logs, `${failed.id}.log`)}\n`;
  }
  if (s.warningCount > 0) {
    out += `\nwarnings (${s.warningCount}${s.warnings.length < s.warningCount ? `, last ${s.warnings.length}` : ''}):\n`;
    for (const w of s.warnings.slice(-10))
      out += `  ${w.phaseId ? `${w.phaseId}: ` : ''}${w.message}\n`;
  }
  if (['failed', 'aborted', 'interrupted'].includes(v.outcome) && v.record) {
    out += `\nresume with: ${resumeCommand(v.record.profilePath, v.runId, stateDirFlag)}\n`;
  }
  return out;
}

export async function runStatus(
  run: string | undefined,
  opts: { json?: boolean; stateDir?: string },
  io: CommandIO,
): Promise<number> {
  const stateDir = resolveStateDir({ flag: opts.stateDir });
  const v = await viewRun(stateDir, currentOrLatest(stateDir, run));
  const flag = opts.stateDir ? stateDir : undefined;
  io.out(opts.json ? JSON.stringify(statusJson(v, flag), null, 2) + '\n' : statusText(v, flag));
  return EXIT.ok;
}

export async function runRuns(
  opts: { json?: boolean; stateDir?: string; limit?: string },
  io: CommandIO,
): Promise<number> {
  const stateDir = resolveStateDir({ flag: opts.stateDir });
  const limit = opts.limit === undefined ? 20 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UserError('--limit takes a positive whole number', EXIT.usage);
  const ids = listRunIds(stateDir).slice(0, limit);
  const views: RunView[] = [];
  for (const id of ids) {
    try {
      views.push(await viewRun(stateDir, id));
    } catch {
      // a run folder being created, or damaged: `status RUN` explains
    }
  }
  if (opts.json) {
    io.out(
      JSON.stringify(
        views.map((v) => ({
          runId: v.runId,
          profile: v.record?.profileName ?? v.state.run?.profileName ?? null,
          profilePath: v.record?.profilePath ?? null,
          state: v.outcome,
          startedAt: v.state.startedAt,
          finishedAt: v.state.finishedAt,
          durationMs: v.state.durationMs,
          failedPhase: firstFailedPhase(v.state)?.id ?? null,
        })),
        null,
        2,
      ) + '\n',
    );
    return EXIT.ok;
  }
  if (views.length === 0) {
    io.out(`no runs in ${stateDir}\n`);
    return EXIT.ok;
  }
  const rows = [['RUN', 'PROFILE', 'STATE', 'STARTED (UTC)', 'DURATION', 'FAILED PHASE']];
  for (const v of views) {
    const running = v.outcome === 'running' && v.state.startedAt;
    rows.push([
      v.runId,
      v.record?.profileName ?? v.state.run?.profileName ?? '?',
      v.outcome,
      utc(v.state.startedAt),
      running
        ? `${formatDuration(Date.now() - Date.parse(v.state.startedAt!))} so far`
        : formatDuration(v.state.durationMs),
      firstFailedPhase(v.state)?.id ?? '',
    ]);
  }
  io.out(table(rows));
  return EXIT.ok;
}

function logPrinter(out: (t: string) => void, phase: string | undefined): Printer {
  return {
    event(e) {
      if (e.type !== 'log') return;
      if (phase !== undefined) {
        if (e.phaseId === phase) out(`${e.line}\n`);
      } else out(`${e.phaseId} | ${e.line}\n`);
    },
  };
}

export async function runLogs(
  run: string,
  opts: { phase?: string; follow?: boolean; stateDir?: string },
  io: CommandIO,
): Promise<number> {
  const stateDir = resolveStateDir({ flag: opts.stateDir });
  const runId = findRunId(stateDir, run);
  const runDir = runDirOf(stateDir, runId);
  if (opts.phase !== undefined) {
    const record = readRunRecord(runDir);
    const ids = record.plan.phases.map((p) => p.id);
    if (!ids.includes(opts.phase)) {
      const hint = closest(opts.phase, ids);
      throw new UserError(
        `run ${runId} has no phase "${opts.phase}"${hint ? `; did you mean "${hint}"?` : ''}`,
        EXIT.usage,
      );
    }
  }
  const printer = logPrinter(io.out, opts.phase);
  const alive = engineAlive(runDir, stateDir, runId);
  if (!opts.follow || !alive) {
    const { events } = await readJournal(journalPath(runDir));
    const none = initialRunState();
    for (const e of events) printer.event(e, none);
    return EXIT.ok;
  }
  const pos = await journalPosition(runDir);
  const { events } = await readJournal(journalPath(runDir));
  for (const e of events.filter((x) => x.seq <= pos.lastSeq)) printer.event(e, pos.state);
  const cancel = new AbortController();
  const onSigint = () => cancel.abort();
  process.on('SIGINT', onSigint);
  try {
    await followRun({
      runDir,
      fromOffset: pos.offset,
      lastSeq: pos.lastSeq,
      initial: pos.state,
      printer,
      alive: () => engineAlive(runDir, stateDir, runId),
      signal: cancel.signal,
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  return EXIT.ok;
}

export async function runAttach(
  run: string | undefined,
  opts: { json?: boolean; plain?: boolean; control?: boolean; stateDir?: string },
  io: CommandIO,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const stateDir = resolveStateDir({ flag: opts.stateDir });
  const runId = currentOrLatest(stateDir, run);
  const view = chooseView(opts, { isTTY: io.isTTY }, env);
  if (view === 'dashboard') {
    // Live or finished, a terminal gets the full-screen view; it announces this viewer (and takes
    // control when asked) itself, and loads the run's state once (no viewRun here). Loaded
    // lazily: React and Ink only on this path.
    const { runDashboard } = await import('../../screens/dashboard/runDashboard');
    return runDashboard({ stateDir, runId, control: Boolean(opts.control) });
  }
  const v = await viewRun(stateDir, runId);
  const flag = opts.stateDir ? stateDir : undefined;
  if (!v.alive) {
    if (opts.control) io.err(`run ${runId} is not running; there is nothing to take control of\n`);
    io.out(opts.json ? JSON.stringify(statusJson(v, flag)) + '\n' : statusText(v, flag));
    return v.outcome === 'pending' ? EXIT.ok : exitCodeFor(v.state, false);
  }
  // From here on, so this viewer's own attach is among the lines it shows.
  const pos = await journalPosition(v.runDir);
  const ref = { stateDir, runId };
  const me = thisViewer();
  // The engine journals who attached (and who took control); a viewer never writes the journal.
  const announced = await announceViewer(ref, me, opts.control ? 'control' : 'read-only');
  if (announced && opts.control) await takeControl(ref, me);
  if (view !== 'json') {
    io.out(
      statusText(v, flag) +
        `\nfollowing (${opts.control ? 'in control' : 'read-only'}; Ctrl-C detaches, the run goes on)\n`,
    );
  }
  const cancel = new AbortController();
  const onSigint = () => cancel.abort();
  process.on('SIGINT', onSigint);
  try {
    const r = await followRun({
      runDir: v.runDir,
      fromOffset: pos.offset,
      lastSeq: pos.lastSeq,
      initial: pos.state,
      printer:
        view === 'json'
          ? jsonPrinter(io.out)
          : plainPrinter({
              out: io.out,
              runDir: v.runDir,
              resumeCommand: v.record
                ? resumeCommand(v.record.profilePath, runId, flag)
                : undefined,
            }),
      alive: () => engineAlive(v.runDir, stateDir, runId),
      signal: cancel.signal,
    });
    if (r.cancelled) return EXIT.ok;
    if (r.engineGone) {
      io.err(`the engine of run ${runId} stopped without finishing\n`);
      return EXIT.aborted;
    }
    return exitCodeFor(r.state, false);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export async function runAbort(
  run: string | undefined,
  opts: { stateDir?: string; timeout?: string },
  io: CommandIO,
): Promise<number> {
  const stateDir = resolveStateDir({ flag: opts.stateDir });
  const runId = currentOrLatest(stateDir, run);
  const timeoutS = opts.timeout === undefined ? undefined : Number(opts.timeout);
  const r = await abortEngine(stateDir, runId, {
    ...(timeoutS !== undefined ? { timeoutS } : {}),
    onSignalled: (pid) =>
      io.out(`asked run ${runId} to stop (SIGTERM to engine pid ${pid}); waiting for it...\n`),
  });
  switch (r.kind) {
    case 'not-running':
      io.err(`run ${runId} is not running (${r.outcome}); there is nothing to abort\n`);
      return EXIT.invalid;
    case 'no-engine':
      io.err(`cannot tell which process runs ${runId}\n`);
      return EXIT.internal;
    case 'signal-failed':
      io.err(`cannot signal the engine (pid ${r.pid}): ${r.message}\n`);
      return EXIT.internal;
    case 'still-stopping':
      io.err(
        `run ${runId} has not finished stopping after ${r.timeoutS}s; see \`genestack-installer status ${runId}\`\n`,
      );
      return EXIT.internal;
    case 'stopped':
      io.out(
        `run ${runId} ${r.state.status === 'aborted' ? 'aborted' : `ended (${r.engineGone ? 'interrupted' : r.state.status})`}` +
          `${r.stopped.length > 0 ? `; stopped: ${r.stopped.join(', ')}` : ''}\n`,
      );
      if (r.record) {
        io.out(
          `resume with: ${resumeCommand(r.record.profilePath, runId, opts.stateDir ? stateDir : undefined)}\n`,
        );
      }
      return EXIT.ok;
  }
}
