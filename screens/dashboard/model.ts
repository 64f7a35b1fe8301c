// What the dashboard shows, as pure functions of RunState (plus the learned durations and the
// clock): phase rows grouped by stage, the progress line with an honest estimate, the heartbeat,
// which panels a phase has. Components only lay these out.
import { GROUP_TITLES } from '../../src/plan/catalog';
import type { PhaseState, RunState } from '../../src/state/runState';
import { phaseTiming, runEstimate, type LearnedDurations } from '../../src/state/timing';
import { safeText } from '../../src/terminal/sanitize';

/** Short durations for narrow columns: 45s, 12m03s, 1h05m. */
export function shortDuration(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

export const STATUS_ICON: Record<PhaseState['status'], string> = {
  pending: '·',
  running: '▶',
  succeeded: '✓',
  failed: '✗',
  'timed-out': '⏱',
  aborted: '■',
  skipped: '↷',
};

export type PhaseListRow =
  | { type: 'group'; key: string; title: string; done: number; total: number }
  | {
      type: 'phase';
      key: string;
      id: string;
      title: string;
      status: PhaseState['status'];
      elapsed: string;
      expected: string | null;
      overdue: boolean;
    };

export function groupTitle(group: string): string {
  return Object.hasOwn(GROUP_TITLES, group)
    ? GROUP_TITLES[group as keyof typeof GROUP_TITLES]
    : safeText(group === '' ? 'Other' : group);
}

const FINISHED = new Set(['succeeded', 'failed', 'timed-out', 'aborted', 'skipped']);

/** Phases in plan order under a header per stage (a new header whenever the stage changes). */
export function phaseListRows(
  state: RunState,
  learned: LearnedDurations,
  now: number,
): PhaseListRow[] {
  const rows: PhaseListRow[] = [];
  let current: Extract<PhaseListRow, { type: 'group' }> | null = null;
  let group: string | null = null;
  for (const p of state.phases) {
    if (current === null || p.group !== group) {
      group = p.group;
      // The row index keeps keys unique when a stage comes back later in the plan.
      current = {
        type: 'group',
        key: `g:${p.group}:${rows.length}`,
        title: groupTitle(p.group),
        done: 0,
        total: 0,
      };
      rows.push(current);
    }
    current.total++;
    if (FINISHED.has(p.status)) current.done++;
    const t = phaseTiming(p, learned, now);
    rows.push({
      type: 'phase',
      key: `p:${p.id}`,
      id: p.id,
      title: safeText(p.title || p.id),
      status: p.status,
      elapsed: p.status === 'pending' || p.status === 'skipped' ? '' : shortDuration(t.elapsedMs),
      expected: t.expectedMs === null ? null : shortDuration(t.expectedMs),
      overdue: t.overdue,
    });
  }
  return rows;
}

export interface ProgressLine {
  done: number;
  total: number;
  /** e.g. "about 25m left (upper bound: ...; 2 phases have no estimate)". */
  estimate: string;
}

/** Progress and an estimate that says how far it can be trusted. */
export function progressLine(
  state: RunState,
  learned: LearnedDurations,
  now: number,
): ProgressLine {
  const e = runEstimate(state, learned, now);
  const notes: string[] = [];
  const remaining = state.phases.filter((p) => p.planned && !FINISHED.has(p.status));
  // Phases that can run side by side (several running now, or one parallel stage with several
  // phases left) make the sum of their times longer than the wall-clock wait.
  const parallel =
    remaining.filter((p) => p.status === 'running').length > 1 || hasParallelStage(remaining);
  if (parallel) notes.push('an upper bound: some phases run in parallel');
  if (e.unknown > 0) {
    notes.push(`${e.unknown} phase${e.unknown === 1 ? ' has' : 's have'} no estimate`);
  }
  let estimate: string;
  if (state.status !== 'running' && state.status !== 'pending') estimate = '';
  else if (e.remainingMs === null) estimate = 'no estimate yet';
  else if (e.unknown > 0 && e.unknown === remaining.length) estimate = 'no estimate';
  else estimate = `about ${shortDuration(e.remainingMs)} left`;
  if (estimate !== '' && notes.length > 0) estimate += ` (${notes.join('; ')})`;
  return { done: e.done, total: e.total, estimate };
}

/** Two phases left whose needs do not chain them: they may run side by side. */
function hasParallelStage(remaining: readonly PhaseState[]): boolean {
  const ids = new Set(remaining.map((p) => p.id));
  const free = remaining.filter((p) => !p.needs.some((n) => ids.has(n)));
  return free.length > 1;
}

/** A text progress bar of `width` cells. */
export function progressBar(done: number, total: number, width: number): string {
  const w = Math.max(4, width);
  const filled = total === 0 ? 0 : Math.round((done / total) * w);
  return '█'.repeat(filled) + '░'.repeat(w - filled);
}

/** Seconds of silence after which the heartbeat turns yellow, then red. */
export const QUIET_WARN_MS = 60_000;
export const QUIET_ALARM_MS = 5 * 60_000;

export interface Heartbeat {
  phaseId: string;
  title: string;
  silentMs: number;
  level: 'ok' | 'quiet' | 'silent';
}

/** Per running phase: time since its last output (a log line or an Ansible event). */
export function heartbeats(state: RunState, now: number): Heartbeat[] {
  return state.phases
    .filter((p) => p.status === 'running')
    .map((p) => {
      const last = Date.parse(p.lastOutputAt ?? p.startedAt ?? '');
      const silentMs = Number.isFinite(last) ? Math.max(0, now - last) : 0;
      return {
        phaseId: p.id,
        title: safeText(p.title || p.id),
        silentMs,
        level: silentMs >= QUIET_ALARM_MS ? 'silent' : silentMs >= QUIET_WARN_MS ? 'quiet' : 'ok',
      };
    });
}

export type PanelId = 'overview' | 'kube' | 'log' | 'summary';

export function isAnsiblePhase(p: PhaseState): boolean {
  return p.ansible !== null || p.kind === 'ansible-playbook' || p.kind === 'ansible';
}

/** Panel titles for the tab bar; the summary tab exists once the run failed or completed. */
export function panelTitles(
  p: PhaseState | undefined,
  state: RunState,
): Record<PanelId, string | null> {
  return {
    overview: p === undefined ? 'Overview' : isAnsiblePhase(p) ? 'Hosts' : 'Checks',
    kube: 'Kubernetes',
    log: 'Log',
    summary:
      state.status === 'failed' || state.status === 'aborted' || state.status === 'interrupted'
        ? 'Failure'
        : state.status === 'succeeded'
          ? 'Summary'
          : null,
  };
}

export const PANEL_ORDER: readonly PanelId[] = ['overview', 'kube', 'log', 'summary'];

/** The phase to show when the viewer has not chosen one: failed, else running, else last done. */
export function defaultPhase(state: RunState): string | undefined {
  const failed = state.phases.find(
    (p) => p.status === 'failed' || p.status === 'timed-out' || p.status === 'aborted',
  );
  if (failed) return failed.id;
  const running = state.phases.find((p) => p.status === 'running');
  if (running) return running.id;
  const done = [...state.phases].reverse().find((p) => p.status !== 'pending');
  return (done ?? state.phases[0])?.id;
}
