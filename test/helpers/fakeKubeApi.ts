// A protocol double of the Kubernetes API server, for tests.
//
// No Kubernetes API server can run on this machine (no etcd, no container runtime, no
// network beyond loopback), so the kube layer is tested against this small real HTTP server
// bound to 127.0.0.1. It is not a Kubernetes: it stores objects and speaks the parts of the
// API protocol the installer uses, as the real API server speaks them:
// - GET list with labelSelector (=, ==, !=, in, notin, exists, !exists) and fieldSelector
//   (metadata.name, metadata.namespace; = == !=), metadata.resourceVersion on the list,
//   list items without kind/apiVersion (as the real server sends them);
// - GET ?watch=true streaming newline-delimited watch events over chunked transfer:
//   ADDED/MODIFIED/DELETED (objects entering or leaving a selector become ADDED/DELETED),
//   BOOKMARK when allowWatchBookmarks=true, an ERROR event carrying a 410 Expired Status when
//   the resourceVersion is older than expireBefore(), timeoutSeconds (a clean end);
//   resourceVersion unset or "0" starts with synthetic ADDED events for the current state;
// - one global, monotonic resourceVersion, and an event log that a watch replays from;
// - PartialObjectMetadata(List) when the Accept header asks for it;
// - discovery (/api, /apis, /api/v1, /apis/GROUP/VERSION) for registered kinds, and CRDs:
//   upserting a CustomResourceDefinition serves its kind;
// - bearer-token authentication (401 otherwise), Status objects for errors.
// Test controls: upsert, remove, bookmark, dropWatches (cut every open watch like a load
// balancer would), expireBefore, pause/resume (refuse connections, or hang), a request log.
// Not implemented: writes over HTTP, pagination (limit/continue), resourceVersionMatch,
// sendInitialEvents/watch-list, protobuf, server-side apply, admission, garbage collection,
// and anything a controller would do (a Deployment never becomes Available by itself).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface FakeKind {
  /** '' for the core group. */
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  watch: boolean;
  accept: string;
  /** HTTP status sent, once sent; undefined while hanging. */
  status?: number;
  at: number;
}

interface LogEntry {
  rv: number;
  kindKey: string;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: FakeObject;
  prev?: FakeObject;
}

interface OpenWatch {
  kind: FakeKind;
  namespace?: string;
  match: (o: FakeObject) => boolean;
  metadataOnly: boolean;
  bookmarks: boolean;
  res: http.ServerResponse;
  timer?: ReturnType<typeof setTimeout>;
}

const BUILTIN: FakeKind[] = [
  { group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
  {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'StorageClass',
    plural: 'storageclasses',
    namespaced: false,
  },
];

function apiVersionOf(k: Pick<FakeKind, 'group' | 'version'>): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

function kindKey(k: Pick<FakeKind, 'group' | 'version' | 'plural'>): string {
  return `${k.group}/${k.version}/${k.plural}`;
}

function objKey(o: FakeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

// --- selectors: a separate, deliberately plain implementation (not src/kube/selector.ts), so a
// bug in the client's parser cannot hide behind the same bug in the server.

type Pred = (labels: Record<string, string>) => boolean;

class BadRequest extends Error {}

function parseLabelSelector(sel: string): Pred {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of sel) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  const preds = parts
    .map((p) => p.trim())
    .filter((p, i, all) => p !== '' || all.length > 1)
    .map((p): Pred => {
      if (p === '') throw new BadRequest(`empty requirement in "${sel}"`);
      let m = /^([\w./-]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(p);
      if (m) {
        const [, key, op, list] = m as unknown as [string, string, string, string];
        const values = list.split(',').map((v) => v.trim());
        return op === 'in'
          ? (l) => key in l && values.includes(l[key]!)
          : (l) => !(key in l) || !values.includes(l[key]!);
      }
      m = /^([\w./-]+)\s*(!=|==|=)\s*([\w.-]*)$/.exec(p);
      if (m) {
        const [, key, op, value] = m as unknown as [string, string, string, string];
        return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value;
      }
      m = /^!\s*([\w./-]+)$/.exec(p);
      if (m) {
        const key = m[1]!;
        return (l) => !(key in l);
      }
      m = /^([\w./-]+)$/.exec(p);
      if (m) {
        const key = m[1]!;
        return (l) => key in l;
      }
      throw new BadRequest(`unable to parse requirement "${p}"`);
    });
  return (labels) => preds.every((f) => f(labels));
}

function parseFieldSelector(sel: string): (o: FakeObject) => boolean {
  const preds = sel
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((p) => {
      const m = /^\s*([\w.]+)\s*(!=|==|=)\s*(.*?)\s*$/.exec(p);
      if (!m) throw new BadRequest(`invalid field selector "${p}"`);
      const [, field, op, value] = m as unknown as [string, string, string, string];
      const get =
        field === 'metadata.name'
          ? (o: FakeObject) => o.metadata.name
          : field === 'metadata.namespace'
            ? (o: FakeObject) => o.metadata.namespace ?? ''
            : undefined;
      if (!get) throw new BadRequest(`field label not supported: ${field}`);
      return op === '!='
        ? (o: FakeObject) => get(o) !== value
        : (o: FakeObject) => get(o) === value;
    });
  return (o) => preds.every((f) => f(o));
}

function status(code: number, reason: string, message: string): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
}

function clone<T>(x: T): T {
  return structuredClone(x);
}

function partial(o: FakeObject): object {
  return {
    apiVersion: 'meta.k8s.io/v1',
    kind: 'PartialObjectMetadata',
    metadata: clone(o.metadata),
  };
}

export interface FakeKubeApiOptions {
  /** Bearer token the server demands (default "fake-token"); null disables authentication. */
  token?: string | null;
}

export class FakeKubeApi {
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  /** Path of a kubeconfig pointing at this server (plain http; see writeKubeconfig). */
  kubeconfig = '';
  private readonly server: http.Server;
  private port = 0;
  private rv = 1;
  private floor = 0;
  private readonly kinds = new Map<string, FakeKind>();
  private readonly store = new Map<string, Map<string, FakeObject>>();
  private readonly log: LogEntry[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly sockets = new Set<Socket>();
  private readonly held = new Set<http.ServerResponse>();
  private mode: 'up' | 'refuse' | 'hang' = 'up';
  private readonly requestListeners = new Set<(r: RecordedRequest) => void>();
  private dir = '';
  private readonly token: string | null;

  private constructor(opts: FakeKubeApiOptions) {
    this.token = opts.token === undefined ? 'fake-token' : opts.token;
    for (const k of BUILTIN) this.addKind(k);
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Starts on 127.0.0.1, an ephemeral port, and writes a kubeconfig into a temp dir. */
  static async start(opts: FakeKubeApiOptions = {}): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(opts);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, '127.0.0.1', () => resolve());
    });
    api.port = (api.server.address() as AddressInfo).port;
    api.dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fake-kube-'));
    api.kubeconfig = await api.writeKubeconfig(path.join(api.dir, 'kubeconfig'));
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The current (global) resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  /**
   * Writes a kubeconfig for this server. @kubernetes/client-node accepts a plain http server
   * only with insecure-skip-tls-verify: true, so that is set (there is no TLS to skip).
   */
  async writeKubeconfig(file: string, token: string | null = this.token): Promise<string> {
    const user = token ? `    user: { token: ${token} }` : '    user: {}';
    const text = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: fake',
      `    cluster: { server: "${this.url}", insecure-skip-tls-verify: true }`,
      'users:',
      '  - name: fake',
      user,
      'contexts:',
      '  - name: fake',
      '    context: { cluster: fake, user: fake }',
      'current-context: fake',
      '',
    ].join('\n');
    await fs.writeFile(file, text, { mode: 0o600 });
    return file;
  }

  async close(): Promise<void> {
    for (const w of this.watches) clearTimeout(w.timer);
    this.watches.clear();
    for (const r of this.held) r.destroy();
    this.held.clear();
    if (this.server.listening) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
    for (const s of this.sockets) s.destroy();
    if (this.dir) await fs.rm(this.dir, { recursive: true, force: true });
  }

  // --- kinds

  private addKind(k: FakeKind): void {
    this.kinds.set(kindKey(k), k);
    if (!this.store.has(kindKey(k))) this.store.set(kindKey(k), new Map());
  }

  private kindOf(apiVersion: string, kind: string): FakeKind {
    for (const k of this.kinds.values()) {
      if (apiVersionOf(k) === apiVersion && k.kind === kind) return k;
    }
    throw new Error(
      `fake API: kind ${kind} of ${apiVersion} is not registered (registerKind first)`,
    );
  }

  /** Serves a custom kind, by creating its CustomResourceDefinition (as installing a CRD does). */
  registerKind(k: FakeKind): FakeObject {
    return this.upsert({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${k.plural}.${k.group}` },
      spec: {
        group: k.group,
        names: {
          kind: k.kind,
          plural: k.plural,
          singular: k.kind.toLowerCase(),
          listKind: `${k.kind}List`,
        },
        scope: k.namespaced ? 'Namespaced' : 'Cluster',
        versions: [{ name: k.version, served: true, storage: true }],
      },
      status: { conditions: [{ type: 'Established', status: 'True' }] },
    });
  }

  // --- state

  /** Creates or replaces an object; returns the stored copy (with its resourceVersion). */
  upsert(input: FakeObject): FakeObject {
    const kind = this.kindOf(input.apiVersion, input.kind);
    const obj = clone(input);
    if (kind.namespaced && !obj.metadata.namespace) {
      throw new Error(`fake API: ${kind.kind} ${obj.metadata.name} needs a namespace`);
    }
    if (!kind.namespaced) delete obj.metadata.namespace;
    const bucket = this.store.get(kindKey(kind))!;
    const prev = bucket.get(objKey(obj));
    obj.metadata.uid = prev?.metadata.uid ?? obj.metadata.uid ?? randomUUID();
    obj.metadata.creationTimestamp =
      prev?.metadata.creationTimestamp ??
      obj.metadata.creationTimestamp ??
      new Date().toISOString();
    obj.metadata.resourceVersion = String(++this.rv);
    bucket.set(objKey(obj), obj);
    if (kind.kind === 'CustomResourceDefinition') this.serveCrd(obj);
    this.record({
      rv: this.rv,
      kindKey: kindKey(kind),
      type: prev ? 'MODIFIED' : 'ADDED',
      obj,
      prev,
    });
    return clone(obj);
  }

  private serveCrd(crd: FakeObject): void {
    const spec = crd.spec as
      | {
          group: string;
          names: { kind: string; plural: string };
          scope: string;
          versions: { name: string; served: boolean }[];
        }
      | undefined;
    if (!spec?.names) return;
    for (const v of spec.versions ?? []) {
      if (!v.served) continue;
      this.addKind({
        group: spec.group,
        version: v.name,
        kind: spec.names.kind,
        plural: spec.names.plural,
        namespaced: spec.scope === 'Namespaced',
      });
    }
  }

  /** Deletes an object (DELETED carries it with a new resourceVersion). Returns false if absent. */
  remove(ref: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  }): boolean {
    const kind = this.kindOf(ref.apiVersion, ref.kind);
    const bucket = this.store.get(kindKey(kind))!;
    const key = `${kind.namespaced ? (ref.metadata.namespace ?? '') : ''}/${ref.metadata.name}`;
    const prev = bucket.get(key);
    if (!prev) return false;
    bucket.delete(key);
    const obj = clone(prev);
    obj.metadata.resourceVersion = String(++this.rv);
    this.record({ rv: this.rv, kindKey: kindKey(kind), type: 'DELETED', obj, prev });
    return true;
  }

  /** Current objects of a kind (for "client state equals server state" assertions). */
  objects(apiVersion: string, kind: string, namespace?: string): FakeObject[] {
    const k = this.kindOf(apiVersion, kind);
    return [...this.store.get(kindKey(k))!.values()]
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .map(clone);
  }

  /** Moves the global resourceVersion on, as changes to resources nobody watches would. */
  advance(by = 1): number {
    this.rv += by;
    return this.rv;
  }

  /** Sends a BOOKMARK with the current resourceVersion on every watch that allowed them. */
  bookmark(): number {
    let n = 0;
    for (const w of this.watches) {
      if (!w.bookmarks || this.mode === 'hang') continue;
      this.write(w, {
        type: 'BOOKMARK',
        object: {
          kind: w.kind.kind,
          apiVersion: apiVersionOf(w.kind),
          metadata: { resourceVersion: String(this.rv) },
        },
      });
      n++;
    }
    return n;
  }

  /** resourceVersions below rv are "too old": a watch from one gets ERROR 410 Expired. */
  expireBefore(rv: number): void {
    this.floor = rv;
    while (this.log.length && this.log[0]!.rv < rv) this.log.shift();
  }

  /** Cuts every open watch stream mid-response (no final chunk), as a load balancer would. */
  dropWatches(): number {
    const n = this.watches.size;
    for (const w of [...this.watches]) {
      clearTimeout(w.timer);
      this.watches.delete(w);
      w.res.socket?.destroy();
    }
    return n;
  }

  /** Number of open watch streams, optionally of one plural. */
  openWatches(plural?: string): number {
    return [...this.watches].filter((w) => plural === undefined || w.kind.plural === plural).length;
  }

  /**
   * Makes the API unreachable. refuse: stop listening and cut every connection (connect
   * fails with ECONNREFUSED). hang: accept connections but never answer, and keep open
   * watches silent, like a network partition.
   */
  async pause(mode: 'refuse' | 'hang' = 'refuse'): Promise<void> {
    if (this.mode !== 'up') throw new Error('fake API: already paused');
    this.mode = mode;
    if (mode === 'refuse') {
      for (const w of this.watches) clearTimeout(w.timer);
      this.watches.clear();
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeAllConnections();
      for (const s of this.sockets) s.destroy();
      await closed;
    }
  }

  async resume(): Promise<void> {
    if (this.mode === 'refuse') {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen(this.port, '127.0.0.1', () => {
          this.server.off('error', reject);
          resolve();
        });
      });
    } else if (this.mode === 'hang') {
      // The partition heals, but the stalled connections are dead: the client reconnects.
      for (const r of this.held) r.socket?.destroy();
      this.held.clear();
      this.dropWatches();
    }
    this.mode = 'up';
  }

  /** Resolves with the first request (from index `from` on) that satisfies pred. */
  waitForRequest(
    pred: (r: RecordedRequest) => boolean,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<RecordedRequest> {
    const hit = this.requests.slice(opts.from ?? 0).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requestListeners.delete(listener);
        reject(new Error('fake API: no matching request arrived'));
      }, opts.timeoutMs ?? 5000);
      const listener = (r: RecordedRequest): void => {
        if (!pred(r)) return;
        clearTimeout(timer);
        this.requestListeners.delete(listener);
        resolve(r);
      };
      this.requestListeners.add(listener);
    });
  }

  // --- protocol

  private record(entry: LogEntry): void {
    this.log.push(entry);
    if (this.mode !== 'up') return;
    for (const w of this.watches) {
      if (kindKey(w.kind) === entry.kindKey) this.deliver(w, entry);
    }
  }

  /** Translates a log entry for one watch: objects entering/leaving its selection. */
  private deliver(w: OpenWatch, e: LogEntry): void {
    const inScope = (o: FakeObject | undefined): boolean =>
      o !== undefined &&
      (!w.kind.namespaced || w.namespace === undefined || o.metadata.namespace === w.namespace) &&
      w.match(o);
    const before = e.type !== 'ADDED' && inScope(e.prev);
    const after = e.type !== 'DELETED' && inScope(e.obj);
    let type: LogEntry['type'] | undefined;
    if (e.type === 'DELETED') type = before ? 'DELETED' : undefined;
    else if (before && after) type = 'MODIFIED';
    else if (after) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (!type) return;
    this.write(w, { type, object: w.metadataOnly ? partial(e.obj) : withKind(e.obj) });
  }

  private write(w: OpenWatch, event: object): void {
    w.res.write(`${JSON.stringify(event)}\n`);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams.entries());
    const watch = query.watch === 'true' || query.watch === '1';
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      watch,
      accept: String(req.headers.accept ?? ''),
      at: Date.now(),
    };
    this.requests.push(rec);
    const origWriteHead = res.writeHead.bind(res);
    res.writeHead = ((code: number, ...rest: unknown[]) => {
      rec.status = code;
      return (origWriteHead as (c: number, ...r: unknown[]) => http.ServerResponse)(code, ...rest);
    }) as typeof res.writeHead;
    for (const l of [...this.requestListeners]) l(rec);

    if (this.mode === 'hang') {
      this.held.add(res);
      res.on('close', () => this.held.delete(res));
      return;
    }
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) {
      this.json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (rec.method !== 'GET') {
      this.json(res, 405, status(405, 'MethodNotAllowed', 'the fake API serves GET only'));
      return;
    }
    try {
      this.route(url, query, watch, String(req.headers.accept ?? ''), res);
    } catch (e) {
      if (e instanceof BadRequest) this.json(res, 400, status(400, 'BadRequest', e.message));
      else throw e;
    }
  }

  private json(res: http.ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private notFound(res: http.ServerResponse, what: string): void {
    this.json(res, 404, status(404, 'NotFound', `${what} not found`));
  }

  private route(
    url: URL,
    query: Record<string, string>,
    watch: boolean,
    accept: string,
    res: http.ServerResponse,
  ): void {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (url.pathname === '/version') {
      this.json(res, 200, {
        major: '1',
        minor: '31',
        gitVersion: 'v1.31.0-fake',
        platform: 'linux/amd64',
      });
      return;
    }
    if (parts.length === 1 && parts[0] === 'api') {
      this.json(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [],
      });
      return;
    }
    if (parts.length === 1 && parts[0] === 'apis') {
      const groups = new Map<string, Set<string>>();
      for (const k of this.kinds.values()) {
        if (!k.group) continue;
        if (!groups.has(k.group)) groups.set(k.group, new Set());
        groups.get(k.group)!.add(k.version);
      }
      this.json(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups].map(([name, versions]) => ({
          name,
          versions: [...versions].map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
          preferredVersion: {
            groupVersion: `${name}/${[...versions][0]}`,
            version: [...versions][0],
          },
        })),
      });
      return;
    }
    let group: string;
    let version: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 2) {
      group = '';
      version = parts[1]!;
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 3) {
      group = parts[1]!;
      version = parts[2]!;
      rest = parts.slice(3);
    } else {
      this.notFound(res, url.pathname);
      return;
    }
    const served = [...this.kinds.values()].filter(
      (k) => k.group === group && k.version === version,
    );
    if (served.length === 0) {
      this.notFound(res, `the server could not find the requested resource (${url.pathname})`);
      return;
    }
    if (rest.length === 0) {
      this.json(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: apiVersionOf({ group, version }),
        resources: served.map((k) => ({
          name: k.plural,
          singularName: k.kind.toLowerCase(),
          namespaced: k.namespaced,
          kind: k.kind,
          verbs: ['get', 'list', 'watch'],
        })),
      });
      return;
    }
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]!;
      plural = rest[2]!;
      name = rest[3];
      if (rest.length > 4) {
        this.notFound(res, url.pathname);
        return;
      }
    } else {
      plural = rest[0]!;
      name = rest[1];
      if (rest.length > 2) {
        this.notFound(res, url.pathname);
        return;
      }
    }
    const kind = served.find((k) => k.plural === plural);
    if (!kind || (namespace !== undefined && !kind.namespaced)) {
      this.notFound(res, `the server could not find the requested resource (${url.pathname})`);
      return;
    }
    const bucket = this.store.get(kindKey(kind))!;
    if (name !== undefined) {
      const obj = bucket.get(`${kind.namespaced ? (namespace ?? '') : ''}/${name}`);
      if (!obj) this.notFound(res, `${kind.plural} "${name}"`);
      else this.json(res, 200, withKind(obj));
      return;
    }
    const labels = query.labelSelector ? parseLabelSelector(query.labelSelector) : () => true;
    const fields = query.fieldSelector ? parseFieldSelector(query.fieldSelector) : () => true;
    const match = (o: FakeObject): boolean => labels(o.metadata.labels ?? {}) && fields(o);
    const inScope = (o: FakeObject): boolean =>
      (!kind.namespaced || namespace === undefined || o.metadata.namespace === namespace) &&
      match(o);
    if (watch) {
      this.startWatch(kind, namespace, match, inScope, query, accept, res);
      return;
    }
    const items = [...bucket.values()]
      .filter(inScope)
      .sort((a, b) => objKey(a).localeCompare(objKey(b)));
    if (accept.includes('as=PartialObjectMetadataList')) {
      this.json(res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: String(this.rv) },
        items: items.map(partial),
      });
      return;
    }
    this.json(res, 200, {
      kind: `${kind.kind}List`,
      apiVersion: apiVersionOf(kind),
      metadata: { resourceVersion: String(this.rv) },
      // The real API server leaves kind/apiVersion off list items.
      items: items.map((o) => {
        const { kind: _k, apiVersion: _a, ...rest2 } = clone(o);
        return rest2;
      }),
    });
  }

  private startWatch(
    kind: FakeKind,
    namespace: string | undefined,
    match: (o: FakeObject) => boolean,
    inScope: (o: FakeObject) => boolean,
    query: Record<string, string>,
    accept: string,
    res: http.ServerResponse,
  ): void {
    const rvParam = query.resourceVersion ?? '';
    const from = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (from !== undefined && !Number.isInteger(from)) {
      throw new BadRequest(`resourceVersion: Invalid value: "${rvParam}"`);
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const w: OpenWatch = {
      kind,
      namespace,
      match,
      metadataOnly: accept.includes('as=PartialObjectMetadata'),
      bookmarks: query.allowWatchBookmarks === 'true',
      res,
    };
    if (from !== undefined && from < this.floor) {
      this.write(w, {
        type: 'ERROR',
        object: status(410, 'Expired', `too old resource version: ${from} (${this.floor})`),
      });
      res.end();
      return;
    }
    if (from === undefined) {
      const bucket = this.store.get(kindKey(kind))!;
      for (const o of bucket.values()) {
        if (inScope(o))
          this.write(w, { type: 'ADDED', object: w.metadataOnly ? partial(o) : withKind(o) });
      }
    } else {
      for (const e of this.log) {
        if (e.rv > from && e.kindKey === kindKey(kind)) this.deliver(w, e);
      }
    }
    this.watches.add(w);
    res.on('close', () => {
      clearTimeout(w.timer);
      this.watches.delete(w);
    });
    const timeout = Number(query.timeoutSeconds);
    if (Number.isFinite(timeout) && timeout > 0) {
      w.timer = setTimeout(() => {
        this.watches.delete(w);
        res.end();
      }, timeout * 1000);
    }
  }
}

function withKind(o: FakeObject): FakeObject {
  return clone(o);
}

// --- object builders for tests

type Labels = Record<string, string>;

function meta(
  name: string,
  namespace?: string,
  labels?: Labels,
  annotations?: Labels,
): FakeObject['metadata'] {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    ...(labels ? { labels } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

export const k8s = {
  node(
    name: string,
    opts: {
      labels?: Labels;
      annotations?: Labels;
      ready?: boolean;
      reason?: string;
      message?: string;
    } = {},
  ): FakeObject {
    const ready = opts.ready ?? true;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: meta(name, undefined, opts.labels, opts.annotations),
      status: {
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: opts.reason ?? (ready ? 'KubeletReady' : 'KubeletNotReady'),
            message:
              opts.message ??
              (ready
                ? 'kubelet is posting ready status'
                : 'container runtime network not ready: NetworkReady=false'),
          },
        ],
      },
    };
  },

  pod(
    namespace: string,
    name: string,
    opts: {
      labels?: Labels;
      ready?: boolean;
      phase?: string;
      restarts?: number;
      /** A container waiting with this reason (CrashLoopBackOff, ImagePullBackOff ...). */
      waiting?: string;
      waitingMessage?: string;
      /** PodScheduled=False, reason Unschedulable, with this message. */
      unschedulable?: string;
      ownerJob?: string;
      node?: string;
    } = {},
  ): FakeObject {
    const ready = opts.ready ?? true;
    const phase = opts.phase ?? (opts.unschedulable ? 'Pending' : 'Running');
    const state = opts.waiting
      ? {
          waiting: {
            reason: opts.waiting,
            message: opts.waitingMessage ?? `back-off restarting failed container`,
          },
        }
      : phase === 'Succeeded'
        ? { terminated: { exitCode: 0, reason: 'Completed' } }
        : { running: { startedAt: '2025-01-01T00:00:00Z' } };
    const conditions = opts.unschedulable
      ? [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: opts.unschedulable,
          },
        ]
      : [
          { type: 'PodScheduled', status: 'True' },
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            ...(ready ? {} : { reason: 'ContainersNotReady' }),
          },
        ];
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...meta(name, namespace, opts.labels),
        ...(opts.ownerJob
          ? {
              ownerReferences: [
                {
                  apiVersion: 'batch/v1',
                  kind: 'Job',
                  name: opts.ownerJob,
                  uid: 'job-uid',
                  controller: true,
                },
              ],
            }
          : {}),
      },
      spec: {
        containers: [{ name: 'main', image: 'example/main:1' }],
        ...(opts.node ? { nodeName: opts.node } : {}),
      },
      status: {
        phase,
        conditions,
        containerStatuses: opts.unschedulable
          ? []
          : [
              {
                name: 'main',
                ready: ready && !opts.waiting,
                restartCount: opts.restarts ?? 0,
                image: 'example/main:1',
                imageID: '',
                state,
                ...(opts.waiting === 'CrashLoopBackOff'
                  ? { lastState: { terminated: { exitCode: 1, reason: 'Error' } } }
                  : {}),
              },
            ],
      },
    };
  },

  deployment(
    namespace: string,
    name: string,
    opts: {
      available?: boolean;
      replicas?: number;
      readyReplicas?: number;
      reason?: string;
      message?: string;
    } = {},
  ): FakeObject {
    const replicas = opts.replicas ?? 1;
    const available = opts.available ?? true;
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(name, namespace),
      spec: { replicas },
      status: {
        replicas,
        readyReplicas: opts.readyReplicas ?? (available ? replicas : 0),
        conditions: [
          {
            type: 'Available',
            status: available ? 'True' : 'False',
            reason:
              opts.reason ??
              (available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable'),
            message:
              opts.message ??
              (available
                ? 'Deployment has minimum availability.'
                : 'Deployment does not have minimum availability.'),
          },
        ],
      },
    };
  },

  /** A Helm 3 release revision, stored the way Helm stores it. */
  helmRelease(
    namespace: string,
    release: string,
    version: number,
    status = 'deployed',
  ): FakeObject {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'helm.sh/release.v1',
      metadata: meta(`sh.helm.release.v1.${release}.v${version}`, namespace, {
        owner: 'helm',
        name: release,
        status,
        version: String(version),
        modifiedAt: '1735689600',
      }),
      data: { release: Buffer.from(`fake release ${release} v${version}`).toString('base64') },
    };
  },

  secret(namespace: string, name: string, data: Record<string, string> = {}): FakeObject {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: meta(name, namespace),
      data: Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
    };
  },

  job(
    namespace: string,
    name: string,
    opts: {
      active?: number;
      succeeded?: number;
      failed?: number;
      complete?: boolean;
      failedReason?: string;
    } = {},
  ): FakeObject {
    const conditions = [
      ...(opts.complete ? [{ type: 'Complete', status: 'True' }] : []),
      ...(opts.failedReason
        ? [
            {
              type: 'Failed',
              status: 'True',
              reason: opts.failedReason,
              message: 'Job has reached the specified backoff limit',
            },
          ]
        : []),
    ];
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: meta(name, namespace),
      spec: { completions: 1, backoffLimit: 6 },
      status: {
        ...(opts.active ? { active: opts.active } : {}),
        ...(opts.succeeded ? { succeeded: opts.succeeded } : {}),
        ...(opts.failed ? { failed: opts.failed } : {}),
        ...(conditions.length ? { conditions } : {}),
      },
    };
  },

  event(
    namespace: string,
    name: string,
    opts: {
      pod: string;
      reason: string;
      message: string;
      type?: 'Warning' | 'Normal';
      at?: string;
    },
  ): FakeObject {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: meta(name, namespace),
      involvedObject: { kind: 'Pod', name: opts.pod, namespace, apiVersion: 'v1' },
      reason: opts.reason,
      message: opts.message,
      type: opts.type ?? 'Warning',
      count: 1,
      lastTimestamp: opts.at ?? '2025-01-01T00:00:00Z',
    };
  },

  /** Any object: a custom resource, a Namespace, a StorageClass ... */
  object(
    apiVersion: string,
    kind: string,
    name: string,
    opts: { namespace?: string; labels?: Labels; spec?: unknown; status?: unknown } = {},
  ): FakeObject {
    return {
      apiVersion,
      kind,
      metadata: meta(name, opts.namespace, opts.labels),
      ...(opts.spec !== undefined ? { spec: opts.spec } : {}),
      ...(opts.status !== undefined ? { status: opts.status } : {}),
    };
  },
};

/**
 * Resolves once cond() holds, re-checking on every notification from subscribe; rejects after
 * timeoutMs with `what`. Tests await conditions this way instead of sleeping.
 */
export function until(
  subscribe: (notify: () => void) => () => void,
  cond: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`));
    }, timeoutMs);
    const off = subscribe(() => {
      if (!cond()) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
