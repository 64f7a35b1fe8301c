// Done-checks watched live against test/helpers/fakeKubeApi.ts, a protocol double of the
// Kubernetes API (no API server can run on this machine): a small real HTTP server on
// 127.0.0.1 serving list+watch for nodes, pods, secrets, deployments, jobs, CRDs, events and
// custom resources. Tests await the watcher's notifications; nothing sleeps.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckSchema, type DoneCheck } from '../../src/plan/checks';
import {
  CheckWatcher,
  ChecksTimeoutError,
  isCommandCheck,
  isKubeCheck,
  waitForChecks,
  type CheckResult,
  type CheckWatcherOptions,
} from '../../src/kube/checks';
import { KubeClient } from '../../src/kube/client';
import { InformerPool } from '../../src/kube/informer';
import { NamespaceView, type NamespaceModel } from '../../src/kube/namespaceView';
import { FakeKubeApi, k8s, until, type FakeKind } from '../helpers/fakeKubeApi';

const OPTS: CheckWatcherOptions = {
  informer: { backoff: { initialMs: 20, maxMs: 200 }, requestTimeoutMs: 2000 },
  discoveryBackoff: { initialMs: 20, maxMs: 100 },
};

const CEPH: FakeKind = {
  group: 'ceph.rook.io',
  version: 'v1',
  kind: 'CephCluster',
  plural: 'cephclusters',
  namespaced: true,
};
const GATEWAY: FakeKind = {
  group: 'gateway.networking.k8s.io',
  version: 'v1',
  kind: 'Gateway',
  plural: 'gateways',
  namespaced: true,
};

let api: FakeKubeApi;
let client: KubeClient;
const watchers: CheckWatcher[] = [];

beforeEach(async () => {
  api = await FakeKubeApi.start();
  client = KubeClient.fromKubeconfig({ kubeconfig: api.kubeconfig });
});

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.stop()));
  await api.close();
});

/** A check as the plan holds it: schema defaults applied (nodesPresent gets its names). */
function check(raw: Record<string, unknown>, names?: string[]): DoneCheck {
  const parsed = CheckSchema.parse(raw);
  return (parsed.kind === 'nodesPresent' ? { ...parsed, names: names ?? [] } : parsed) as DoneCheck;
}

function watch(checks: DoneCheck[]): CheckWatcher {
  const w = new CheckWatcher(client, checks, OPTS);
  watchers.push(w);
  return w.start();
}

const changes = (w: CheckWatcher) => (notify: () => void) => w.onChange(notify);

/** Every check settled (no longer pending). */
async function settled(checks: DoneCheck[]): Promise<CheckResult[]> {
  const w = watch(checks);
  await until(changes(w), () => w.results().every((r) => r.status !== 'pending'), 'checks settled');
  return w.results();
}

async function one(raw: Record<string, unknown>, names?: string[]): Promise<CheckResult> {
  const [r] = await settled([check(raw, names)]);
  return r!;
}

describe('each check kind, passing and failing', () => {
  it('deploymentAvailable', async () => {
    api.upsert(k8s.deployment('openstack', 'keystone-api', { replicas: 3 }));
    api.upsert(k8s.deployment('openstack', 'nova-api', { available: false, replicas: 3 }));
    const ok = await one({
      kind: 'deploymentAvailable',
      namespace: 'openstack',
      name: 'keystone-api',
    });
    expect(ok).toMatchObject({
      status: 'passing',
      detail: 'deployment openstack/keystone-api is Available (3/3 replicas ready)',
    });
    const bad = await one({
      kind: 'deploymentAvailable',
      namespace: 'openstack',
      name: 'nova-api',
    });
    expect(bad.status).toBe('failing');
    expect(bad.detail).toBe(
      'deployment openstack/nova-api Available=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.), 0/3 replicas ready',
    );
    const missing = await one({
      kind: 'deploymentAvailable',
      namespace: 'openstack',
      name: 'glance-api',
    });
    expect(missing).toMatchObject({
      status: 'failing',
      detail: 'deployment openstack/glance-api not found',
    });
  });

  it('podsReady: ignores Succeeded pods, explains the worst pod, 0 pods is not ready', async () => {
    const labels = { app: 'keystone' };
    api.upsert(k8s.pod('openstack', 'keystone-api-1', { labels }));
    api.upsert(
      k8s.pod('openstack', 'keystone-db-sync', { labels, phase: 'Succeeded', ready: false }),
    );
    api.upsert(k8s.pod('openstack', 'nova-api-0', { labels: { app: 'nova' }, ready: false }));
    const ok = await one({ kind: 'podsReady', namespace: 'openstack', selector: 'app=keystone' });
    expect(ok).toMatchObject({ status: 'passing', detail: '1/1 pods ready' });

    api.upsert(
      k8s.pod('openstack', 'keystone-api-0', {
        labels,
        ready: false,
        waiting: 'CrashLoopBackOff',
        restarts: 5,
      }),
    );
    const bad = await one({ kind: 'podsReady', namespace: 'openstack', selector: 'app=keystone' });
    expect(bad).toMatchObject({
      status: 'failing',
      detail: '1/2 pods ready; pod keystone-api-0: CrashLoopBackOff (restarts 5)',
    });
    const none = await one({ kind: 'podsReady', namespace: 'openstack', selector: 'app=cinder' });
    expect(none).toMatchObject({
      status: 'failing',
      detail: 'no pods matching app=cinder in openstack yet',
    });
    const all = await one({ kind: 'podsReady', namespace: 'openstack' });
    expect(all.detail).toMatch(
      /^1\/3 pods ready; pod keystone-api-0: CrashLoopBackOff \(restarts 5\); pod nova-api-0: ContainersNotReady/,
    );
  });

  it('podsReady: a pending pod says why (Unschedulable, or the latest Warning event)', async () => {
    api.upsert(
      k8s.pod('openstack', 'mariadb-0', {
        labels: { app: 'mariadb' },
        unschedulable:
          "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
      }),
    );
    const r = await one({ kind: 'podsReady', namespace: 'openstack', selector: 'app=mariadb' });
    expect(r.detail).toBe(
      "0/1 pods ready; pod mariadb-0: Unschedulable - 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
    );
  });

  it('helmRelease: the latest revision decides', async () => {
    api.upsert(k8s.helmRelease('openstack', 'keystone', 1, 'superseded'));
    api.upsert(k8s.helmRelease('openstack', 'keystone', 2, 'deployed'));
    api.upsert(k8s.helmRelease('openstack', 'nova', 1, 'deployed'));
    api.upsert(k8s.helmRelease('openstack', 'nova', 2, 'pending-upgrade'));
    api.upsert(k8s.helmRelease('openstack', 'neutron', 1, 'failed'));
    expect(
      await one({ kind: 'helmRelease', namespace: 'openstack', release: 'keystone' }),
    ).toMatchObject({
      status: 'passing',
      detail: 'helm release openstack/keystone revision 2 is deployed',
    });
    expect(
      await one({ kind: 'helmRelease', namespace: 'openstack', release: 'nova' }),
    ).toMatchObject({
      status: 'failing',
      detail: 'helm release openstack/nova revision 2 is pending-upgrade, not deployed',
    });
    expect(
      await one({
        kind: 'helmRelease',
        namespace: 'openstack',
        release: 'neutron',
        status: 'failed',
      }),
    ).toMatchObject({
      status: 'passing',
    });
    expect(
      await one({ kind: 'helmRelease', namespace: 'openstack', release: 'glance' }),
    ).toMatchObject({
      status: 'failing',
      detail: 'helm release openstack/glance not installed (no release secret)',
    });
  });

  it('crdPresent', async () => {
    api.registerKind(CEPH);
    expect(await one({ kind: 'crdPresent', name: 'cephclusters.ceph.rook.io' })).toMatchObject({
      status: 'passing',
    });
    expect(await one({ kind: 'crdPresent', name: 'volumes.longhorn.io' })).toMatchObject({
      status: 'failing',
      detail: 'CRD volumes.longhorn.io not found',
    });
  });

  it('nodesLabelled: some and none', async () => {
    api.upsert(k8s.node('n1', { labels: { 'kube-ovn/role': 'master' } }));
    api.upsert(k8s.node('n2', { labels: { role: 'storage-node' } }));
    const results = await settled([
      check({ kind: 'nodesLabelled', selector: 'kube-ovn/role=master' }),
      check({ kind: 'nodesLabelled', selector: 'longhorn.io/storage-node=enabled' }),
      check({ kind: 'nodesLabelled', selector: 'role=storage-node', expect: 'none' }),
      check({ kind: 'nodesLabelled', selector: 'role in (compute,gpu)', expect: 'none' }),
    ]);
    expect(results.map((r) => [r.status, r.detail])).toEqual([
      ['passing', '1 node(s) match kube-ovn/role=master: n1'],
      ['failing', 'no node matches longhorn.io/storage-node=enabled (of 2 nodes)'],
      ['failing', '1 node(s) still match role=storage-node: n2'],
      ['passing', 'no node matches role in (compute,gpu)'],
    ]);
  });

  it('nodesAnnotated: all and some, with and without a value', async () => {
    const net = { 'openstack-network-node': 'enabled' };
    api.upsert(
      k8s.node('n1', {
        labels: net,
        annotations: {
          'ovn.openstack.org/ports': 'br-ex:bond1',
          'ovn.openstack.org/gateway': 'enabled',
        },
      }),
    );
    api.upsert(
      k8s.node('n2', { labels: net, annotations: { 'ovn.openstack.org/gateway': 'disabled' } }),
    );
    api.upsert(k8s.node('n3', { annotations: {} }));
    const results = await settled([
      check({
        kind: 'nodesAnnotated',
        selector: 'openstack-network-node=enabled',
        annotation: 'ovn.openstack.org/ports',
      }),
      check({
        kind: 'nodesAnnotated',
        selector: 'openstack-network-node=enabled',
        annotation: 'ovn.openstack.org/gateway',
        value: 'enabled',
        expect: 'some',
      }),
      check({
        kind: 'nodesAnnotated',
        selector: 'openstack-network-node=enabled',
        annotation: 'ovn.openstack.org/gateway',
        value: 'enabled',
      }),
      check({ kind: 'nodesAnnotated', selector: 'role=none', annotation: 'x' }),
    ]);
    expect(results.map((r) => [r.status, r.detail])).toEqual([
      [
        'failing',
        '1/2 nodes matching openstack-network-node=enabled have ovn.openstack.org/ports; missing on n2',
      ],
      [
        'passing',
        '1/2 nodes matching openstack-network-node=enabled have ovn.openstack.org/gateway=enabled',
      ],
      [
        'failing',
        '1/2 nodes matching openstack-network-node=enabled have ovn.openstack.org/gateway=enabled; n2 has ovn.openstack.org/gateway=disabled',
      ],
      ['failing', 'no node matches role=none'],
    ]);
  });

  it('nodesPresent: registered, and Ready when asked', async () => {
    api.upsert(k8s.node('node-1'));
    api.upsert(k8s.node('node-2', { ready: false }));
    const results = await settled([
      check({ kind: 'nodesPresent', group: 'kube_node' }, ['node-1', 'Node-2', 'node-3']),
      check({ kind: 'nodesPresent', group: 'kube_node', ready: false }, ['node-1', 'node-2']),
      check({ kind: 'nodesPresent', group: 'kube_control_plane' }, ['node-1']),
    ]);
    expect(results.map((r) => [r.status, r.detail])).toEqual([
      [
        'failing',
        '1/3 kube_node hosts are nodes and Ready; not registered: node-3; not Ready: Node-2 (KubeletNotReady: container runtime network not ready: NetworkReady=false)',
      ],
      ['passing', '2/2 kube_node hosts are nodes'],
      ['passing', '1/1 kube_control_plane hosts are nodes and Ready'],
    ]);
  });

  it('resourceExists: built-in namespaced and cluster-scoped kinds', async () => {
    api.upsert(k8s.secret('openstack', 'mariadb', { password: 's3cret' }));
    api.upsert(k8s.object('v1', 'Namespace', 'openstack'));
    const results = await settled([
      check({
        kind: 'resourceExists',
        resource: { apiVersion: 'v1', kind: 'Secret', namespace: 'openstack', name: 'mariadb' },
      }),
      check({
        kind: 'resourceExists',
        resource: {
          apiVersion: 'v1',
          kind: 'Secret',
          namespace: 'openstack',
          name: 'keystone-admin',
        },
      }),
      check({
        kind: 'resourceExists',
        resource: { apiVersion: 'v1', kind: 'Namespace', name: 'openstack' },
      }),
      check({
        kind: 'resourceExists',
        resource: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'general' },
      }),
    ]);
    expect(results.map((r) => [r.status, r.detail])).toEqual([
      ['passing', 'Secret openstack/mariadb exists'],
      ['failing', 'Secret openstack/keystone-admin not found'],
      ['passing', 'Namespace openstack exists'],
      ['failing', 'StorageClass general not found'],
    ]);
    // Existence is asked as metadata only: the secret's data never leaves the server.
    const secretReqs = api.requests.filter((r) => r.path.endsWith('/secrets'));
    expect(secretReqs.length).toBeGreaterThan(0);
    for (const r of secretReqs) expect(r.accept).toContain('as=PartialObjectMetadata');
  });

  it('resourceCondition and resourceField on custom resources (found through discovery)', async () => {
    api.registerKind(GATEWAY);
    api.registerKind(CEPH);
    api.upsert(
      k8s.object('gateway.networking.k8s.io/v1', 'Gateway', 'flex-gateway', {
        namespace: 'envoy-gateway',
        status: {
          addresses: [{ type: 'IPAddress', value: '10.0.0.10' }],
          conditions: [
            { type: 'Accepted', status: 'True', reason: 'Accepted' },
            {
              type: 'Programmed',
              status: 'False',
              reason: 'AddressNotAssigned',
              message: 'No addresses',
            },
          ],
        },
      }),
    );
    api.upsert(
      k8s.object('ceph.rook.io/v1', 'CephCluster', 'rook-ceph', {
        namespace: 'rook-ceph',
        status: { phase: 'Ready', ceph: { health: 'HEALTH_WARN' } },
      }),
    );
    const gw = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      namespace: 'envoy-gateway',
      name: 'flex-gateway',
    };
    const ceph = {
      apiVersion: 'ceph.rook.io/v1',
      kind: 'CephCluster',
      namespace: 'rook-ceph',
      name: 'rook-ceph',
    };
    const results = await settled([
      check({ kind: 'resourceCondition', resource: gw, condition: 'Accepted' }),
      check({ kind: 'resourceCondition', resource: gw, condition: 'Programmed' }),
      check({ kind: 'resourceCondition', resource: gw, condition: 'ResolvedRefs' }),
      check({
        kind: 'resourceField',
        resource: gw,
        path: '.status.addresses[0].value',
        equals: '10.0.0.10',
      }),
      check({
        kind: 'resourceField',
        resource: ceph,
        path: '.status.ceph.health',
        equals: 'HEALTH_OK',
      }),
      check({
        kind: 'resourceField',
        resource: ceph,
        path: '.status.ceph.version',
        equals: '18.2.4',
      }),
    ]);
    expect(results.map((r) => [r.status, r.detail])).toEqual([
      ['passing', 'Gateway envoy-gateway/flex-gateway Accepted=True (Accepted)'],
      [
        'failing',
        'Gateway envoy-gateway/flex-gateway Programmed=False (AddressNotAssigned: No addresses), waiting for Programmed=True',
      ],
      ['failing', 'Gateway envoy-gateway/flex-gateway has no ResolvedRefs condition yet'],
      ['passing', 'Gateway envoy-gateway/flex-gateway .status.addresses[0].value is 10.0.0.10'],
      [
        'failing',
        'CephCluster rook-ceph/rook-ceph .status.ceph.health is HEALTH_WARN, waiting for HEALTH_OK',
      ],
      [
        'failing',
        'CephCluster rook-ceph/rook-ceph .status.ceph.version is not set yet (waiting for 18.2.4)',
      ],
    ]);
    expect(api.requests.some((r) => r.path === '/apis/ceph.rook.io/v1' && r.status === 200)).toBe(
      true,
    );
  });
});

describe('live', () => {
  it('a failing check becomes passing when the cluster catches up (awaits the notification)', async () => {
    const w = watch([
      check({ kind: 'deploymentAvailable', namespace: 'cert-manager', name: 'cert-manager' }),
      check({ kind: 'helmRelease', namespace: 'cert-manager', release: 'cert-manager' }),
    ]);
    await until(changes(w), () => w.results().every((r) => r.status === 'failing'), 'both failing');
    const seen: string[] = [];
    w.onChange((results) => seen.push(results.map((r) => r.status[0]).join('')));
    api.upsert(k8s.helmRelease('cert-manager', 'cert-manager', 1, 'pending-install'));
    api.upsert(k8s.deployment('cert-manager', 'cert-manager', { available: false }));
    await until(
      changes(w),
      () => w.results()[1]!.detail.includes('pending-install'),
      'pending-install seen',
    );
    api.upsert(k8s.deployment('cert-manager', 'cert-manager'));
    api.upsert(k8s.helmRelease('cert-manager', 'cert-manager', 1, 'deployed'));
    await until(changes(w), () => w.allPassing(), 'all passing');
    expect(seen.at(-1)).toBe('pp');
    expect(w.results()[0]!.since).toBeGreaterThan(0);
  });

  it('a custom kind not served yet fails with the reason, then passes once its CRD is installed', async () => {
    const w = watch([
      check({
        kind: 'resourceField',
        resource: {
          apiVersion: 'ceph.rook.io/v1',
          kind: 'CephCluster',
          namespace: 'rook-ceph',
          name: 'rook-ceph',
        },
        path: '.status.ceph.health',
        equals: 'HEALTH_OK',
      }),
    ]);
    await until(changes(w), () => w.results()[0]!.status === 'failing', 'failing');
    expect(w.results()[0]!.detail).toBe(
      'CephCluster rook-ceph/rook-ceph: the API does not serve ceph.rook.io/v1 yet (is the CRD for CephCluster installed?)',
    );
    api.registerKind(CEPH);
    await until(
      changes(w),
      () => w.results()[0]!.detail.endsWith('not found'),
      'served, not created',
    );
    api.upsert(
      k8s.object('ceph.rook.io/v1', 'CephCluster', 'rook-ceph', {
        namespace: 'rook-ceph',
        status: { ceph: { health: 'HEALTH_OK' } },
      }),
    );
    await until(changes(w), () => w.allPassing(), 'passing');
  });

  it('checks stay pending with the reason while the API is unreachable, then settle', async () => {
    await api.pause('refuse');
    const w = watch([check({ kind: 'crdPresent', name: 'volumes.longhorn.io' })]);
    await until(
      changes(w),
      () => /ECONNREFUSED/.test(w.results()[0]!.detail),
      'unreachable detail',
    );
    expect(w.results()[0]!.status).toBe('pending');
    expect(w.results()[0]!.detail).toMatch(
      /^waiting for the API: cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(w.connection().connected).toBe(false);
    api.registerKind({
      group: 'longhorn.io',
      version: 'v1beta2',
      kind: 'Volume',
      plural: 'volumes',
      namespaced: true,
    });
    await api.resume();
    await until(changes(w), () => w.allPassing(), 'passing after resume');
    expect(w.connection().connected).toBe(true);
  });

  it('a malformed selector fails the check, naming the selector, without a request', async () => {
    const [r] = await settled([check({ kind: 'nodesLabelled', selector: 'role=(x' })]);
    expect(r).toMatchObject({ status: 'failing' });
    expect(r!.detail).toMatch(/^invalid label selector "role=\(x"/);
    expect(api.requests).toHaveLength(0);
  });
});

describe('waitForChecks', () => {
  it('resolves when all pass; command checks are left to the engine', async () => {
    const checks = [
      check({ kind: 'command', argv: ['true'] }),
      check({ kind: 'crdPresent', name: 'cephclusters.ceph.rook.io' }),
    ];
    expect(checks.map(isCommandCheck)).toEqual([true, false]);
    expect(checks.map(isKubeCheck)).toEqual([false, true]);
    const done = waitForChecks(client, checks, { timeoutMs: 5000, watcher: OPTS });
    await api.waitForRequest((r) => r.watch && r.path.endsWith('/customresourcedefinitions'));
    api.registerKind(CEPH);
    const results = await done;
    expect(results.map((r) => [r.index, r.check.kind, r.status])).toEqual([
      [1, 'crdPresent', 'passing'],
    ]);
  });

  it('rejects on timeout with every open check and its last detail', async () => {
    api.upsert(k8s.node('n1'));
    const err = await waitForChecks(
      client,
      [
        check({ kind: 'nodesPresent', group: 'kube_node' }, ['n1']),
        check({ kind: 'deploymentAvailable', namespace: 'kube-system', name: 'coredns' }),
      ],
      { timeoutMs: 300, watcher: OPTS },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChecksTimeoutError);
    const e = err as ChecksTimeoutError;
    expect(e.message).toBe(
      '1 of 2 check(s) did not pass within 300 ms:\n' +
        '  - deployment kube-system/coredns is Available: failing: deployment kube-system/coredns not found',
    );
    expect(e.results.map((r) => r.status)).toEqual(['passing', 'failing']);
  });

  it('stops waiting when the signal aborts', async () => {
    const ac = new AbortController();
    const p = waitForChecks(client, [check({ kind: 'crdPresent', name: 'x.example.com' })], {
      signal: ac.signal,
      watcher: OPTS,
    });
    await api.waitForRequest((r) => r.watch);
    ac.abort(new Error('operator pressed q'));
    await expect(p).rejects.toThrow('operator pressed q');
  });

  it('shares informers through a pool: node checks use one Node watch', async () => {
    const pool = new InformerPool(client, OPTS.informer);
    const checks = [
      check({ kind: 'nodesLabelled', selector: 'a=b' }),
      check({ kind: 'nodesPresent', group: 'etcd' }, []),
      check({ kind: 'nodesAnnotated', selector: 'a=b', annotation: 'c' }),
    ];
    const w = new CheckWatcher(pool, checks, OPTS).start();
    watchers.push(w);
    await until(changes(w), () => w.results().every((r) => r.status !== 'pending'), 'settled');
    expect(api.requests.filter((r) => r.path === '/api/v1/nodes' && !r.watch)).toHaveLength(1);
    await w.stop();
    expect(pool.informers()).toHaveLength(0);
    await pool.stop();
  });
});

describe('NamespaceView', () => {
  it('models pods, jobs and Helm releases of one namespace, live', async () => {
    api.upsert(
      k8s.pod('openstack', 'keystone-api-0', {
        ready: false,
        waiting: 'CrashLoopBackOff',
        restarts: 5,
      }),
    );
    api.upsert(k8s.pod('openstack', 'keystone-api-1'));
    api.upsert(
      k8s.pod('openstack', 'mariadb-0', {
        unschedulable: '0/3 nodes are available: 3 Insufficient memory.',
      }),
    );
    api.upsert(
      k8s.pod('openstack', 'keystone-db-sync-x', {
        phase: 'Succeeded',
        ready: false,
        ownerJob: 'keystone-db-sync',
      }),
    );
    api.upsert(k8s.pod('other', 'elsewhere'));
    api.upsert(k8s.job('openstack', 'keystone-db-sync', { succeeded: 1, complete: true }));
    api.upsert(
      k8s.job('openstack', 'nova-db-sync', { failed: 7, failedReason: 'BackoffLimitExceeded' }),
    );
    api.upsert(k8s.helmRelease('openstack', 'keystone', 1, 'superseded'));
    api.upsert(k8s.helmRelease('openstack', 'keystone', 2, 'deployed'));
    api.upsert(k8s.helmRelease('openstack', 'nova', 1, 'failed'));
    const view = new NamespaceView(client, 'openstack', { informer: OPTS.informer }).start();
    let model: NamespaceModel = view.snapshot();
    const sub = (notify: () => void) =>
      view.onChange((m) => {
        model = m;
        notify();
      });
    try {
      await until(sub, () => model.synced && model.jobs.length === 2, 'synced');
      expect(
        model.pods.map((p) => [p.name, p.state, `${p.ready}/${p.total}`, p.restarts, p.reason]),
      ).toEqual([
        ['keystone-api-0', 'crashloop', '0/1', 5, 'CrashLoopBackOff'],
        ['mariadb-0', 'pending', '0/1', 0, 'Unschedulable'],
        ['keystone-api-1', 'ready', '1/1', 0, undefined],
        ['keystone-db-sync-x', 'completed', '0/1', 0, undefined],
      ]);
      expect(model.pods[1]!.message).toBe('0/3 nodes are available: 3 Insufficient memory.');
      expect(model.totals).toEqual({ pods: 3, ready: 1, crashLooping: 1, pending: 1, failed: 0 });
      expect(model.jobs.map((j) => [j.name, j.state, j.succeeded, j.failed, j.reason])).toEqual([
        ['keystone-db-sync', 'complete', 1, 0, undefined],
        ['nova-db-sync', 'failed', 0, 7, 'BackoffLimitExceeded'],
      ]);
      expect(model.releases.map((r) => [r.name, r.revision, r.status])).toEqual([
        ['keystone', 2, 'deployed'],
        ['nova', 1, 'failed'],
      ]);
      expect(model.connection.connected).toBe(true);

      api.upsert(k8s.pod('openstack', 'keystone-api-0'));
      await until(sub, () => model.totals.ready === 2, 'crash loop resolved');
      await api.pause('refuse');
      await until(sub, () => !model.connection.connected, 'disconnected');
      expect(model.pods).toHaveLength(4); // last known state stays
    } finally {
      await view.stop();
    }
  });
});
