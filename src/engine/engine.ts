// The engine: the detached process that runs a run (`genestack-installer __engine RUNDIR`). It
// takes over the run's locks from `deploy`, opens the journal, reports what a crashed
// predecessor left behind, runs the selected phases, records run-finished, and releases the
// locks on every exit path. SIGTERM or SIGINT aborts the run gracefully (what runs gets SIGTERM,
// then SIGKILL after the grace period).
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import plugin from '../../assets/callback/genestack_events.py';
import { EXIT } from '../exitCodes';
import { Redactor, secretsFromKubesecrets, secretsFromProfile } from '../journal/redact';
import { loadState } from '../journal/snapshot';
import { JournalWriter, JournalWriterError } from '../journal/writer';
import { journalPath } from '../journal/reader';
import type { JournalEventInput } from '../journal/events';
import { KubeClient } from '../kube/client';
import { loadProfileText } from '../profile/load';
import { phaseById } from '../state/runState';
import {
  groupMembers,
  ownerForThisProcess,
  processStartTime,
  releaseLock,
  takeOverLock,
} from './lock';
import { kubeconfigTarget } from './builtins';
import {
  pendingRequests,
  removeRequest,
  watchRequests,
  type ControlRequest,
} from './controlChannel';
import { exitCodeFor } from './outcome';
import { CALLBACK_NAME, type EngineContext } from './phase';
import { stopGroup } from './process';
import { readRunRecord, updateRunRecord, type LaunchKind } from './runRecord';
import { doneFromJournal, runPlan, selectPhases } from './runner';
import { RUN_FILES } from './stateDir';

export interface EngineOptions {
  launchedVia?: LaunchKind;
  unit?: string;
  env?: NodeJS.ProcessEnv;
}

function engineLog(runDir: string, text: string): void {
  try {
    appendFileSync(
      path.join(runDir, RUN_FILES.engineLog),
      `${new Date().toISOString()} engine[${process.pid}]: ${text}\n`,
      { mode: 0o600 },
    );
  } catch {
    // nowhere left to report
  }
}

/**
 * Stops process groups a crashed engine left running (procs/<phase>.json), so a resumed phase
 * does not run twice at once. The start time guards against a reused pid.
 */
export async function stopLeftovers(runDir: string, graceMs: number): Promise<string[]> {
  const dir = path.join(runDir, RUN_FILES.procs);
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const stopped: string[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as {
        pgid?: number;
        procStart?: string | null;
        phaseId?: string;
      };
      const pgid = v.pgid;
      // The leader may be gone (reaped) while its children go on. A group id is not reused
      // while any member lives; a live leader with another start time is somebody else's.
      const leader = typeof pgid === 'number' ? processStartTime(pgid) : null;
      const reused = leader !== null && v.procStart != null && leader !== v.procStart;
      if (typeof pgid === 'number' && pgid > 1 && !reused && groupMembers(pgid).length > 0) {
        const exited = new Promise<void>((resolve) => {
          const poll = setInterval(() => {
            if (groupMembers(pgid).length === 0) {
              clearInterval(poll);
              resolve();
            }
          }, 50);
        });
        await stopGroup(pgid, graceMs, exited);
        stopped.push(`${v.phaseId ?? n} (process group ${pgid})`);
      }
    } catch {
      // unreadable: nothing to stop
    }
    rmSync(file, { force: true });
  }
  return stopped;
}

/** Runs the run in runDir to its end; returns the exit code (EXIT). */
export async function runEngine(runDir: string, opts: EngineOptions = {}): Promise<number> {
  const record = readRunRecord(runDir);
  const owner = ownerForThisProcess(record.runId);
  try {
    takeOverLock(record.locks.state, owner, 'the state directory');
    takeOverLock(record.locks.config, owner, 'the config directory');
  } catch (e) {
    engineLog(runDir, `cannot start: ${(e as Error).message}`);
    releaseLock(record.locks.state, record.runId);
    releaseLock(record.locks.config, record.runId);
    return EXIT.locked;
  }

  let journal: JournalWriter | null = null;
  const abort = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) return;
    engineLog(runDir, `${sig}: aborting the run`);
    try {
      journal?.append({
        type: 'warning',
        message: `abort requested (${sig}): stopping the running phases`,
      });
    } catch {
      // the journal failed; the run ends anyway
    }
    abort.abort();
  };
  const handlers: Array<[NodeJS.Signals, (s: NodeJS.Signals) => void]> = [
    ['SIGTERM', onSignal],
    ['SIGINT', onSignal],
    // Not attached to a terminal: a hangup means nothing to the engine.
    ['SIGHUP', () => undefined],
  ];
  for (const [s, h] of handlers) process.on(s, h);
  // A stray rejection must not end the engine without a run-finished: report it and go on.
  // A journal that cannot be written (a full disk) ends the run, wherever the failed write was:
  // in an output handler it would surface here, and the run would go on unrecorded.
  let journalFailure: JournalWriterError | null = null;
  const onStray = (e: unknown) => {
    const err = e instanceof Error ? e : new Error(String(e));
    if (err instanceof JournalWriterError) {
      journalFailure ??= err;
      abort.abort();
      return;
    }
    engineLog(runDir, `unexpected error: ${err.stack ?? err.message}`);
    try {
      journal?.append({
        type: 'warning',
        message: `unexpected error in the engine: ${err.message}`,
      });
    } catch {
      // the journal failed; engine.log has it
    }
  };
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);

  try {
    updateRunRecord(runDir, (r) => {
      r.engine = {
        pid: process.pid,
        procStart: owner.procStart,
        startedAt: owner.startedAt,
        launchedVia: opts.launchedVia ?? 'foreground',
        ...(opts.unit ? { unit: opts.unit } : {}),
      };
    });
    const graceMs = Math.round(record.options.killGraceSeconds * 1000);

    const loaded = loadProfileText(readFileSync(path.join(runDir, RUN_FILES.profile), 'utf8'));
    if (!loaded.profile) {
      throw new Error(`${path.join(runDir, RUN_FILES.profile)} is not a valid profile any more`);
    }
    const profile = loaded.profile;
    const secrets = secretsFromProfile(profile);
    // The journal and the phase logs each redact with their own Redactor; both learn the
    // secrets Genestack generates (kubesecrets.yaml, written by the create-secrets phase) as
    // soon as the file appears or changes, checked at every phase boundary.
    const journalRedactor = new Redactor(secrets);
    const logRedactor = new Redactor(secrets);
    const learnGenestackSecrets = genestackSecretsLearner(profile.genestack.configDir, [
      journalRedactor,
      logRedactor,
    ]);
    learnGenestackSecrets();

    // What a crashed engine left: a torn last line (cut by the writer), running phases.
    let torn: string | null = null;
    try {
      const before = await loadState(runDir);
      const size = statSync(journalPath(runDir)).size;
      if (before.torn) torn = `line ${before.torn.line} (${before.torn.reason})`;
      else if (before.offset < size) {
        torn = `line ${before.lastSeq + 1} (${size - before.offset} bytes without an end of line)`;
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    journal = await JournalWriter.open(runDir, {
      redactor: journalRedactor,
      onError: (e) => engineLog(runDir, `journal: ${e.message}`),
    });
    const j = journal;
    const emit = (ev: JournalEventInput) => {
      if (ev.type === 'phase-started' || ev.type === 'phase-finished') learnGenestackSecrets();
      void j.append(ev);
    };

    const prior = journal.state;
    if (prior.status === 'running') {
      const left = await stopLeftovers(runDir, graceMs);
      const engine = prior.run?.engine;
      emit({
        type: 'run-interrupted',
        reason:
          `the engine${engine ? ` (pid ${engine.pid} on ${engine.host})` : ''} stopped without finishing` +
          ` (killed, or the machine went down)${left.length > 0 ? `; stopped what it left running: ${left.join(', ')}` : ''}`,
      });
    }

    const plan = record.plan;
    emit({
      type: 'run-started',
      runId: record.runId,
      profileName: record.profileName,
      profileHash: record.profileHash,
      plan: {
        phases: plan.phases.map((p) => ({
          id: p.id,
          title: p.title,
          group: p.group,
          needs: p.needs,
          kind: p.kind,
          expectedSeconds: p.expectedSeconds,
          softTimeoutSeconds: p.softTimeoutSeconds,
        })),
      },
      user: owner.user,
      host: os.hostname(),
      pid: process.pid,
    });
    if (torn) {
      emit({
        type: 'warning',
        message: `the journal ended in a torn ${torn}, left by a crash while writing; it was cut off`,
      });
    }
    for (const l of record.recoveredLocks) {
      emit({ type: 'warning', message: `recovered a stale lock ${l.path}: ${l.why}` });
    }

    // Viewers' requests (control/, see controlChannel.ts): those waiting now come first — who
    // started this run takes control, and a failed phase the operator skipped is recorded
    // before the phases to run are chosen, so its dependents run without it.
    const handleRequest = (r: ControlRequest | string, starting: boolean) => {
      if (typeof r === 'string') {
        engineLog(runDir, `ignored a malformed control request: ${r}`);
        return;
      }
      const who = `${r.actor.user}@${r.actor.host} (pid ${r.actor.pid})`;
      switch (r.kind) {
        case 'viewer':
          emit({ type: 'viewer-attached', ...r.actor, mode: r.mode });
          return;
        case 'take-control':
          emit({ type: 'control-taken', ...r.actor });
          return;
        case 'skip': {
          const p = phaseById(j.state, r.phaseId);
          const failed = p && ['failed', 'timed-out', 'aborted'].includes(p.status);
          if (!starting || !failed || !plan.phases.some((x) => x.id === r.phaseId && !x.skipped)) {
            emit({
              type: 'warning',
              message: `ignored ${who}'s request to skip ${r.phaseId}: ${starting ? 'it is not a failed phase of this run' : 'the run is running; a failed phase is skipped when the run has stopped'}`,
            });
            return;
          }
          emit({
            type: 'log',
            phaseId: r.phaseId,
            stream: 'stdout',
            line: `[installer] skipped by ${who}: ${r.reason}`,
          });
          emit({ type: 'phase-finished', phaseId: r.phaseId, status: 'skipped', durationMs: 0 });
          emit({
            type: 'warning',
            phaseId: r.phaseId,
            message: `${r.phaseId} was skipped by ${who}: ${r.reason}; the phases that need it run without it`,
          });
          return;
        }
      }
    };
    for (const t of pendingRequests(runDir)) {
      handleRequest(t.request, true);
      removeRequest(t.file);
    }

    // Phases the profile skips.
    const state0 = journal.state;
    const previouslyConditionSkipped = new Set(record.conditionSkipped);
    const conditionSkipped: string[] = [];
    for (const p of plan.phases) {
      if (!p.skipped) continue;
      conditionSkipped.push(p.id);
      if (phaseById(state0, p.id)?.status === 'skipped') continue;
      emit({
        type: 'log',
        phaseId: p.id,
        stream: 'stdout',
        line: `[installer] skipped: ${p.skipped.reason} (when: ${p.skipped.condition})`,
      });
      emit({ type: 'phase-finished', phaseId: p.id, status: 'skipped', durationMs: 0 });
    }
    updateRunRecord(runDir, (r) => {
      r.recoveredLocks = [];
      r.conditionSkipped = conditionSkipped;
    });

    const isDone = doneFromJournal(
      (id) => phaseById(state0, id)?.status,
      previouslyConditionSkipped,
    );
    const selection = selectPhases(plan, isDone, {
      from: record.options.from,
      only: record.options.only,
    });
    if (selection.done.length > 0) {
      emit({
        type: 'warning',
        message: `${selection.done.length} phase(s) already done are not run again: ${selection.done.join(', ')}`,
      });
    }
    if (selection.notSelected.length > 0) {
      emit({
        type: 'warning',
        message:
          `not run (outside ${record.options.only ? '--only' : '--from'}), and not done: ` +
          selection.notSelected.join(', '),
      });
    }

    const callbackDir = path.join(runDir, RUN_FILES.callback);
    mkdirSync(callbackDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(callbackDir, `${CALLBACK_NAME}.py`), plugin, { mode: 0o600 });

    let kube: KubeClient | null = null;
    const ctx: EngineContext = {
      runDir,
      plan,
      profile,
      profilePath: record.profilePath,
      yes: record.options.yes,
      emit,
      signal: abort.signal,
      graceMs,
      baseEnv: opts.env ?? process.env,
      callbackDir,
      // The kubeconfig the phases get (KUBECONFIG=${kubeconfig}): the profile's, else ~/.kube/config.
      kube: () =>
        (kube ??= KubeClient.fromKubeconfig({
          kubeconfig: kubeconfigTarget(profile, os.homedir()),
        })),
      logRedactor,
      attempts: (id) => phaseById(j.state, id)?.attempt ?? 0,
    };
    const stopWatching = watchRequests(runDir, (r) => handleRequest(r, false));
    let result;
    try {
      result = await runPlan(ctx, {
        selection,
        maxParallel: record.options.maxParallel,
      });
    } finally {
      // Requests after this are not taken: their viewers see the file stay and give up.
      stopWatching();
    }
    if (journalFailure !== null) throw journalFailure;
    emit({ type: 'run-finished', status: result.status });
    const code = exitCodeFor(journal.state, true);
    journal.close();
    journal = null;
    return code;
  } catch (e) {
    const err = e as Error;
    // A journal that cannot be written (the disk is full) is the machine's problem, not a bug:
    // one clear line, no stack; the run is resumed once the cause is fixed.
    engineLog(
      runDir,
      err instanceof JournalWriterError
        ? `stopped: ${err.message}`
        : `internal error: ${err.stack ?? err.message}`,
    );
    if (journal !== null) {
      try {
        journal.append({
          type: 'warning',
          message: `the engine failed: ${err.message} (details in ${RUN_FILES.engineLog})`,
        });
        journal.append({ type: 'run-finished', status: 'failed' });
        journal.close();
      } catch {
        // the journal itself failed
      }
    }
    await stopLeftovers(runDir, 2000).catch(() => []);
    return EXIT.internal;
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
    process.off('unhandledRejection', onStray);
    process.off('uncaughtException', onStray);
    releaseLock(record.locks.state, record.runId);
    releaseLock(record.locks.config, record.runId);
  }
}

/**
 * Reads ${configDir}/kubesecrets.yaml when it exists and has changed since the last call, and
 * adds its secret values to the redactors. A file that cannot be read or parsed yet (being
 * written) is tried again at the next call.
 */
export function genestackSecretsLearner(configDir: string, redactors: readonly Redactor[]) {
  const file = path.join(configDir, 'kubesecrets.yaml');
  let seen: string | undefined;
  return (): void => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    if (text === seen) return;
    let found: string[];
    try {
      found = secretsFromKubesecrets(text);
    } catch {
      return;
    }
    seen = text;
    for (const r of redactors) r.add(found);
  };
}
