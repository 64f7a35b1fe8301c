// The informer against test/helpers/fakeKubeApi.ts, a protocol double of the Kubernetes API:
// no API server can run on this machine, so a small real HTTP server on 127.0.0.1 speaks
// list+watch (resourceVersion, bookmarks, 410 Gone, dropped streams) as the real one does.
// No fixed sleeps: every test awaits a notification or a request in the double's log.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/client';
import {
  Informer,
  InformerPool,
  describeConnection,
  type InformerOptions,
  type ResourceQuery,
} from '../../src/kube/informer';
import { NODES, PODS, SECRETS } from '../../src/kube/resources';
import type { KubeObject, Pod } from '../../src/kube/types';
import { FakeKubeApi, k8s, until, type FakeObject } from '../helpers/fakeKubeApi';

const FAST: InformerOptions = { backoff: { initialMs: 20, maxMs: 200 }, requestTimeoutMs: 2000 };

let api: FakeKubeApi;
let client: KubeClient;
const informers: Informer[] = [];

beforeEach(async () => {
  api = await FakeKubeApi.start();
  client = KubeClient.fromKubeconfig({ kubeconfig: api.kubeconfig });
});

afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  await api.close();
});

function informer<T extends KubeObject = KubeObject>(
  query: ResourceQuery,
  opts: InformerOptions = FAST,
): Informer<T> {
  const i = new Informer<T>(client, query, opts);
  informers.push(i as unknown as Informer);
  i.start();
  return i;
}

const changes =
  <T extends KubeObject>(i: Informer<T>) =>
  (notify: () => void) =>
    i.on(notify);

function names<T extends KubeObject>(i: Informer<T>): string[] {
  return i
    .list()
    .map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
    .sort();
}

function serverNames(objs: FakeObject[]): string[] {
  return objs.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort();
}

describe('list then watch', () => {
  it('lists, then watches from the list resourceVersion with bookmarks allowed', async () => {
    api.upsert(k8s.node('a'));
    api.upsert(k8s.node('b'));
    const listRv = String(api.resourceVersion);
    const nodes = informer({ type: NODES });
    await nodes.whenSynced();
    expect(names(nodes)).toEqual(serverNames(api.objects('v1', 'Node')));
    const watch = await api.waitForRequest((r) => r.watch && r.path === '/api/v1/nodes');
    expect(watch.query).toMatchObject({ resourceVersion: listRv, allowWatchBookmarks: 'true' });
    expect(watch.query.timeoutSeconds).toBe('60');
    const list = api.requests.find((r) => !r.watch && r.path === '/api/v1/nodes');
    expect(list?.query.watch).toBeUndefined();
  });

  it('follows ADDED, MODIFIED and DELETED, and objects leaving the label selector', async () => {
    const pods = informer<Pod>({
      type: PODS,
      namespace: 'openstack',
      labelSelector: 'app=keystone',
    });
    await pods.whenSynced();
    await api.waitForRequest((r) => r.watch);
    api.upsert(k8s.pod('openstack', 'keystone-0', { labels: { app: 'keystone' } }));
    api.upsert(k8s.pod('openstack', 'nova-0', { labels: { app: 'nova' } }));
    api.upsert(k8s.pod('other', 'keystone-x', { labels: { app: 'keystone' } }));
    await until(changes(pods), () => pods.list().length === 1, 'keystone-0 added');
    api.upsert(k8s.pod('openstack', 'keystone-0', { labels: { app: 'keystone' }, ready: false }));
    await until(
      changes(pods),
      () => pods.get('keystone-0', 'openstack')?.status?.conditions?.[1]?.status === 'False',
      'keystone-0 modified',
    );
    api.upsert(k8s.pod('openstack', 'keystone-0', { labels: { app: 'moved' } }));
    await until(changes(pods), () => pods.list().length === 0, 'keystone-0 left the selector');
    expect(pods.stats.lists).toBe(1);
  });

  it('asks for metadata only when told, and gets PartialObjectMetadata', async () => {
    api.upsert(k8s.helmRelease('openstack', 'keystone', 1));
    const secrets = informer({
      type: SECRETS,
      namespace: 'openstack',
      labelSelector: 'owner=helm',
      metadataOnly: true,
    });
    await secrets.whenSynced();
    expect(secrets.list()[0]).not.toHaveProperty('data');
    expect(secrets.list()[0]?.metadata?.labels?.status).toBe('deployed');
    api.upsert(k8s.helmRelease('openstack', 'keystone', 2, 'pending-upgrade'));
    await until(changes(secrets), () => secrets.list().length === 2, 'revision 2 watched');
    const v2 = secrets.get('sh.helm.release.v1.keystone.v2', 'openstack');
    expect(v2?.kind).toBe('PartialObjectMetadata');
    expect(v2).not.toHaveProperty('data');
    const watch = await api.waitForRequest((r) => r.watch);
    expect(watch.accept).toContain('as=PartialObjectMetadata;');
  });

  it('sends the kubeconfig token; a wrong one shows as a connection error', async () => {
    await api.writeKubeconfig(api.kubeconfig, 'wrong-token');
    client = KubeClient.fromKubeconfig({ kubeconfig: api.kubeconfig });
    const nodes = informer({ type: NODES });
    await until(changes(nodes), () => nodes.connection.lastError !== undefined, 'an error');
    expect(nodes.connection.connected).toBe(false);
    expect(nodes.connection.lastError).toMatch(/401 Unauthorized.*credentials were rejected/);
    expect(nodes.synced).toBe(false);
  });

  it('is readable by client-node generated API clients too (CoreV1Api)', async () => {
    api.upsert(k8s.node('a', { labels: { role: 'storage-node' } }));
    const core = client.api(CoreV1Api);
    const list = await core.listNode({ labelSelector: 'role=storage-node' });
    expect(list.items.map((n) => n.metadata?.name)).toEqual(['a']);
    expect(list.metadata?.resourceVersion).toBe(String(api.resourceVersion));
  });
});

describe('recovery', () => {
  it('reconnects after the stream is dropped mid-way and misses nothing (no re-list)', async () => {
    const pods = informer({ type: PODS, namespace: 'openstack' });
    await pods.whenSynced();
    await api.waitForRequest((r) => r.watch);
    api.upsert(k8s.pod('openstack', 'a'));
    await until(changes(pods), () => pods.list().length === 1, 'a');
    const before = api.requests.length;
    expect(api.dropWatches()).toBe(1);
    // Changes while no watch is open: the next watch must replay them from the last rv.
    api.upsert(k8s.pod('openstack', 'b'));
    api.upsert(k8s.pod('openstack', 'a', { ready: false }));
    api.remove(k8s.pod('openstack', 'a'));
    api.upsert(k8s.pod('openstack', 'c'));
    const server = () => serverNames(api.objects('v1', 'Pod', 'openstack'));
    await until(
      changes(pods),
      () => names(pods).join() === server().join(),
      'state equals server state',
    );
    expect(pods.stats.drops).toBe(1);
    expect(pods.stats.lists).toBe(1);
    const rewatch = api.requests.slice(before).find((r) => r.watch)!;
    expect(Number(rewatch.query.resourceVersion)).toBeLessThan(api.resourceVersion);
    expect(pods.connection.connected).toBe(true);
  });

  it('re-lists after 410 Gone and ends with the server state, deletions included', async () => {
    api.upsert(k8s.node('a'));
    api.upsert(k8s.node('b'));
    const nodes = informer({ type: NODES });
    await nodes.whenSynced();
    await api.waitForRequest((r) => r.watch);
    const oldRv = Number(nodes.resourceVersion);
    api.dropWatches();
    api.remove(k8s.node('a'));
    api.upsert(k8s.node('c'));
    api.expireBefore(api.resourceVersion + 1); // everything the informer knows is now too old
    const synced: string[] = [];
    nodes.on((e) => {
      if (e.type === 'SYNCED') synced.push(e.resourceVersion);
      if (e.type === 'DELETED') synced.push(`deleted ${e.object.metadata?.name}`);
    });
    await until(changes(nodes), () => synced.some((s) => /^\d+$/.test(s)), 're-list');
    expect(synced).toContain('deleted a');
    expect(names(nodes)).toEqual(serverNames(api.objects('v1', 'Node')));
    expect(nodes.stats.gone).toBe(1);
    expect(nodes.stats.lists).toBe(2);
    const fromOld = api.requests.filter(
      (r) => r.watch && r.query.resourceVersion === String(oldRv),
    );
    expect(fromOld).toHaveLength(2); // the first watch, then the one answered with 410
    expect(fromOld[1]?.status).toBe(200); // 410 arrives as an ERROR event inside a 200 stream
    expect(nodes.connection.connected).toBe(true);
  });

  it('advances its resourceVersion on BOOKMARK and re-watches from it', async () => {
    const nodes = informer({ type: NODES });
    await nodes.whenSynced();
    await api.waitForRequest((r) => r.watch);
    api.upsert(k8s.pod('openstack', 'unrelated')); // moves the global rv, not the nodes
    api.advance(5);
    const target = String(api.resourceVersion);
    expect(nodes.resourceVersion).not.toBe(target);
    const bookmarked = until(changes(nodes), () => nodes.resourceVersion === target, 'bookmark rv');
    expect(api.bookmark()).toBe(1);
    await bookmarked;
    // History before the bookmark is gone: only the bookmark's rv avoids a 410 and a re-list.
    api.expireBefore(Number(target));
    const from = api.requests.length;
    api.dropWatches();
    const rewatch = await api.waitForRequest((r) => r.watch, { from });
    expect(rewatch.query.resourceVersion).toBe(target);
    api.upsert(k8s.node('late'));
    await until(changes(nodes), () => nodes.list().length === 1, 'node after bookmark');
    expect(nodes.stats.gone).toBe(0);
    expect(nodes.stats.lists).toBe(1);
  });

  it('re-opens a watch the server closed at timeoutSeconds, without re-listing', async () => {
    const nodes = informer({ type: NODES }, { ...FAST, watchTimeoutSeconds: 1 });
    await nodes.whenSynced();
    const first = await api.waitForRequest((r) => r.watch);
    expect(first.query.timeoutSeconds).toBe('1');
    const second = await api.waitForRequest((r) => r.watch && r !== first, { timeoutMs: 4000 });
    expect(second.query.resourceVersion).toBe(first.query.resourceVersion);
    expect(nodes.stats.lists).toBe(1);
    expect(nodes.stats.failures).toBe(0);
    expect(nodes.connection.connected).toBe(true);
  });
});

describe('unreachable API', () => {
  it('says disconnected (with lastContactAt) while connections are refused, and recovers', async () => {
    api.upsert(k8s.node('a'));
    const nodes = informer({ type: NODES });
    await nodes.whenSynced();
    await api.waitForRequest((r) => r.watch);
    const contact = nodes.connection.lastContactAt!;
    expect(contact).toBeGreaterThan(0);
    await api.pause('refuse');
    await until(changes(nodes), () => !nodes.connection.connected, 'disconnected');
    const c = nodes.connection;
    expect(c.lastError).toMatch(
      /cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
    expect(c.lastContactAt).toBeGreaterThanOrEqual(contact);
    expect(c.disconnectedSince).toBeGreaterThanOrEqual(c.lastContactAt!);
    expect(describeConnection(c, c.lastContactAt! + 42_000)).toMatch(
      /^API unreachable for 42 s \(cannot reach/,
    );
    // The cache keeps the last known state while disconnected.
    expect(nodes.list()).toHaveLength(1);
    api.upsert(k8s.node('b')); // happens while the installer cannot see it
    await api.resume();
    await until(
      changes(nodes),
      () => nodes.connection.connected && nodes.list().length === 2,
      'recovered',
    );
    expect(nodes.connection.lastError).toBeUndefined();
    expect(names(nodes)).toEqual(serverNames(api.objects('v1', 'Node')));
  });

  it('times out a hanging API (no answer, silent watch) and recovers', async () => {
    const nodes = informer({ type: NODES }, { ...FAST, requestTimeoutMs: 300, idleTimeoutMs: 400 });
    await nodes.whenSynced();
    await api.waitForRequest((r) => r.watch);
    await api.pause('hang');
    await until(changes(nodes), () => !nodes.connection.connected, 'disconnected');
    expect(nodes.connection.lastError).toMatch(
      /no data from the Kubernetes API for 400 ms|no answer from/,
    );
    await until(
      changes(nodes),
      () =>
        /no answer from the Kubernetes API .* within 300 ms/.test(nodes.connection.lastError ?? ''),
      'a request timed out',
    );
    api.upsert(k8s.node('b'));
    await api.resume();
    await until(
      changes(nodes),
      () => nodes.connection.connected && nodes.list().length === 1,
      'recovered',
    );
  });
});

describe('InformerPool', () => {
  it('shares one informer per query and stops it with the last lease', async () => {
    const pool = new InformerPool(client, FAST);
    const a = pool.acquire({ type: NODES });
    const b = pool.acquire({ type: NODES });
    const c = pool.acquire({ type: PODS, namespace: 'x' });
    expect(a.informer).toBe(b.informer);
    expect(pool.informers()).toHaveLength(2);
    await a.informer.whenSynced();
    a.release();
    expect(b.informer.running).toBe(true);
    b.release();
    expect(pool.informers()).toHaveLength(1);
    c.release();
    await pool.stop();
    expect(b.informer.running).toBe(false);
    expect(c.informer.running).toBe(false);
  });
});
