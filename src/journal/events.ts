// The journal's event vocabulary. One JSON object per line in <run>/events.jsonl; every event
// carries `seq` (1, 2, 3 ... with no gaps) and `ts` (ISO 8601, assigned by the writer) plus its
// type and data. The reducer in src/state/runState.ts is the only interpreter of these events.
//
// Validation is a hand-written table rather than zod: a 1,000,000-event replay validates every
// line, and a field table checks an event in well under a microsecond. Unknown extra fields are
// accepted (and ignored) so that a newer writer's additions do not break an older reader.

export type PhaseStatus =
  'pending' | 'running' | 'succeeded' | 'failed' | 'timed-out' | 'aborted' | 'skipped';
export type PhaseFinalStatus = Exclude<PhaseStatus, 'pending' | 'running'>;
export type HostResultStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';
export type CheckStatus = 'pending' | 'passing' | 'failing';
export type RunFinalStatus = 'succeeded' | 'failed' | 'aborted';
export type ViewerMode = 'read-only' | 'control';
export type LogStream = 'stdout' | 'stderr';

export const PHASE_FINAL_STATUSES = [
  'succeeded',
  'failed',
  'timed-out',
  'aborted',
  'skipped',
] as const;
export const HOST_RESULT_STATUSES = ['ok', 'changed', 'failed', 'skipped', 'unreachable'] as const;
export const CHECK_STATUSES = ['pending', 'passing', 'failing'] as const;
export const RUN_FINAL_STATUSES = ['succeeded', 'failed', 'aborted'] as const;
export const VIEWER_MODES = ['read-only', 'control'] as const;
export const LOG_STREAMS = ['stdout', 'stderr'] as const;

/** A phase as the plan describes it; the journal copies it so a viewer needs nothing else. */
export interface PlanPhase {
  id: string;
  title: string;
  group: string;
  needs: string[];
  /** e.g. `ansible`, `command`, `check`: tells the dashboard which panel fits. */
  kind: string;
  /** The catalog's expected duration; absent in journals written before it was recorded. */
  expectedSeconds?: number;
  /** Past this the dashboard says "taking longer than expected". */
  softTimeoutSeconds?: number;
}

export interface RunPlan {
  phases: PlanPhase[];
}

export interface HostStats {
  ok: number;
  changed: number;
  failures: number;
  skipped: number;
  unreachable: number;
  rescued?: number;
  ignored?: number;
}

/** Who runs a process: the engine itself, a viewer, the one taking control. */
export interface Actor {
  user: string;
  host: string;
  pid: number;
}

export interface RunStartedInput extends Actor {
  type: 'run-started';
  runId: string;
  profileName: string;
  profileHash: string;
  plan: RunPlan;
}
export interface PhaseStartedInput {
  type: 'phase-started';
  phaseId: string;
  attempt: number;
  argv: string[];
  cwd: string;
}
export interface LogInput {
  type: 'log';
  phaseId: string;
  stream: LogStream;
  line: string;
}
export interface AnsiblePlaybookStartedInput {
  type: 'ansible-playbook-started';
  phaseId: string;
  playbook?: string;
}
export interface AnsiblePlayStartedInput {
  type: 'ansible-play-started';
  phaseId: string;
  name: string;
  /** Hosts the play targets, when the callback could resolve them. */
  hosts?: string[];
}
export interface AnsibleTaskStartedInput {
  type: 'ansible-task-started';
  phaseId: string;
  play: string;
  task: string;
  taskIndex?: number;
}
export interface AnsibleHostResultInput {
  type: 'ansible-host-result';
  phaseId: string;
  host: string;
  task: string;
  status: HostResultStatus;
  msg?: string;
  stderr?: string;
  /** A failure under `ignore_errors`: counted, but not the host's first error. */
  ignored?: boolean;
  /** An ignored failure that changed something (Ansible counts it as changed too). */
  changed?: boolean;
}
export interface AnsibleStatsInput {
  type: 'ansible-stats';
  phaseId: string;
  hosts: Record<string, HostStats>;
}
export interface CheckStatusInput {
  type: 'check-status';
  phaseId: string;
  check: string;
  status: CheckStatus;
  detail?: string;
}
export interface PhaseFinishedInput {
  type: 'phase-finished';
  phaseId: string;
  status: PhaseFinalStatus;
  exitCode?: number;
  durationMs: number;
}
export interface WarningInput {
  type: 'warning';
  phaseId?: string;
  message: string;
}
export interface RunFinishedInput {
  type: 'run-finished';
  status: RunFinalStatus;
}
export interface RunInterruptedInput {
  type: 'run-interrupted';
  reason: string;
}
export interface ViewerAttachedInput extends Actor {
  type: 'viewer-attached';
  mode: ViewerMode;
}
export interface ControlTakenInput extends Actor {
  type: 'control-taken';
}

/** An event as the engine hands it to the writer: no `seq`/`ts` yet. */
export type JournalEventInput =
  | RunStartedInput
  | PhaseStartedInput
  | LogInput
  | AnsiblePlaybookStartedInput
  | AnsiblePlayStartedInput
  | AnsibleTaskStartedInput
  | AnsibleHostResultInput
  | AnsibleStatsInput
  | CheckStatusInput
  | PhaseFinishedInput
  | WarningInput
  | RunFinishedInput
  | RunInterruptedInput
  | ViewerAttachedInput
  | ControlTakenInput;

export interface EventStamp {
  /** 1-based, consecutive, assigned by the writer. */
  seq: number;
  /** ISO 8601 UTC time the writer accepted the event. */
  ts: string;
}

/** An event as stored in the journal. */
export type JournalEvent = JournalEventInput & EventStamp;
export type EventType = JournalEventInput['type'];
export type EventOfType<T extends EventType> = Extract<JournalEvent, { type: T }>;

/** Events after which the writer calls fdatasync: losing them would misstate the run. */
export const BOUNDARY_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'run-started',
  'phase-started',
  'phase-finished',
  'run-finished',
  'run-interrupted',
  'control-taken',
]);

// ---- validation -------------------------------------------------------------------------------

type Check = (v: unknown) => boolean;

const str: Check = (v) => typeof v === 'string';
const int: Check = (v) => typeof v === 'number' && Number.isInteger(v);
const num: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const bool: Check = (v) => typeof v === 'boolean';
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v);
const strArray: Check = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const planPhase: Check = (v) =>
  isObject(v) && str(v.id) && str(v.title) && str(v.group) && strArray(v.needs) && str(v.kind);
const plan: Check = (v) => isObject(v) && Array.isArray(v.phases) && v.phases.every(planPhase);
const optInt = (v: unknown) => v === undefined || int(v);
const hostStats: Check = (v) =>
  isObject(v) &&
  int(v.ok) &&
  int(v.changed) &&
  int(v.failures) &&
  int(v.skipped) &&
  int(v.unreachable) &&
  optInt(v.rescued) &&
  optInt(v.ignored);
const hostStatsMap: Check = (v) => isObject(v) && Object.values(v).every(hostStats);

/** Field -> check; a `?` suffix on the field name makes it optional. */
const SPECS: Record<EventType, Record<string, Check>> = {
  'run-started': {
    runId: str,
    profileName: str,
    profileHash: str,
    plan,
    user: str,
    host: str,
    pid: int,
  },
  'phase-started': { phaseId: str, attempt: int, argv: strArray, cwd: str },
  log: { phaseId: str, stream: oneOf(LOG_STREAMS), line: str },
  'ansible-playbook-started': { phaseId: str, 'playbook?': str },
  'ansible-play-started': { phaseId: str, name: str, 'hosts?': strArray },
  'ansible-task-started': { phaseId: str, play: str, task: str, 'taskIndex?': int },
  'ansible-host-result': {
    phaseId: str,
    host: str,
    task: str,
    status: oneOf(HOST_RESULT_STATUSES),
    'msg?': str,
    'stderr?': str,
    'ignored?': bool,
    'changed?': bool,
  },
  'ansible-stats': { phaseId: str, hosts: hostStatsMap },
  'check-status': { phaseId: str, check: str, status: oneOf(CHECK_STATUSES), 'detail?': str },
  'phase-finished': {
    phaseId: str,
    status: oneOf(PHASE_FINAL_STATUSES),
    'exitCode?': int,
    durationMs: num,
  },
  warning: { 'phaseId?': str, message: str },
  'run-finished': { status: oneOf(RUN_FINAL_STATUSES) },
  'run-interrupted': { reason: str },
  'viewer-attached': { user: str, host: str, pid: int, mode: oneOf(VIEWER_MODES) },
  'control-taken': { user: str, host: str, pid: int },
};

interface CompiledField {
  name: string;
  optional: boolean;
  check: Check;
}

const COMPILED = new Map<string, CompiledField[]>(
  Object.entries(SPECS).map(([type, fields]) => [
    type,
    Object.entries(fields).map(([key, check]) => ({
      name: key.endsWith('?') ? key.slice(0, -1) : key,
      optional: key.endsWith('?'),
      check,
    })),
  ]),
);

export const EVENT_TYPES = Object.keys(SPECS) as EventType[];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && COMPILED.has(value);
}

function checkFields(value: Record<string, unknown>, type: string): string | null {
  const fields = COMPILED.get(type);
  if (fields === undefined) return `unknown event type ${JSON.stringify(type)}`;
  for (const f of fields) {
    const v = value[f.name];
    if (v === undefined) {
      if (f.optional) continue;
      return `${type}: missing field "${f.name}"`;
    }
    if (!f.check(v)) return `${type}: invalid field "${f.name}"`;
  }
  return null;
}

/** Why `value` is not a stored journal event, or null when it is one. */
export function eventProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not a JSON object';
  if (!int(value.seq) || (value.seq as number) < 1) return 'missing or invalid "seq"';
  if (!str(value.ts)) return 'missing or invalid "ts"';
  if (!str(value.type)) return 'missing or invalid "type"';
  return checkFields(value, value.type as string);
}

/** Why `value` is not a valid event to append (before seq/ts), or null. */
export function eventInputProblem(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  if (!str(value.type)) return 'missing or invalid "type"';
  return checkFields(value, value.type as string);
}

export function isJournalEvent(value: unknown): value is JournalEvent {
  return eventProblem(value) === null;
}
