// What a pod's status says, in the words an operator needs: ready or not, how often it
// restarted, and the one reason that best explains why it is not ready. Shared by the
// podsReady check and the dashboard's namespace panel.
import type { Event, Pod } from './types';

export interface PodHealth {
  name: string;
  phase: string;
  /** The pod's Ready condition is True. */
  ready: boolean;
  readyContainers: number;
  containers: number;
  restarts: number;
  crashLooping: boolean;
  terminating: boolean;
  /** Short machine-ish reason: CrashLoopBackOff, ImagePullBackOff, Unschedulable, FailedMount ... */
  reason?: string;
  /** The human message that goes with it, when Kubernetes gave one. */
  message?: string;
  node?: string;
}

/** Waiting reasons that mean "stuck", ranked first when a pod has several containers. */
const STUCK = [
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'InvalidImageName',
  'RunContainerError',
];

function eventTime(e: Event): string {
  return e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '';
}

/** The newest Warning event about this pod, if any. */
export function latestWarning(pod: Pod, events: readonly Event[]): Event | undefined {
  const name = pod.metadata?.name;
  const uid = pod.metadata?.uid;
  let best: Event | undefined;
  for (const e of events) {
    const o = e.involvedObject;
    if (e.type !== 'Warning' || o?.kind !== 'Pod' || o.name !== name) continue;
    if (uid && o.uid && o.uid !== uid) continue;
    if (!best || eventTime(e) >= eventTime(best)) best = e;
  }
  return best;
}

export function podHealth(pod: Pod, events: readonly Event[] = []): PodHealth {
  const status = pod.status ?? {};
  const phase = status.phase ?? 'Pending';
  const statuses = status.containerStatuses ?? [];
  const inits = status.initContainerStatuses ?? [];
  const containers = pod.spec?.containers?.length ?? statuses.length;
  const readyContainers = statuses.filter((c) => c.ready).length;
  const restarts = [...inits, ...statuses].reduce((n, c) => n + (c.restartCount ?? 0), 0);
  const conditions = status.conditions ?? [];
  const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  const terminating = Boolean(pod.metadata?.deletionTimestamp);
  const base = {
    name: pod.metadata?.name ?? '',
    phase,
    ready,
    readyContainers,
    containers,
    restarts,
    terminating,
    node: pod.spec?.nodeName,
  };

  const waiting = [...inits, ...statuses]
    .map((c) => ({ c, w: c.state?.waiting }))
    .filter(
      (x) => x.w?.reason && x.w.reason !== 'PodInitializing' && x.w.reason !== 'ContainerCreating',
    );
  waiting.sort((a, b) => rank(a.w!.reason!) - rank(b.w!.reason!));
  const crashLooping = waiting.some((x) => x.w!.reason === 'CrashLoopBackOff');
  const result = (reason?: string, message?: string): PodHealth => ({
    ...base,
    crashLooping,
    reason,
    message: message?.trim() || undefined,
  });

  if (terminating) return result('Terminating');
  if (phase === 'Succeeded') return result('Completed');
  if (phase === 'Failed') return result(status.reason ?? 'Failed', status.message);
  const first = waiting[0];
  if (first) {
    const last = first.c.lastState?.terminated;
    const lastExit = last
      ? `container ${first.c.name} last exited: ${last.reason ?? 'terminated'} (exit code ${last.exitCode})`
      : undefined;
    return result(
      first.w!.reason,
      first.w!.reason === 'CrashLoopBackOff' ? lastExit : (first.w!.message ?? lastExit),
    );
  }
  const terminated = statuses.find((c) => c.state?.terminated && c.state.terminated.exitCode !== 0);
  if (terminated && !ready) {
    const t = terminated.state!.terminated!;
    return result(
      t.reason ?? 'Error',
      `container ${terminated.name} exited with code ${t.exitCode}`,
    );
  }
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False')
    return result(scheduled.reason ?? 'Unschedulable', scheduled.message);
  if (!ready) {
    const warning = latestWarning(pod, events);
    if (warning) return result(warning.reason ?? 'Warning', warning.message);
    const initWaiting = inits.find((c) => !c.ready && c.state?.running);
    if (initWaiting) return result('Init', `init container ${initWaiting.name} is running`);
    const rc = conditions.find((c) => c.type === 'Ready' && c.status === 'False');
    if (rc?.reason) return result(rc.reason, rc.message);
  }
  return result(undefined);
}

function rank(reason: string): number {
  const i = STUCK.indexOf(reason);
  return i < 0 ? STUCK.length : i;
}

/** "pod keystone-api-0: CrashLoopBackOff (restarts 5)" */
export function describePodProblem(h: PodHealth): string {
  const parts = [h.reason ?? h.phase];
  if (h.restarts > 0) parts.push(`(restarts ${h.restarts})`);
  let text = `pod ${h.name}: ${parts.join(' ')}`;
  if (h.message && h.reason !== 'CrashLoopBackOff') text += ` - ${truncate(h.message, 160)}`;
  return text;
}

export function truncate(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length <= n ? one : `${one.slice(0, n - 1)}…`;
}
