// The live model behind the dashboard's namespace panel: pods (ready x/y, restarts, crash
// loops, why a pod is pending), jobs, Helm releases, and whether the API is reachable.
// The model is a pure function of informer caches (buildNamespaceModel); NamespaceView only
// keeps the informers and tells its listener when the model may have changed.
import type { KubeClient } from './client';
import { latestHelmRevision } from './evaluate';
import {
  InformerPool,
  combineConnection,
  type ConnectionState,
  type InformerOptions,
  type Lease,
} from './informer';
import { podHealth } from './podStatus';
import { EVENTS, JOBS, PODS, SECRETS } from './resources';
import type { Event, Job, Pod, Secret } from './types';

export type PodState =
  'crashloop' | 'failed' | 'pending' | 'running' | 'ready' | 'completed' | 'terminating';

export interface PodRow {
  name: string;
  state: PodState;
  phase: string;
  /** Containers ready / containers. */
  ready: number;
  total: number;
  restarts: number;
  /** Why it is not ready: CrashLoopBackOff, Unschedulable, FailedMount ... */
  reason?: string;
  message?: string;
  node?: string;
  createdAt?: string;
}

export type JobState = 'failed' | 'running' | 'pending' | 'complete';

export interface JobRow {
  name: string;
  state: JobState;
  succeeded: number;
  failed: number;
  active: number;
  completions: number;
  reason?: string;
  message?: string;
}

export interface ReleaseRow {
  name: string;
  revision: number;
  /** deployed, failed, pending-install, pending-upgrade, superseded ... */
  status: string;
  /** Epoch ms from Helm's modifiedAt label, when present. */
  modifiedAt?: number;
}

export interface NamespaceModel {
  namespace: string;
  /** False until pods, jobs and releases have each been listed once. */
  synced: boolean;
  pods: PodRow[];
  jobs: JobRow[];
  releases: ReleaseRow[];
  totals: {
    pods: number;
    ready: number;
    crashLooping: number;
    pending: number;
    failed: number;
  };
  connection: ConnectionState;
}

const POD_ORDER: Record<PodState, number> = {
  crashloop: 0,
  failed: 1,
  pending: 2,
  running: 3,
  terminating: 4,
  ready: 5,
  completed: 6,
};

export function podRow(pod: Pod, events: readonly Event[] = []): PodRow {
  const h = podHealth(pod, events);
  let state: PodState;
  if (h.terminating) state = 'terminating';
  else if (h.phase === 'Succeeded') state = 'completed';
  else if (h.phase === 'Failed') state = 'failed';
  else if (h.crashLooping) state = 'crashloop';
  else if (h.ready) state = 'ready';
  else if (h.phase === 'Pending') state = 'pending';
  else state = 'running';
  return {
    name: h.name,
    state,
    phase: h.phase,
    ready: h.readyContainers,
    total: h.containers,
    restarts: h.restarts,
    reason: state === 'ready' || state === 'completed' ? undefined : h.reason,
    message: state === 'ready' || state === 'completed' ? undefined : h.message,
    node: h.node,
    createdAt: pod.metadata?.creationTimestamp,
  };
}

export function jobRow(job: Job): JobRow {
  const s = job.status ?? {};
  const cond = (type: string) => s.conditions?.find((c) => c.type === type && c.status === 'True');
  const failedC = cond('Failed');
  const complete = cond('Complete');
  const active = s.active ?? 0;
  const state: JobState = complete
    ? 'complete'
    : failedC
      ? 'failed'
      : active > 0
        ? 'running'
        : 'pending';
  return {
    name: job.metadata?.name ?? '',
    state,
    succeeded: s.succeeded ?? 0,
    failed: s.failed ?? 0,
    active,
    completions: job.spec?.completions ?? 1,
    reason: failedC?.reason,
    message: failedC?.message,
  };
}

/** One row per release: its newest revision's status (Helm keeps older ones as superseded). */
export function helmReleases(secrets: readonly Pick<Secret, 'metadata'>[]): ReleaseRow[] {
  const names = new Set<string>();
  for (const s of secrets) {
    const l = s.metadata?.labels;
    if (l?.owner === 'helm' && l.name) names.add(l.name);
  }
  return [...names].sort().flatMap((name) => {
    const latest = latestHelmRevision(secrets, name);
    if (!latest) return [];
    const secret = secrets.find((s) => s.metadata?.name === latest.secret);
    const modified = Number(secret?.metadata?.labels?.modifiedAt);
    return [
      {
        name,
        revision: latest.version,
        status: latest.status,
        modifiedAt: Number.isFinite(modified) && modified > 0 ? modified * 1000 : undefined,
      },
    ];
  });
}

export interface NamespaceInput {
  namespace: string;
  pods: readonly Pod[];
  jobs: readonly Job[];
  secrets: readonly Pick<Secret, 'metadata'>[];
  events: readonly Event[];
  connection: ConnectionState;
  synced: boolean;
}

export function buildNamespaceModel(input: NamespaceInput): NamespaceModel {
  const inNs = <T extends { metadata?: { namespace?: string } }>(xs: readonly T[]): T[] =>
    xs.filter((x) => x.metadata?.namespace === input.namespace);
  const events = inNs(input.events);
  const pods = inNs(input.pods)
    .map((p) => podRow(p, events))
    .sort((a, b) => POD_ORDER[a.state] - POD_ORDER[b.state] || a.name.localeCompare(b.name));
  const jobs = inNs(input.jobs)
    .map(jobRow)
    .sort((a, b) => a.name.localeCompare(b.name));
  const live = pods.filter((p) => p.state !== 'completed');
  return {
    namespace: input.namespace,
    synced: input.synced,
    pods,
    jobs,
    releases: helmReleases(inNs(input.secrets)),
    totals: {
      pods: live.length,
      ready: live.filter((p) => p.state === 'ready').length,
      crashLooping: live.filter((p) => p.state === 'crashloop').length,
      pending: live.filter((p) => p.state === 'pending').length,
      failed: live.filter((p) => p.state === 'failed').length,
    },
    connection: input.connection,
  };
}

export interface NamespaceViewOptions {
  informer?: InformerOptions;
}

/** Keeps a namespace's informers and rebuilds the model when they change. */
export class NamespaceView {
  private readonly pool: InformerPool;
  private readonly ownsPool: boolean;
  private leases:
    | {
        pods: Lease<Pod>;
        jobs: Lease<Job>;
        secrets: Lease<Secret>;
        events: Lease<Event>;
      }
    | undefined;
  private offs: (() => void)[] = [];
  private readonly listeners = new Set<(model: NamespaceModel) => void>();
  private model: NamespaceModel | undefined;
  private queued = false;

  constructor(
    source: KubeClient | InformerPool,
    readonly namespace: string,
    opts: NamespaceViewOptions = {},
  ) {
    this.ownsPool = !(source instanceof InformerPool);
    this.pool = source instanceof InformerPool ? source : new InformerPool(source, opts.informer);
  }

  start(): this {
    if (this.leases) return this;
    const namespace = this.namespace;
    this.leases = {
      pods: this.pool.acquire<Pod>({ type: PODS, namespace }),
      jobs: this.pool.acquire<Job>({ type: JOBS, namespace }),
      secrets: this.pool.acquire<Secret>({
        type: SECRETS,
        namespace,
        labelSelector: 'owner=helm',
        metadataOnly: true,
      }),
      events: this.pool.acquire<Event>({ type: EVENTS, namespace }),
    };
    for (const l of Object.values(this.leases)) {
      this.offs.push(
        l.informer.on((e) => {
          if (e.type !== 'BOOKMARK') this.changed();
        }),
      );
    }
    this.changed();
    return this;
  }

  async stop(): Promise<void> {
    for (const off of this.offs) off();
    this.offs = [];
    if (this.leases) for (const l of Object.values(this.leases)) l.release();
    this.leases = undefined;
    this.listeners.clear();
    if (this.ownsPool) await this.pool.stop();
  }

  /** The current model (rebuilt only after a change). */
  snapshot(): NamespaceModel {
    if (this.model) return this.model;
    const l = this.leases;
    const informers = l ? [l.pods, l.jobs, l.secrets, l.events].map((x) => x.informer) : [];
    this.model = buildNamespaceModel({
      namespace: this.namespace,
      pods: l?.pods.informer.list() ?? [],
      jobs: l?.jobs.informer.list() ?? [],
      secrets: l?.secrets.informer.list() ?? [],
      events: l?.events.informer.list() ?? [],
      connection: combineConnection(informers.map((i) => i.connection)),
      synced: l ? [l.pods, l.jobs, l.secrets].every((x) => x.informer.synced) : false,
    });
    return this.model;
  }

  /** Called (at most once per burst of watch events) with the new model. */
  onChange(listener: (model: NamespaceModel) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.model = undefined;
    if (this.queued) return;
    this.queued = true;
    queueMicrotask(() => {
      this.queued = false;
      if (this.listeners.size === 0) return;
      const m = this.snapshot();
      for (const l of [...this.listeners]) l(m);
    });
  }
}
