// A list+watch cache of one resource query, the way client-go's reflector keeps one:
// list, then watch from the list's resourceVersion; follow BOOKMARKs; on 410 Gone list again;
// on a dropped stream or a failed request reconnect with capped exponential backoff, from the
// last resourceVersion seen, so nothing that happened meanwhile is missed. It also keeps the
// connection state a dashboard needs to say "API unreachable for 42 s".
//
// client-node's ListWatch was not used: it stops for good on any error other than 410, does
// not ask for bookmarks, cannot time out a request that hangs, and reports no connection state.
import { setTimeout as delay } from 'node:timers/promises';
import type http from 'node:http';
import {
  KubeApiError,
  KubeUnreachableError,
  formatMs,
  isGone,
  statusError,
  type KubeClient,
} from './client';
import { ResourceResolver, apiVersionOf, collectionPath, type ResourceType } from './resources';
import { objectKey, type KubeObject, type Status } from './types';

export interface ResourceQuery {
  type: ResourceType;
  /** For namespaced types; absent = every namespace. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Ask for PartialObjectMetadata (metadata only). Helm release Secrets carry the whole release
   * (megabytes, gzipped) and only their labels are read.
   */
  metadataOnly?: boolean;
}

export function queryKey(q: ResourceQuery): string {
  return JSON.stringify([
    apiVersionOf(q.type),
    q.type.plural,
    q.type.namespaced ? (q.namespace ?? '') : '',
    q.labelSelector ?? '',
    q.fieldSelector ?? '',
    q.metadataOnly === true,
  ]);
}

export function describeQuery(q: ResourceQuery): string {
  const parts = [q.type.plural];
  if (q.type.namespaced) parts.push(q.namespace ? `in ${q.namespace}` : 'in all namespaces');
  if (q.labelSelector) parts.push(`matching ${q.labelSelector}`);
  if (q.fieldSelector) parts.push(`with ${q.fieldSelector}`);
  return parts.join(' ');
}

export interface ConnectionState {
  /** True while updates arrive (or a routinely closed watch is being re-opened). */
  connected: boolean;
  /** Epoch ms of the last byte received from the API. */
  lastContactAt?: number;
  /** Why the last request failed; cleared when the API answers again. */
  lastError?: string;
  /** Epoch ms since when `connected` is false. */
  disconnectedSince?: number;
}

export interface InformerOptions {
  /** Delay between failed attempts, doubling from initialMs up to maxMs (default 500 ms .. 10 s). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Asks the server to close each watch after this long (default 60); it is re-opened at once. */
  watchTimeoutSeconds?: number;
  /** A watch silent for this long is presumed dead (default watchTimeoutSeconds + 30 s). */
  idleTimeoutMs?: number;
  /** A request without response headers after this long fails (default 15 s). */
  requestTimeoutMs?: number;
  now?: () => number;
}

export type InformerEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T }
  /** A list finished: the cache equals the server's state at resourceVersion. */
  | { type: 'SYNCED'; resourceVersion: string }
  | { type: 'BOOKMARK'; resourceVersion: string }
  | { type: 'CONNECTION'; connection: ConnectionState };

export type InformerListener<T> = (event: InformerEvent<T>) => void;

/** The watch stream ended without its final chunk: a load balancer or the server cut it. */
export class WatchDroppedError extends Error {
  constructor(detail: string) {
    super(`watch stream dropped: ${detail}`);
    this.name = 'WatchDroppedError';
  }
}

class StoppedError extends Error {}

const ACCEPT_JSON = 'application/json';
// Falls back to full objects on a server that cannot convert (the trailing application/json).
const ACCEPT_META_LIST = `application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,${ACCEPT_JSON}`;
const ACCEPT_META = `application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,${ACCEPT_JSON}`;

interface WireList<T> {
  metadata?: { resourceVersion?: string };
  items?: T[];
}

interface WireWatchEvent {
  type?: string;
  object?: KubeObject & Partial<Status>;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private rv = '';
  private isSynced = false;
  private conn: ConnectionState = { connected: false };
  private readonly listeners = new Set<InformerListener<T>>();
  private stopped = true;
  private loop: Promise<void> | undefined;
  private current: AbortController | undefined;
  private failures = 0;
  private readonly backoffInitial: number;
  private readonly backoffMax: number;
  private readonly watchTimeout: number;
  private readonly idleTimeout: number;
  private readonly requestTimeout: number;
  private readonly now: () => number;
  /** Counters for diagnostics and tests. */
  readonly stats = { lists: 0, watches: 0, gone: 0, drops: 0, failures: 0 };

  constructor(
    private readonly client: KubeClient,
    readonly query: ResourceQuery,
    opts: InformerOptions = {},
  ) {
    this.backoffInitial = opts.backoff?.initialMs ?? 500;
    this.backoffMax = Math.max(opts.backoff?.maxMs ?? 10_000, this.backoffInitial);
    this.watchTimeout = opts.watchTimeoutSeconds ?? 60;
    this.idleTimeout = opts.idleTimeoutMs ?? (this.watchTimeout + 30) * 1000;
    this.requestTimeout = opts.requestTimeoutMs ?? 15_000;
    this.now = opts.now ?? Date.now;
  }

  /** Starts listing and watching; idempotent. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.conn = { ...this.conn, connected: false, disconnectedSince: this.now() };
    this.loop = this.run();
  }

  /** Closes the watch; the cache keeps its last contents. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort(new StoppedError('stopped'));
    await this.loop;
    this.loop = undefined;
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** True once a list completed: until then the cache says nothing about the cluster. */
  get synced(): boolean {
    return this.isSynced;
  }

  get resourceVersion(): string {
    return this.rv;
  }

  get connection(): ConnectionState {
    return this.conn;
  }

  list(): T[] {
    return [...this.items.values()];
  }

  get(name: string, namespace?: string): T | undefined {
    return this.items.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  on(listener: InformerListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves after the first list; rejects if the signal aborts first. */
  whenSynced(signal?: AbortSignal): Promise<void> {
    if (this.isSynced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.on((e) => {
        if (e.type === 'SYNCED') {
          off();
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
      });
      const onAbort = (): void => {
        off();
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private emit(event: InformerEvent<T>): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (e) {
        // A listener's bug must not break the watch; surface it outside the stream handler.
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  private controller(): AbortController {
    if (this.stopped) throw new StoppedError('stopped');
    this.current = new AbortController();
    return this.current;
  }

  private async run(): Promise<void> {
    let goneStreak = 0;
    while (!this.stopped) {
      try {
        if (!this.rv) await this.relist();
        const started = this.now();
        const events = await this.watch();
        goneStreak = 0; // the server closed the watch at timeoutSeconds: re-open from rv
        if (events === 0 && this.now() - started < 1000) {
          // A proxy that answers and hangs up at once would otherwise make this a busy loop.
          this.failures++;
          await this.sleep(this.backoffDelay());
        }
      } catch (err) {
        if (this.stopped || err instanceof StoppedError) break;
        if (isGone(err)) {
          this.stats.gone++;
          this.rv = '';
          // List again at once; only a server that keeps answering 410 gets the backoff.
          if (++goneStreak === 1) continue;
        } else {
          goneStreak = 0;
        }
        this.failures++;
        this.stats.failures++;
        if (err instanceof WatchDroppedError) this.stats.drops++;
        else if (!isGone(err)) this.disconnected(err);
        await this.sleep(this.backoffDelay());
      }
    }
  }

  private backoffDelay(): number {
    return backoffDelay(this.failures, this.backoffInitial, this.backoffMax);
  }

  private async sleep(ms: number): Promise<void> {
    let ac: AbortController;
    try {
      ac = this.controller();
    } catch {
      return;
    }
    try {
      await delay(ms, undefined, { signal: ac.signal });
    } catch {
      // stopped
    }
  }

  private contact(): void {
    const at = this.now();
    if (this.conn.connected) {
      this.conn = { ...this.conn, lastContactAt: at };
      return;
    }
    this.conn = { connected: true, lastContactAt: at };
    this.emit({ type: 'CONNECTION', connection: this.conn });
  }

  private disconnected(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (!this.conn.connected && this.conn.lastError === message) return;
    this.conn = {
      connected: false,
      lastContactAt: this.conn.lastContactAt,
      lastError: message,
      disconnectedSince: this.conn.connected
        ? this.now()
        : (this.conn.disconnectedSince ?? this.now()),
    };
    this.emit({ type: 'CONNECTION', connection: this.conn });
  }

  private params(extra: Record<string, string>): string {
    const p = new URLSearchParams();
    if (this.query.labelSelector) p.set('labelSelector', this.query.labelSelector);
    if (this.query.fieldSelector) p.set('fieldSelector', this.query.fieldSelector);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    const s = p.toString();
    return `${collectionPath(this.query.type, this.query.namespace)}${s ? `?${s}` : ''}`;
  }

  private async relist(): Promise<void> {
    const ac = this.controller();
    this.stats.lists++;
    const list = await this.client.getJson<WireList<T>>(this.params({}), {
      signal: ac.signal,
      timeoutMs: this.requestTimeout,
      accept: this.query.metadataOnly ? ACCEPT_META_LIST : ACCEPT_JSON,
    });
    this.contact();
    this.failures = 0;
    const fresh = new Map<string, T>();
    for (const item of list.items ?? []) fresh.set(objectKey(item), item);
    const events: InformerEvent<T>[] = [];
    for (const [key, old] of this.items) {
      if (!fresh.has(key)) events.push({ type: 'DELETED', object: old });
    }
    for (const [key, obj] of fresh) {
      const old = this.items.get(key);
      if (!old) events.push({ type: 'ADDED', object: obj });
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
        events.push({ type: 'MODIFIED', object: obj });
      }
    }
    this.items.clear();
    for (const [k, v] of fresh) this.items.set(k, v);
    // A server that omits it would make every watch start "now"; "0" asks for the full state.
    this.rv = list.metadata?.resourceVersion || '0';
    this.isSynced = true;
    for (const e of events) this.emit(e);
    this.emit({ type: 'SYNCED', resourceVersion: this.rv });
  }

  /** Follows one watch request; resolves with the number of events when the server ends it. */
  private async watch(): Promise<number> {
    const ac = this.controller();
    this.stats.watches++;
    const res = await this.client.openStream(
      this.params({
        watch: 'true',
        resourceVersion: this.rv,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(this.watchTimeout),
      }),
      {
        signal: ac.signal,
        timeoutMs: this.requestTimeout,
        accept: this.query.metadataOnly ? ACCEPT_META : ACCEPT_JSON,
      },
    );
    this.contact();
    this.failures = 0;
    return this.follow(res, ac);
  }

  private follow(res: http.IncomingMessage, ac: AbortController): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      let buffer = '';
      let events = 0;
      let settled = false;
      let idle: ReturnType<typeof setTimeout> | undefined;
      const finish = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        ac.signal.removeEventListener('abort', onAbort);
        if (err === undefined) resolve(events);
        else {
          reject(err);
          res.destroy();
        }
      };
      const onAbort = (): void => {
        const r: unknown = ac.signal.reason;
        finish(r instanceof Error ? r : new StoppedError('aborted'));
      };
      const armIdle = (): void => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          finish(
            new KubeUnreachableError(
              `no data from the Kubernetes API for ${formatMs(this.idleTimeout)} on the watch of ${describeQuery(this.query)}`,
            ),
          );
        }, this.idleTimeout);
      };
      const lines = (final: boolean): void => {
        let i: number;
        while (!settled && (i = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (line.trim() !== '') events++;
          this.line(line);
        }
        if (final && !settled && buffer.trim() !== '') {
          const rest = buffer;
          buffer = '';
          events++;
          this.line(rest);
        }
      };
      ac.signal.addEventListener('abort', onAbort, { once: true });
      armIdle();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (settled) return;
        this.contact();
        armIdle();
        buffer += chunk;
        try {
          lines(false);
        } catch (e) {
          finish(e);
        }
      });
      res.on('error', () => {
        // 'close' follows and tells a clean end from a cut one.
      });
      res.on('close', () => {
        if (settled) return;
        if (!res.complete) {
          finish(
            new WatchDroppedError('the connection closed before the server ended the response'),
          );
          return;
        }
        try {
          lines(true);
          finish();
        } catch (e) {
          finish(e);
        }
      });
    });
  }

  /** Applies one watch event; throws to end the watch (410 Gone, server error, garbage). */
  private line(line: string): void {
    if (line.trim() === '') return;
    let event: WireWatchEvent;
    try {
      event = JSON.parse(line) as WireWatchEvent;
    } catch {
      throw new KubeApiError(
        200,
        'BadResponse',
        `unparsable watch event: ${line.slice(0, 120)}`,
        '',
      );
    }
    const obj = event.object;
    if (event.type === 'ERROR') {
      const code = typeof obj?.code === 'number' ? obj.code : 500;
      throw statusError(
        code,
        JSON.stringify(obj ?? {}),
        collectionPath(this.query.type, this.query.namespace),
      );
    }
    if (!obj) return;
    const rv = obj.metadata?.resourceVersion;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.items.set(objectKey(obj), obj as T);
        if (rv) this.rv = rv;
        this.emit({ type: event.type, object: obj as T });
        break;
      case 'DELETED':
        this.items.delete(objectKey(obj));
        if (rv) this.rv = rv;
        this.emit({ type: 'DELETED', object: obj as T });
        break;
      case 'BOOKMARK':
        if (rv) this.rv = rv;
        this.emit({ type: 'BOOKMARK', resourceVersion: this.rv });
        break;
      default:
        break;
    }
  }
}

/**
 * Wait before attempt n+1 after n consecutive failures: initialMs doubling up to maxMs, with
 * ±20 % jitter (never above maxMs) so many informers do not reconnect in lockstep after an outage.
 */
export function backoffDelay(
  failures: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(initialMs * 2 ** Math.max(0, failures - 1), maxMs);
  return Math.min(Math.round(base * (0.8 + random() * 0.4)), maxMs);
}

/**
 * Combines several informers' states: disconnected when any request failed; an informer still
 * making its first connection (no error yet) does not make a working API look unreachable.
 */
export function combineConnection(states: readonly ConnectionState[]): ConnectionState {
  if (states.length === 0) return { connected: true };
  const contacts = states.map((s) => s.lastContactAt).filter((x): x is number => x !== undefined);
  const lastContactAt = contacts.length ? Math.max(...contacts) : undefined;
  const failed = states.filter((s) => !s.connected && s.lastError !== undefined);
  if (failed.length === 0) {
    return states.some((s) => s.connected)
      ? { connected: true, lastContactAt }
      : { connected: false, lastContactAt };
  }
  const since = failed.map((s) => s.disconnectedSince).filter((x): x is number => x !== undefined);
  return {
    connected: false,
    lastContactAt,
    lastError: failed[0]!.lastError,
    disconnectedSince: since.length ? Math.min(...since) : undefined,
  };
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

/** One line for a status bar: "API unreachable for 42 s (connect ECONNREFUSED ...)". */
export function describeConnection(state: ConnectionState, now: number = Date.now()): string {
  if (state.connected) return 'API connected';
  if (state.lastError === undefined) {
    return 'connecting to the Kubernetes API';
  }
  const from = state.lastContactAt ?? state.disconnectedSince;
  const how = from !== undefined ? ` for ${formatDuration(now - from)}` : '';
  const why = state.lastError ? ` (${state.lastError})` : '';
  return `API unreachable${how}${why}; showing the last known state`;
}

interface PoolEntry {
  informer: Informer;
  refs: number;
}

export interface Lease<T extends KubeObject = KubeObject> {
  informer: Informer<T>;
  release(): void;
}

/** Shares one informer per distinct query among check watchers and dashboard panels. */
export class InformerPool {
  /** Kind lookups (API discovery) shared by everyone using this pool. */
  readonly resolver: ResourceResolver;
  private readonly entries = new Map<string, PoolEntry>();
  private readonly stopping = new Set<Promise<void>>();

  constructor(
    readonly client: KubeClient,
    readonly options: InformerOptions = {},
  ) {
    this.resolver = new ResourceResolver(client);
  }

  acquire<T extends KubeObject = KubeObject>(query: ResourceQuery): Lease<T> {
    const key = queryKey(query);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { informer: new Informer(this.client, query, this.options), refs: 0 };
      this.entries.set(key, entry);
      entry.informer.start();
    }
    entry.refs++;
    const e = entry;
    let released = false;
    return {
      informer: e.informer as unknown as Informer<T>,
      release: () => {
        if (released) return;
        released = true;
        if (--e.refs > 0) return;
        this.entries.delete(key);
        const p = e.informer.stop().finally(() => this.stopping.delete(p));
        this.stopping.add(p);
      },
    };
  }

  informers(): Informer[] {
    return [...this.entries.values()].map((e) => e.informer);
  }

  connection(): ConnectionState {
    return combineConnection(this.informers().map((i) => i.connection));
  }

  /** Stops every informer, leased or not. */
  async stop(): Promise<void> {
    const all = this.informers();
    this.entries.clear();
    await Promise.all([...all.map((i) => i.stop()), ...this.stopping]);
  }
}
