// One phase, all its attempts: optional skip when its checks already pass (skipIfDone), then per
// attempt phase-started, the command (or builtin) with its output as log events and in
// logs/<phase>.log, the callback plugin's events for ansible-playbook, soft and hard timeouts,
// the done-checks, phase-finished; then the retry policy.
import { createWriteStream, mkdirSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { ansibleLineToJournal } from '../journal/ansibleEvents';
import type { JournalEventInput, LogStream, PhaseFinalStatus } from '../journal/events';
import type { Redactor } from '../journal/redact';
import type { KubeClient } from '../kube/client';
import { formatSeconds } from '../plan/checks';
import type { Plan, PlanPhase } from '../plan/plan';
import type { ResolvedProfile } from '../profile/normalize';
import { runBuiltin } from './builtins';
import { checksPassNow, waitForDoneChecks, type CheckContext } from './checks';
import { isAnsiblePhase, phaseEnvironment } from './env';
import { processStartTime } from './lock';
import { FileTail, runProcess, type ProcessOutcome } from './process';
import { RUN_FILES } from './stateDir';

export const CALLBACK_NAME = 'genestack_events';

export interface EngineContext {
  runDir: string;
  plan: Plan;
  profile: ResolvedProfile;
  profilePath: string;
  yes: boolean;
  emit: (ev: JournalEventInput) => void;
  /** The run is being aborted: stop what runs, start nothing. */
  signal: AbortSignal;
  graceMs: number;
  baseEnv: NodeJS.ProcessEnv;
  /** Directory holding genestack_events.py. */
  callbackDir: string;
  kube: () => KubeClient;
  /** A second Redactor for the log files (the journal writer has its own). */
  logRedactor: Redactor;
  /** Attempts already made per phase (from the journal, when resuming). */
  attempts: (phaseId: string) => number;
}

export interface PhaseResult {
  id: string;
  status: PhaseFinalStatus;
  exitCode?: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** File names under logs/, ansible/, procs/: phase ids are kebab-case, so they are safe. */
export function phaseFile(runDir: string, dir: string, phaseId: string, ext: string): string {
  return path.join(runDir, dir, `${phaseId}.${ext}`);
}

class PhaseLog {
  private stream: WriteStream;
  constructor(
    file: string,
    private readonly redactor: Redactor,
    private readonly phaseId: string,
  ) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.stream = createWriteStream(file, { flags: 'a', mode: 0o600 });
  }
  /** A line of the installer's own in the file only (attempt boundaries). */
  note(text: string): void {
    this.stream.write(`# genestack-installer: ${text}\n`);
  }
  write(stream: LogStream, line: string): void {
    const clean = this.redactor.redactEvent({ type: 'log', phaseId: this.phaseId, stream, line });
    this.stream.write(`${clean.line}\n`);
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}

export async function executePhase(
  ctx: EngineContext,
  phase: PlanPhase,
  forced: boolean,
): Promise<PhaseResult> {
  const ansible = isAnsiblePhase(phase);
  const eventsFile = phaseFile(ctx.runDir, RUN_FILES.ansible, phase.id, 'jsonl');
  const extra: Record<string, string> = {};
  const env0 = phaseEnvironment(ctx.baseEnv, ctx.plan, phase);
  if (ansible) {
    mkdirSync(path.dirname(eventsFile), { recursive: true, mode: 0o700 });
    extra.GENESTACK_EVENTS_FILE = eventsFile;
    extra.ANSIBLE_CALLBACK_PLUGINS = [ctx.callbackDir, env0.ANSIBLE_CALLBACK_PLUGINS]
      .filter(Boolean)
      .join(':');
    const enabled = (env0.ANSIBLE_CALLBACKS_ENABLED ?? '')
      .split(',')
      .filter((s) => s.trim() !== '');
    if (!enabled.includes(CALLBACK_NAME)) enabled.push(CALLBACK_NAME);
    extra.ANSIBLE_CALLBACKS_ENABLED = enabled.join(',');
  }
  const env = phaseEnvironment(ctx.baseEnv, ctx.plan, phase, extra);
  const spec = { cwd: phase.cwd, env };
  const logFile = phaseFile(ctx.runDir, RUN_FILES.logs, phase.id, 'log');
  const plog = new PhaseLog(logFile, ctx.logRedactor, phase.id);
  const log = (stream: LogStream, line: string) => {
    ctx.emit({ type: 'log', phaseId: phase.id, stream, line });
    plog.write(stream, line);
  };
  const say = (line: string) => log('stdout', `[installer] ${line}`);
  const procFile = phaseFile(ctx.runDir, RUN_FILES.procs, phase.id, 'json');
  const onSpawn = (pid: number) => {
    mkdirSync(path.dirname(procFile), { recursive: true, mode: 0o700 });
    writeFileSync(
      procFile,
      JSON.stringify({ pgid: pid, procStart: processStartTime(pid), phaseId: phase.id }) + '\n',
      { mode: 0o600 },
    );
  };
  const checkCtx = (): CheckContext => ({
    phaseId: phase.id,
    spec,
    emit: ctx.emit,
    log,
    signal: ctx.signal,
    graceMs: ctx.graceMs,
    kube: ctx.kube,
  });

  try {
    if (phase.skipIfDone && !forced && phase.doneChecks.length > 0 && !ctx.signal.aborted) {
      const t0 = Date.now();
      const r = await checksPassNow(checkCtx(), phase.doneChecks);
      if (r.pass && !ctx.signal.aborted) {
        say(`skipped: its done-checks already pass (${r.detail})`);
        ctx.emit({
          type: 'phase-finished',
          phaseId: phase.id,
          status: 'skipped',
          durationMs: Date.now() - t0,
        });
        return { id: phase.id, status: 'skipped' };
      }
    }

    let last: PhaseResult = { id: phase.id, status: 'aborted' };
    const attempts = phase.retry.attempts;
    for (let i = 1; i <= attempts; i++) {
      if (ctx.signal.aborted) break;
      last = await attempt(ctx, phase, {
        number: ctx.attempts(phase.id) + 1,
        spec,
        log,
        say,
        onSpawn,
        procFile,
        eventsFile: ansible ? eventsFile : undefined,
        checkCtx,
        note: (t) => plog.note(t),
      });
      if (last.status === 'succeeded' || last.status === 'aborted') break;
      if (i < attempts && !ctx.signal.aborted) {
        say(
          `attempt ${i} of ${attempts} ${last.status === 'timed-out' ? 'timed out' : 'failed'}; ` +
            `retrying in ${formatSeconds(phase.retry.delaySeconds || 0) || '0s'}`,
        );
        await sleep(phase.retry.delaySeconds * 1000, ctx.signal);
      }
    }
    return last;
  } finally {
    await plog.close();
  }
}

interface AttemptContext {
  number: number;
  spec: { cwd: string; env: Record<string, string> };
  log: (stream: LogStream, line: string) => void;
  say: (line: string) => void;
  onSpawn: (pid: number) => void;
  procFile: string;
  eventsFile?: string;
  checkCtx: () => CheckContext;
  note: (text: string) => void;
}

async function attempt(
  ctx: EngineContext,
  phase: PlanPhase,
  a: AttemptContext,
): Promise<PhaseResult> {
  const started = Date.now();
  const hardDeadline = started + phase.hardTimeoutSeconds * 1000;
  a.note(`attempt ${a.number} started ${new Date(started).toISOString()}`);
  ctx.emit({
    type: 'phase-started',
    phaseId: phase.id,
    attempt: a.number,
    argv: phase.builtin ? [`builtin:${phase.builtin}`] : phase.argv,
    cwd: phase.cwd,
  });
  // Soft timeout: one warning per attempt, command and checks included; the phase goes on.
  const soft = setTimeout(() => {
    ctx.emit({
      type: 'warning',
      phaseId: phase.id,
      message:
        `${phase.id} is slow: still running after ${formatSeconds(phase.softTimeoutSeconds)} ` +
        `(usually ~${formatSeconds(phase.expectedSeconds)}); it is stopped after ${formatSeconds(phase.hardTimeoutSeconds)}`,
    });
  }, phase.softTimeoutSeconds * 1000);

  let tail: FileTail | null = null;
  if (a.eventsFile) {
    // Appended to across attempts: only what this attempt writes is read.
    writeFileSync(a.eventsFile, '', { flag: 'a', mode: 0o600 });
    tail = new FileTail(a.eventsFile, (line) => {
      const ev = ansibleLineToJournal(line, phase.id);
      if (ev !== null) ctx.emit(ev);
    });
    tail.skipExisting();
    tail.start();
  }

  let outcome: ProcessOutcome;
  try {
    if (phase.builtin) {
      outcome = await runBuiltin({
        phase,
        builtin: phase.builtin,
        profile: ctx.profile,
        profilePath: ctx.profilePath,
        yes: ctx.yes,
        spec: a.spec,
        log: a.log,
        signal: ctx.signal,
        hardDeadline,
        graceMs: ctx.graceMs,
        onSpawn: a.onSpawn,
        runDir: ctx.runDir,
      });
    } else {
      outcome = await runProcess(
        { ...a.spec, argv: phase.argv },
        {
          onLine: a.log,
          signal: ctx.signal,
          hardDeadline,
          graceMs: ctx.graceMs,
          onSpawn: a.onSpawn,
        },
      );
    }
  } finally {
    rmSync(a.procFile, { force: true });
    await tail?.stop();
  }

  let status: PhaseFinalStatus;
  let exitCode = outcome.exitCode;
  switch (outcome.kind) {
    case 'aborted':
      a.say('stopped: the run is being aborted');
      status = 'aborted';
      break;
    case 'timed-out':
      a.say(
        `stopped after ${formatSeconds(phase.hardTimeoutSeconds)} (the phase's hard timeout): ` +
          `SIGTERM to its process group${outcome.signal === 'SIGKILL' ? ', then SIGKILL' : ''}`,
      );
      status = 'timed-out';
      break;
    case 'spawn-failed':
      a.log('stderr', `[installer] ${outcome.error ?? 'the command could not be started'}`);
      status = 'failed';
      exitCode = 127;
      break;
    case 'exited':
      status = outcome.exitCode === 0 ? 'succeeded' : 'failed';
      if (status === 'failed') a.say(`exited with code ${outcome.exitCode}`);
      break;
  }

  if (status === 'succeeded' && phase.doneChecks.length > 0) {
    const r = await waitForDoneChecks(a.checkCtx(), phase.doneChecks, hardDeadline);
    if (r.aborted || ctx.signal.aborted) {
      a.say('stopped while waiting for the done-checks: the run is being aborted');
      status = 'aborted';
    } else if (!r.passed) {
      for (const p of r.problems) a.log('stderr', `[installer] done-check did not pass: ${p}`);
      status = Date.now() >= hardDeadline ? 'timed-out' : 'failed';
    }
  }
  clearTimeout(soft);

  ctx.emit({
    type: 'phase-finished',
    phaseId: phase.id,
    status,
    ...(exitCode !== undefined ? { exitCode } : {}),
    durationMs: Date.now() - started,
  });
  return { id: phase.id, status, ...(exitCode !== undefined ? { exitCode } : {}) };
}
