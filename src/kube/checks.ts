// Done-checks watched live. A CheckWatcher maps each Kubernetes check of a phase onto shared
// informers, re-evaluates a check whenever one of its informers changes, and tells its
// listeners when any check's status or detail changed. `command` checks are not Kubernetes
// checks: the engine runs them; this module only offers the type guards to split a list.
import { describeCheck, type DoneCheck } from '../plan/checks';
import type { KubeClient } from './client';
import {
  evaluateCrdPresent,
  evaluateDeploymentAvailable,
  evaluateHelmRelease,
  evaluateNodesAnnotated,
  evaluateNodesLabelled,
  evaluateNodesPresent,
  evaluatePodsReady,
  evaluateResourceCondition,
  evaluateResourceExists,
  evaluateResourceField,
  resourceLabel,
  type CheckStatus,
  type Evaluation,
} from './evaluate';
import {
  InformerPool,
  combineConnection,
  describeConnection,
  describeQuery,
  formatDuration,
  type ConnectionState,
  type InformerOptions,
  type Lease,
  type ResourceQuery,
} from './informer';
import {
  CRDS,
  DEPLOYMENTS,
  EVENTS,
  NODES,
  PODS,
  ResourceResolver,
  SECRETS,
  UnservedKindError,
  type ResourceType,
} from './resources';
import { SelectorError, parseLabelSelector } from './selector';
import type {
  CustomResourceDefinition,
  Deployment,
  Event,
  KubeObject,
  Node,
  Pod,
  Secret,
} from './types';

export type KubeCheck = Exclude<DoneCheck, { kind: 'command' }>;
export type CommandCheck = Extract<DoneCheck, { kind: 'command' }>;

export function isCommandCheck(check: DoneCheck): check is CommandCheck {
  return check.kind === 'command';
}

/** True for every check this module evaluates (all kinds but `command`). */
export function isKubeCheck(check: DoneCheck): check is KubeCheck {
  return check.kind !== 'command';
}

export type { CheckStatus } from './evaluate';

export interface CheckResult {
  /** Position of the check in the list the watcher was given. */
  index: number;
  check: KubeCheck;
  status: CheckStatus;
  detail: string;
  /** Epoch ms of the last status change. */
  since: number;
}

export type CheckListener = (results: CheckResult[], connection: ConnectionState) => void;

export interface CheckWatcherOptions {
  /** Informer tuning, used when the watcher is given a client and makes its own pool. */
  informer?: InformerOptions;
  /** Retry delays for kinds the API does not serve yet, e.g. a CRD not installed (1 s .. 10 s). */
  discoveryBackoff?: { initialMs?: number; maxMs?: number };
  now?: () => number;
}

/** Rejection of waitForChecks / waitUntilPassing when time ran out. */
export class ChecksTimeoutError extends Error {
  constructor(
    readonly results: CheckResult[],
    readonly timeoutMs: number,
    readonly connection: ConnectionState,
    now: number = Date.now(),
  ) {
    const open = results.filter((r) => r.status !== 'passing');
    const lines = open.map((r) => `  - ${describeCheck(r.check)}: ${r.status}: ${r.detail}`);
    const api = connection.connected ? '' : `\n  ${describeConnection(connection, now)}`;
    super(
      `${open.length} of ${results.length} check(s) did not pass within ${timeoutMs < 1000 ? `${timeoutMs} ms` : formatDuration(timeoutMs)}:\n${lines.join('\n')}${api}`,
    );
    this.name = 'ChecksTimeoutError';
  }
}

interface Binding {
  index: number;
  check: KubeCheck;
  leases: Lease[];
  /** Leases whose first list must complete before the check can be judged. */
  required: Lease[];
  evaluate?: () => Evaluation;
  /** Set while the check cannot be bound (unknown kind, bad selector). */
  blocked?: Evaluation;
  offs: (() => void)[];
  result: CheckResult;
  retryTimer?: ReturnType<typeof setTimeout>;
  retries: number;
}

export class CheckWatcher {
  private readonly pool: InformerPool;
  private readonly ownsPool: boolean;
  private readonly resolver: ResourceResolver;
  private readonly bindings: Binding[];
  private readonly listeners = new Set<CheckListener>();
  private readonly dirty = new Set<Binding>();
  private flushQueued = false;
  private started = false;
  private stopped = false;
  private readonly now: () => number;
  private readonly retryInitial: number;
  private readonly retryMax: number;
  private readonly abort = new AbortController();
  private lastConnection: ConnectionState = { connected: false };

  constructor(
    source: KubeClient | InformerPool,
    checks: readonly DoneCheck[],
    opts: CheckWatcherOptions = {},
  ) {
    this.ownsPool = !(source instanceof InformerPool);
    this.pool = source instanceof InformerPool ? source : new InformerPool(source, opts.informer);
    this.resolver = this.pool.resolver;
    this.now = opts.now ?? Date.now;
    this.retryInitial = opts.discoveryBackoff?.initialMs ?? 1000;
    this.retryMax = Math.max(opts.discoveryBackoff?.maxMs ?? 10_000, this.retryInitial);
    const at = this.now();
    this.bindings = checks.flatMap((check, index) =>
      isKubeCheck(check)
        ? [
            {
              index,
              check,
              leases: [],
              required: [],
              offs: [],
              retries: 0,
              result: {
                index,
                check,
                status: 'pending' as const,
                detail: 'not started',
                since: at,
              },
            },
          ]
        : [],
    );
  }

  /** Opens the informers; results start as pending and fill in as lists complete. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    for (const b of this.bindings) this.bind(b);
    this.flush();
    return this;
  }

  /** Releases the informers (and stops them when this watcher made its own pool). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    for (const b of this.bindings) this.unbind(b);
    this.listeners.clear();
    if (this.ownsPool) await this.pool.stop();
  }

  results(): CheckResult[] {
    return this.bindings.map((b) => b.result);
  }

  allPassing(): boolean {
    return this.bindings.every((b) => b.result.status === 'passing');
  }

  connection(): ConnectionState {
    return combineConnection(
      this.bindings.flatMap((b) => b.leases.map((l) => l.informer.connection)),
    );
  }

  /** Called after any status, detail or connection change; returns the unsubscribe function. */
  onChange(listener: CheckListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every check passes; rejects with ChecksTimeoutError or the signal's reason. */
  waitUntilPassing(
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<CheckResult[]> {
    this.start();
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        off();
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      const onChange = (): void => {
        if (!this.allPassing()) return;
        cleanup();
        resolve(this.results());
      };
      const onAbort = (): void => {
        cleanup();
        const r: unknown = opts.signal?.reason;
        reject(
          r instanceof Error ? r : new DOMException('The operation was aborted', 'AbortError'),
        );
      };
      const off = this.onChange(onChange);
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              cleanup();
              reject(
                new ChecksTimeoutError(
                  this.results(),
                  opts.timeoutMs!,
                  this.connection(),
                  this.now(),
                ),
              );
            }, opts.timeoutMs);
      if (opts.signal?.aborted) onAbort();
      else {
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        onChange();
      }
    });
  }

  private lease<T extends KubeObject>(b: Binding, query: ResourceQuery, required = true): Lease<T> {
    const l = this.pool.acquire<T>(query);
    const plain = l as unknown as Lease;
    b.leases.push(plain);
    if (required) b.required.push(plain);
    b.offs.push(
      l.informer.on((e) => {
        if (e.type !== 'BOOKMARK') this.markDirty(b);
      }),
    );
    return l;
  }

  private bind(b: Binding): void {
    const c = b.check;
    try {
      if ('selector' in c && c.selector !== undefined) parseLabelSelector(c.selector);
      switch (c.kind) {
        case 'deploymentAvailable': {
          const l = this.lease<Deployment>(b, {
            type: DEPLOYMENTS,
            namespace: c.namespace,
            fieldSelector: `metadata.name=${c.name}`,
          });
          b.evaluate = () => evaluateDeploymentAvailable(c, l.informer.list());
          break;
        }
        case 'podsReady': {
          const pods = this.lease<Pod>(b, {
            type: PODS,
            namespace: c.namespace,
            labelSelector: c.selector,
          });
          // Events only sharpen the detail (FailedMount, FailedScheduling); never wait for them.
          const events = this.lease<Event>(b, { type: EVENTS, namespace: c.namespace }, false);
          b.evaluate = () => evaluatePodsReady(c, pods.informer.list(), events.informer.list());
          break;
        }
        case 'helmRelease': {
          const l = this.lease<Secret>(b, {
            type: SECRETS,
            namespace: c.namespace,
            labelSelector: `owner=helm,name=${c.release}`,
            metadataOnly: true,
          });
          b.evaluate = () => evaluateHelmRelease(c, l.informer.list());
          break;
        }
        case 'crdPresent': {
          const l = this.lease<CustomResourceDefinition>(b, {
            type: CRDS,
            fieldSelector: `metadata.name=${c.name}`,
            metadataOnly: true,
          });
          b.evaluate = () => evaluateCrdPresent(c, l.informer.list());
          break;
        }
        case 'nodesLabelled':
        case 'nodesAnnotated':
        case 'nodesPresent': {
          // One cluster-wide Node cache for every node check; selectors are matched locally.
          const l = this.lease<Node>(b, { type: NODES });
          b.evaluate =
            c.kind === 'nodesLabelled'
              ? () => evaluateNodesLabelled(c, l.informer.list())
              : c.kind === 'nodesAnnotated'
                ? () => evaluateNodesAnnotated(c, l.informer.list())
                : () => evaluateNodesPresent(c, l.informer.list());
          break;
        }
        case 'resourceExists':
        case 'resourceCondition':
        case 'resourceField':
          void this.bindResource(b, c);
          break;
      }
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      b.blocked = { status: 'failing', detail: e.message };
    }
    this.markDirty(b);
  }

  private async bindResource(
    b: Binding,
    c: Extract<KubeCheck, { kind: 'resourceExists' | 'resourceCondition' | 'resourceField' }>,
  ): Promise<void> {
    const r = c.resource;
    let type: ResourceType;
    try {
      type = await this.resolver.resolve(r.apiVersion, r.kind, this.abort.signal);
    } catch (e) {
      if (this.stopped) return;
      const message = e instanceof Error ? e.message : String(e);
      b.blocked =
        e instanceof UnservedKindError
          ? { status: 'failing', detail: `${resourceLabel(r)}: ${message}` }
          : { status: 'pending', detail: `waiting for the API: ${message}` };
      this.markDirty(b);
      const wait = Math.min(this.retryInitial * 2 ** b.retries, this.retryMax);
      b.retries++;
      b.retryTimer = setTimeout(() => void this.bindResource(b, c), wait);
      return;
    }
    if (this.stopped) return;
    b.blocked = undefined;
    if (type.namespaced && !r.namespace) {
      b.blocked = {
        status: 'failing',
        detail: `${resourceLabel(r)}: ${r.kind} is namespaced; the check must name a namespace`,
      };
      this.markDirty(b);
      return;
    }
    const l = this.lease<KubeObject>(b, {
      type,
      namespace: type.namespaced ? r.namespace : undefined,
      fieldSelector: `metadata.name=${r.name}`,
      // Existence needs no body (and a Secret's body is its secret).
      metadataOnly: c.kind === 'resourceExists',
    });
    b.evaluate =
      c.kind === 'resourceExists'
        ? () => evaluateResourceExists(c, l.informer.list())
        : c.kind === 'resourceCondition'
          ? () => evaluateResourceCondition(c, l.informer.list())
          : () => evaluateResourceField(c, l.informer.list());
    this.markDirty(b);
  }

  private unbind(b: Binding): void {
    clearTimeout(b.retryTimer);
    for (const off of b.offs) off();
    for (const l of b.leases) l.release();
    b.offs = [];
    b.leases = [];
    b.required = [];
  }

  private markDirty(b: Binding): void {
    if (this.stopped) return;
    this.dirty.add(b);
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Coalesce: a watch chunk may carry many events; evaluate once after it.
    queueMicrotask(() => this.flush());
  }

  private evaluate(b: Binding): Evaluation {
    if (b.blocked) return b.blocked;
    if (!b.evaluate) return { status: 'pending', detail: 'looking up the resource type' };
    const waiting = b.required.find((l) => !l.informer.synced);
    if (waiting) {
      const conn = waiting.informer.connection;
      return {
        status: 'pending',
        detail: conn.lastError
          ? `waiting for the API: ${conn.lastError}`
          : `waiting for the first list of ${describeQuery(waiting.informer.query)}`,
      };
    }
    return b.evaluate();
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.stopped) return;
    let changed = false;
    for (const b of this.dirty) {
      const e = this.evaluate(b);
      const old = b.result;
      if (old.status === e.status && old.detail === e.detail) continue;
      b.result = {
        ...old,
        status: e.status,
        detail: e.detail,
        since: old.status === e.status ? old.since : this.now(),
      };
      changed = true;
    }
    this.dirty.clear();
    const conn = this.connection();
    if (
      conn.connected !== this.lastConnection.connected ||
      conn.lastError !== this.lastConnection.lastError
    ) {
      changed = true;
    }
    this.lastConnection = conn;
    if (!changed) return;
    const results = this.results();
    for (const l of [...this.listeners]) l(results, conn);
  }
}

/**
 * Watches the checks until all pass. `command` checks are ignored (the engine runs them).
 * Rejects with ChecksTimeoutError, listing each check's last detail, when timeoutMs elapses.
 */
export async function waitForChecks(
  source: KubeClient | InformerPool,
  checks: readonly DoneCheck[],
  opts: { timeoutMs?: number; signal?: AbortSignal; watcher?: CheckWatcherOptions } = {},
): Promise<CheckResult[]> {
  const watcher = new CheckWatcher(source, checks, opts.watcher);
  try {
    return await watcher.waitUntilPassing(opts);
  } finally {
    await watcher.stop();
  }
}
