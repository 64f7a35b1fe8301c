// The pure reducer: journal events -> RunState. Every viewer (dashboard, status, plain, --json,
// attach, snapshots) derives what it shows from this one function, so a live view and a view
// attached an hour later are the same.
//
// Purity and speed. `reduce(state, event)` never changes `state`: it returns a new RunState that
// shares every unchanged part with the old one (a phase, a host, a log tail is a new object
// only if the event changed it), so UI components can compare by reference. Internally the
// work is done on a draft: the first write to an object in a batch copies it and marks the copy
// as owned by the batch; later writes in the same batch mutate the copy in place. Replaying a
// batch of 1,000,000 events therefore copies each touched object once, not once per event.
// RunStateBuilder exposes the same mechanism for streams of events (replay, follow, writer).
//
// RunState holds only plain objects, arrays, strings, numbers, booleans and null, so it is
// JSON-serialisable for snapshots; `null` rather than absent fields keeps a state read back
// from JSON identical to the one written.
import type {
  Actor,
  CheckStatus,
  HostStats,
  JournalEvent,
  JournalEventInput,
  LogStream,
  PhaseStatus,
  PlanPhase,
  RunPlan,
  ViewerMode,
} from '../journal/events';

/** Bumped when RunState's shape changes; snapshots of another format are not used. */
export const RUN_STATE_FORMAT = 1;
/** Log lines kept per phase (and attempt history shares it): bounded whatever the run length. */
export const LOG_TAIL_LINES = 200;
export const MAX_WARNINGS = 200;
export const MAX_VIEWERS = 50;
export const MAX_INTERRUPTIONS = 20;
/** Length kept of a host's first error message and stderr. */
export const MAX_ERROR_TEXT = 4096;

export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'aborted' | 'interrupted';

export interface LogLine {
  seq: number;
  stream: LogStream;
  line: string;
}

export interface HostError {
  seq: number;
  task: string;
  status: 'failed' | 'unreachable';
  msg: string;
  stderr: string | null;
}

export interface HostState {
  /**
   * Counted as Ansible's recap counts, so the live matrix ends equal to PLAY RECAP: a changed
   * result is also ok; an ignored failure is ok and ignored (and changed if it changed).
   */
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  /** Failures under ignore_errors (also counted in ok). */
  ignored: number;
  /** The task the host runs now, or ran last; null once it has dropped out of the playbook. */
  currentTask: string | null;
  /** False after a fatal failure or unreachable: Ansible runs no more tasks on it. */
  active: boolean;
  firstError: HostError | null;
}

export interface AnsibleState {
  playbook: string | null;
  play: string | null;
  task: string | null;
  taskIndex: number | null;
  tasksStarted: number;
  hosts: Record<string, HostState>;
  /** The final PLAY RECAP, once the playbook ends. */
  recap: Record<string, HostStats> | null;
}

export interface CheckState {
  status: CheckStatus;
  detail: string | null;
  at: string;
}

export interface PhaseState extends PlanPhase {
  /** False for a phase the journal mentions but the plan does not list. */
  planned: boolean;
  status: PhaseStatus;
  /** 0 until the phase first starts; 2, 3 ... when re-run by a resume or a retry. */
  attempt: number;
  argv: string[];
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  checks: Record<string, CheckState>;
  /** Time of the last log line or Ansible event: the dashboard's heartbeat. */
  lastOutputAt: string | null;
  /** The last LOG_TAIL_LINES lines, oldest first. */
  logTail: LogLine[];
  /** All lines ever logged by the phase (the tail holds only the last ones). */
  logLines: number;
  warningCount: number;
  /** Progress of the current attempt when the phase runs Ansible; null otherwise. */
  ansible: AnsibleState | null;
}

export interface RunInfo {
  runId: string;
  profileName: string;
  profileHash: string;
  /** The engine process (the latest one after a resume). */
  engine: Actor;
}

export interface WarningEntry {
  seq: number;
  ts: string;
  phaseId: string | null;
  message: string;
}

export interface ViewerEntry extends Actor {
  mode: ViewerMode;
  at: string;
}

export interface ControllerState extends Actor {
  since: string;
}

export interface Interruption {
  seq: number;
  at: string;
  reason: string;
}

export interface RunState {
  run: RunInfo | null;
  /** `pending` until run-started. */
  status: RunStatus;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** In plan order; phases outside the plan follow, in order of first mention. */
  phases: PhaseState[];
  /** Phase id -> index in `phases`. */
  phaseIndex: Record<string, number>;
  /** The last MAX_WARNINGS warnings. */
  warnings: WarningEntry[];
  warningCount: number;
  controller: ControllerState | null;
  /** The last MAX_VIEWERS attachments. */
  viewers: ViewerEntry[];
  interruptions: Interruption[];
  /** How many times the run was resumed (a run-started after the first). */
  resumes: number;
  lastSeq: number;
  lastEventAt: string | null;
  eventCount: number;
}

export function initialRunState(): RunState {
  return {
    run: null,
    status: 'pending',
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    phases: [],
    phaseIndex: {},
    warnings: [],
    warningCount: 0,
    controller: null,
    viewers: [],
    interruptions: [],
    resumes: 0,
    lastSeq: 0,
    lastEventAt: null,
    eventCount: 0,
  };
}

// ---- draft machinery ----------------------------------------------------------------------------

// Keys come from the journal (host names, check names): never let one be `__proto__`'s setter.
function getOwn<T>(obj: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}
function putOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}
function copyStats(hosts: Record<string, HostStats>): Record<string, HostStats> {
  const out: Record<string, HostStats> = {};
  for (const key of Object.keys(hosts)) putOwn(out, key, { ...hosts[key]! });
  return out;
}

/**
 * Applies events to a state without ever changing an object it did not create: each object is
 * copied on its first write since the last `state` read, then mutated in place.
 */
export class RunStateBuilder {
  private root: RunState;
  private owned = new Set<object>();

  constructor(initial: RunState = initialRunState()) {
    this.root = initial;
  }

  /** The current state. Later applies copy again what they change, so it stays as returned. */
  get state(): RunState {
    this.owned = new Set();
    return this.root;
  }

  /** Read-only view of the current state, without sealing it (for cheap checks like lastSeq). */
  peek(): RunState {
    return this.root;
  }

  applyAll(events: Iterable<JournalEvent>): void {
    for (const e of events) this.apply(e);
  }

  private w<T extends object>(obj: T): T {
    if (this.owned.has(obj)) return obj;
    // Spread defines own properties, so a host named `__proto__` survives the copy.
    const copy = (Array.isArray(obj) ? obj.slice() : { ...obj }) as T;
    this.owned.add(copy);
    return copy;
  }

  private writableRoot(): RunState {
    const r = this.w(this.root);
    this.root = r;
    return r;
  }

  /** The phase, writable, created (unplanned) when the plan does not list it. */
  private phase(s: RunState, id: string): PhaseState {
    const i = getOwn(s.phaseIndex, id);
    s.phases = this.w(s.phases);
    if (i === undefined) {
      const p = newPhase({ id, title: id, group: '', needs: [], kind: 'unknown' }, false);
      this.owned.add(p);
      s.phaseIndex = this.w(s.phaseIndex);
      putOwn(s.phaseIndex, id, s.phases.length);
      s.phases.push(p);
      return p;
    }
    const p = this.w(s.phases[i]!);
    s.phases[i] = p;
    return p;
  }

  private ansible(p: PhaseState): AnsibleState {
    if (p.ansible === null) {
      const a: AnsibleState = {
        playbook: null,
        play: null,
        task: null,
        taskIndex: null,
        tasksStarted: 0,
        hosts: {},
        recap: null,
      };
      this.owned.add(a);
      this.owned.add(a.hosts);
      p.ansible = a;
      return a;
    }
    const a = this.w(p.ansible);
    p.ansible = a;
    return a;
  }

  private host(a: AnsibleState, name: string): HostState {
    a.hosts = this.w(a.hosts);
    const h = getOwn(a.hosts, name);
    if (h === undefined) {
      const created: HostState = {
        ok: 0,
        changed: 0,
        failed: 0,
        skipped: 0,
        unreachable: 0,
        ignored: 0,
        currentTask: a.task,
        active: true,
        firstError: null,
      };
      this.owned.add(created);
      putOwn(a.hosts, name, created);
      return created;
    }
    const copy = this.w(h);
    if (copy !== h) putOwn(a.hosts, name, copy);
    return copy;
  }

  /** Ends every running phase: the run is over, whatever the engine managed to record. */
  private stopRunning(s: RunState, ts: string): void {
    for (let i = 0; i < s.phases.length; i++) {
      if (s.phases[i]!.status !== 'running') continue;
      s.phases = this.w(s.phases);
      const p = this.w(s.phases[i]!);
      s.phases[i] = p;
      p.status = 'aborted';
      p.finishedAt = ts;
      if (p.startedAt !== null) p.durationMs = msBetween(p.startedAt, ts);
    }
  }

  apply(e: JournalEvent): void {
    this.applyStamped(e, e.seq, e.ts);
  }

  /**
   * Applies an event given apart from its stamp: the writer reduces what it writes without
   * building a second object per event.
   */
  applyStamped(e: JournalEventInput, seq: number, ts: string): void {
    if (seq <= this.root.lastSeq) return; // already applied (snapshot overlap, duplicate batch)
    const s = this.writableRoot();
    s.lastSeq = seq;
    s.lastEventAt = ts;
    s.eventCount++;

    switch (e.type) {
      case 'log': {
        const p = this.phase(s, e.phaseId);
        p.lastOutputAt = ts;
        p.logLines++;
        const tail = this.w(p.logTail);
        p.logTail = tail;
        tail.push({ seq: seq, stream: e.stream, line: e.line });
        if (tail.length > LOG_TAIL_LINES) tail.shift();
        return;
      }
      case 'ansible-host-result': {
        const p = this.phase(s, e.phaseId);
        p.lastOutputAt = ts;
        const h = this.host(this.ansible(p), e.host);
        h.currentTask = h.active ? e.task : h.currentTask;
        switch (e.status) {
          case 'ok':
            h.ok++;
            break;
          case 'changed':
            h.ok++;
            h.changed++;
            break;
          case 'skipped':
            h.skipped++;
            break;
          case 'failed':
            if (e.ignored === true) {
              // As Ansible's recap: an ignored failure is ok, ignored, and changed if it was.
              h.ok++;
              h.ignored++;
              if (e.changed === true) h.changed++;
              break;
            }
            h.failed++;
            h.active = false;
            h.currentTask = null;
            h.firstError ??= hostError(seq, e.task, 'failed', e.msg, e.stderr);
            break;
          case 'unreachable':
            h.unreachable++;
            h.active = false;
            h.currentTask = null;
            h.firstError ??= hostError(seq, e.task, 'unreachable', e.msg, e.stderr);
            break;
        }
        return;
      }
      case 'ansible-task-started': {
        const p = this.phase(s, e.phaseId);
        p.lastOutputAt = ts;
        const a = this.ansible(p);
        a.play = e.play;
        a.task = e.task;
        a.taskIndex = e.taskIndex ?? null;
        a.tasksStarted++;
        // Linear strategy: every host still in the play now runs this task.
        for (const name of Object.keys(a.hosts)) {
          const h = a.hosts[name]!;
          if (h.active && h.currentTask !== e.task) this.host(a, name).currentTask = e.task;
        }
        return;
      }
      case 'ansible-playbook-started': {
        const p = this.phase(s, e.phaseId);
        p.lastOutputAt = ts;
        this.ansible(p).playbook = e.playbook ?? null;
        return;
      }
      case 'ansible-play-started': {
        const p = this.phase(s, e.phaseId);
        p.lastOutputAt = ts;
        const a = this.ansible(p);
        a.play = e.name;
        a.task = null;
        a.taskIndex = null;
        for (const name of e.hosts ?? []) this.host(a, name);
        return;
      }
      case 'ansible-stats': {
        const p = this.phase(s, e.phaseId);
        p.lastOutputAt = ts;
        const a = this.ansible(p);
        a.recap = copyStats(e.hosts);
        a.task = null;
        return;
      }
      case 'check-status': {
        const p = this.phase(s, e.phaseId);
        p.checks = this.w(p.checks);
        putOwn(p.checks, e.check, { status: e.status, detail: e.detail ?? null, at: ts });
        return;
      }
      case 'phase-started': {
        const p = this.phase(s, e.phaseId);
        p.status = 'running';
        p.attempt = e.attempt;
        p.argv = [...e.argv];
        p.startedAt = ts;
        p.finishedAt = null;
        p.durationMs = null;
        p.exitCode = null;
        p.checks = {};
        p.lastOutputAt = ts;
        p.ansible = null;
        return;
      }
      case 'phase-finished': {
        const p = this.phase(s, e.phaseId);
        p.status = e.status;
        p.exitCode = e.exitCode ?? null;
        p.durationMs = e.durationMs;
        p.finishedAt = ts;
        if (p.ansible !== null) {
          const a = this.ansible(p);
          a.task = null;
        }
        return;
      }
      case 'warning': {
        s.warningCount++;
        s.warnings = pushBounded(this.w(s.warnings), MAX_WARNINGS, {
          seq: seq,
          ts: ts,
          phaseId: e.phaseId ?? null,
          message: e.message,
        });
        if (e.phaseId !== undefined) this.phase(s, e.phaseId).warningCount++;
        return;
      }
      case 'run-started': {
        const engine: Actor = { user: e.user, host: e.host, pid: e.pid };
        if (s.run !== null) s.resumes++;
        else s.startedAt = ts;
        s.run = {
          runId: e.runId,
          profileName: e.profileName,
          profileHash: e.profileHash,
          engine,
        };
        s.status = 'running';
        s.finishedAt = null;
        s.durationMs = null;
        this.mergePlan(s, e.plan);
        return;
      }
      case 'run-finished': {
        this.stopRunning(s, ts);
        s.status = e.status;
        s.finishedAt = ts;
        s.durationMs = s.startedAt === null ? null : msBetween(s.startedAt, ts);
        return;
      }
      case 'run-interrupted': {
        this.stopRunning(s, ts);
        s.status = 'interrupted';
        s.finishedAt = ts;
        s.durationMs = s.startedAt === null ? null : msBetween(s.startedAt, ts);
        s.interruptions = pushBounded(this.w(s.interruptions), MAX_INTERRUPTIONS, {
          seq: seq,
          at: ts,
          reason: e.reason,
        });
        return;
      }
      case 'viewer-attached': {
        s.viewers = pushBounded(this.w(s.viewers), MAX_VIEWERS, {
          user: e.user,
          host: e.host,
          pid: e.pid,
          mode: e.mode,
          at: ts,
        });
        if (e.mode === 'control')
          s.controller = { user: e.user, host: e.host, pid: e.pid, since: ts };
        return;
      }
      case 'control-taken': {
        s.controller = { user: e.user, host: e.host, pid: e.pid, since: ts };
        return;
      }
      default: {
        const unknown: never = e;
        void unknown;
      }
    }
  }

  /** Phases in plan order; phases already known keep their progress (resume). */
  private mergePlan(s: RunState, plan: RunPlan): void {
    const byId = new Map(s.phases.map((p) => [p.id, p]));
    const phases: PhaseState[] = [];
    const index: Record<string, number> = {};
    for (const spec of plan.phases) {
      if (getOwn(index, spec.id) !== undefined) continue;
      const old = byId.get(spec.id);
      let p: PhaseState;
      if (old === undefined) {
        p = newPhase(spec, true);
      } else if (!old.planned || !samePlanFields(old, spec)) {
        p = { ...old, ...planFields(spec), planned: true };
      } else {
        p = old;
      }
      byId.delete(spec.id);
      putOwn(index, spec.id, phases.length);
      phases.push(p);
    }
    for (const p of byId.values()) {
      putOwn(index, p.id, phases.length);
      phases.push(p);
    }
    this.owned.add(phases);
    this.owned.add(index);
    s.phases = phases;
    s.phaseIndex = index;
  }
}

function planFields(spec: PlanPhase): PlanPhase {
  return {
    id: spec.id,
    title: spec.title,
    group: spec.group,
    needs: [...spec.needs],
    kind: spec.kind,
    // Only when known, so a state read back from a snapshot (JSON) equals the one written.
    ...(typeof spec.expectedSeconds === 'number' ? { expectedSeconds: spec.expectedSeconds } : {}),
    ...(typeof spec.softTimeoutSeconds === 'number'
      ? { softTimeoutSeconds: spec.softTimeoutSeconds }
      : {}),
  };
}

function samePlanFields(p: PlanPhase, spec: PlanPhase): boolean {
  return (
    p.title === spec.title &&
    p.group === spec.group &&
    p.kind === spec.kind &&
    p.expectedSeconds === spec.expectedSeconds &&
    p.softTimeoutSeconds === spec.softTimeoutSeconds &&
    p.needs.length === spec.needs.length &&
    p.needs.every((n, i) => n === spec.needs[i])
  );
}

function newPhase(spec: PlanPhase, planned: boolean): PhaseState {
  return {
    ...planFields(spec),
    planned,
    status: 'pending',
    attempt: 0,
    argv: [],
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    exitCode: null,
    checks: {},
    lastOutputAt: null,
    logTail: [],
    logLines: 0,
    warningCount: 0,
    ansible: null,
  };
}

function hostError(
  seq: number,
  task: string,
  status: 'failed' | 'unreachable',
  msg: string | undefined,
  stderr: string | undefined,
): HostError {
  return {
    seq,
    task,
    status,
    msg: clip(msg ?? ''),
    stderr: stderr === undefined || stderr === '' ? null : clip(stderr),
  };
}

function clip(text: string): string {
  return text.length <= MAX_ERROR_TEXT ? text : `${text.slice(0, MAX_ERROR_TEXT)}…`;
}

function pushBounded<T>(arr: T[], max: number, item: T): T[] {
  arr.push(item);
  if (arr.length > max) arr.splice(0, arr.length - max);
  return arr;
}

function msBetween(from: string, to: string): number | null {
  const d = Date.parse(to) - Date.parse(from);
  return Number.isFinite(d) ? Math.max(0, d) : null;
}

// ---- the pure API ---------------------------------------------------------------------------

/** The state after `event`; `state` is left unchanged and unchanged parts are shared. */
export function reduce(state: RunState, event: JournalEvent): RunState {
  const b = new RunStateBuilder(state);
  b.apply(event);
  return b.state;
}

/** The state after all `events`, in one batch (each touched object is copied once). */
export function reduceAll(state: RunState, events: Iterable<JournalEvent>): RunState {
  const b = new RunStateBuilder(state);
  b.applyAll(events);
  return b.state;
}

export function replay(events: Iterable<JournalEvent>): RunState {
  return reduceAll(initialRunState(), events);
}

// ---- selectors ----------------------------------------------------------------------------------

export function phaseById(state: RunState, id: string): PhaseState | undefined {
  const i = getOwn(state.phaseIndex, id);
  return i === undefined ? undefined : state.phases[i];
}

export function runningPhases(state: RunState): PhaseState[] {
  return state.phases.filter((p) => p.status === 'running');
}

/** The first phase that failed, timed out or was aborted, if any. */
export function firstFailedPhase(state: RunState): PhaseState | undefined {
  return state.phases.find(
    (p) => p.status === 'failed' || p.status === 'timed-out' || p.status === 'aborted',
  );
}
