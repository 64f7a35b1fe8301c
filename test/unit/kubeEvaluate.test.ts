// Pure evaluation of done-checks and pod health: no server, plain objects as the API sends them.
import { describe, expect, it } from 'vitest';
import {
  evaluateDeploymentAvailable,
  evaluateHelmRelease,
  evaluateNodesPresent,
  evaluatePodsReady,
  evaluateResourceCondition,
  evaluateResourceField,
  getPath,
  latestHelmRevision,
} from '../../src/kube/evaluate';
import { describePodProblem, podHealth } from '../../src/kube/podStatus';
import type { Event, Pod } from '../../src/kube/types';
import { k8s } from '../helpers/fakeKubeApi';

const asPod = (o: unknown) => o as Pod;

describe('getPath', () => {
  const obj = {
    status: { addresses: [{ value: '10.0.0.1' }], ceph: { health: 'HEALTH_OK' }, n: 0 },
  };
  it.each([
    ['.status.ceph.health', 'HEALTH_OK'],
    ['.status.addresses[0].value', '10.0.0.1'],
    ['.status.addresses[1].value', undefined],
    ['.status.n', 0],
    ['.status.ceph[0]', undefined],
    ['.status.addresses.value', undefined],
    ['.spec.x', undefined],
  ])('%s', (path, want) => {
    expect(getPath(obj, path)).toBe(want);
  });
});

describe('podHealth', () => {
  it('reports a crash loop with its restarts and last exit', () => {
    const h = podHealth(
      asPod(k8s.pod('ns', 'p', { ready: false, waiting: 'CrashLoopBackOff', restarts: 5 })),
    );
    expect(h).toMatchObject({
      ready: false,
      crashLooping: true,
      restarts: 5,
      reason: 'CrashLoopBackOff',
    });
    expect(h.message).toBe('container main last exited: Error (exit code 1)');
    expect(describePodProblem(h)).toBe('pod p: CrashLoopBackOff (restarts 5)');
  });

  it('prefers the stuck container of several', () => {
    const pod = asPod(k8s.pod('ns', 'p', { ready: false }));
    pod.status!.containerStatuses = [
      {
        name: 'a',
        ready: false,
        restartCount: 0,
        image: '',
        imageID: '',
        state: { waiting: { reason: 'ContainerCreating' } },
      },
      {
        name: 'b',
        ready: false,
        restartCount: 0,
        image: '',
        imageID: '',
        state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } },
      },
    ];
    const h = podHealth(pod);
    expect(h.reason).toBe('ImagePullBackOff');
    expect(describePodProblem(h)).toBe('pod p: ImagePullBackOff - Back-off pulling image "x"');
  });

  it('explains an unschedulable pod from its PodScheduled condition', () => {
    const h = podHealth(
      asPod(k8s.pod('ns', 'p', { unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' })),
    );
    expect(h).toMatchObject({
      phase: 'Pending',
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient cpu.',
    });
  });

  it('uses the newest Warning event about the pod when nothing else explains it', () => {
    const pod = asPod(k8s.pod('ns', 'p', { ready: false, phase: 'Pending' }));
    pod.status!.containerStatuses = [];
    const events = [
      k8s.event('ns', 'e1', {
        pod: 'p',
        reason: 'FailedMount',
        message: 'old',
        at: '2025-01-01T00:00:00Z',
      }),
      k8s.event('ns', 'e2', {
        pod: 'p',
        reason: 'FailedMount',
        message: 'MountVolume.SetUp failed for volume "data"',
        at: '2025-01-01T00:05:00Z',
      }),
      k8s.event('ns', 'e3', {
        pod: 'p',
        reason: 'Scheduled',
        message: 'fine',
        type: 'Normal',
        at: '2025-01-01T00:09:00Z',
      }),
      k8s.event('ns', 'e4', {
        pod: 'other',
        reason: 'BackOff',
        message: 'not this pod',
        at: '2025-01-01T00:09:00Z',
      }),
    ] as unknown as Event[];
    expect(podHealth(pod, events)).toMatchObject({
      reason: 'FailedMount',
      message: 'MountVolume.SetUp failed for volume "data"',
    });
  });

  it('says Terminating and Completed', () => {
    const t = asPod(k8s.pod('ns', 'p'));
    t.metadata!.deletionTimestamp = '2025-01-01T00:00:00Z';
    expect(podHealth(t).reason).toBe('Terminating');
    expect(podHealth(asPod(k8s.pod('ns', 'j', { phase: 'Succeeded', ready: false }))).reason).toBe(
      'Completed',
    );
  });
});

describe('evaluators', () => {
  it('podsReady ignores Succeeded and terminating pods, and lists at most two problems', () => {
    const check = { kind: 'podsReady' as const, namespace: 'ns' };
    const done = asPod(k8s.pod('ns', 'job-x', { phase: 'Succeeded', ready: false }));
    const gone = asPod(k8s.pod('ns', 'old', { ready: false }));
    gone.metadata!.deletionTimestamp = '2025-01-01T00:00:00Z';
    expect(evaluatePodsReady(check, [done, gone])).toEqual({
      status: 'failing',
      detail: 'no pods in ns yet',
    });
    const pods = [
      asPod(k8s.pod('ns', 'a', { ready: false })),
      asPod(k8s.pod('ns', 'b', { ready: false, waiting: 'CrashLoopBackOff', restarts: 2 })),
      asPod(
        k8s.pod('ns', 'c', { ready: false, waiting: 'ImagePullBackOff', waitingMessage: 'pull' }),
      ),
      asPod(k8s.pod('ns', 'd')),
      done,
    ];
    expect(evaluatePodsReady(check, pods).detail).toBe(
      '1/4 pods ready; pod b: CrashLoopBackOff (restarts 2); pod a: ContainersNotReady; 1 more not ready',
    );
  });

  it('deploymentAvailable mentions a stalled rollout', () => {
    const d = k8s.deployment('ns', 'd', { available: false, replicas: 2, readyReplicas: 1 });
    (d.status as { conditions: unknown[] }).conditions.push({
      type: 'Progressing',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "d-1" has timed out progressing.',
    });
    const r = evaluateDeploymentAvailable(
      { kind: 'deploymentAvailable', namespace: 'ns', name: 'd' },
      [d as never],
    );
    expect(r.detail).toBe(
      'deployment ns/d Available=False (MinimumReplicasUnavailable: Deployment does not have minimum availability.), 1/2 replicas ready; Progressing=False (ProgressDeadlineExceeded: ReplicaSet "d-1" has timed out progressing.)',
    );
  });

  it('helmRelease compares revisions as numbers', () => {
    const secrets = [2, 10, 9].map((v) =>
      k8s.helmRelease('ns', 'r', v, v === 10 ? 'failed' : 'superseded'),
    );
    expect(latestHelmRevision(secrets, 'r')).toEqual({
      version: 10,
      status: 'failed',
      secret: 'sh.helm.release.v1.r.v10',
    });
    expect(
      evaluateHelmRelease(
        { kind: 'helmRelease', namespace: 'ns', release: 'r', status: 'deployed' },
        secrets,
      ),
    ).toEqual({
      status: 'failing',
      detail: 'helm release ns/r revision 10 is failed, not deployed',
    });
  });

  it('nodesPresent with no hosts passes, and names are matched case-insensitively', () => {
    const base = { kind: 'nodesPresent' as const, group: 'etcd' as const, ready: true };
    expect(evaluateNodesPresent({ ...base, names: [] }, []).status).toBe('passing');
    expect(
      evaluateNodesPresent({ ...base, names: ['CTL-1'] }, [k8s.node('ctl-1') as never]).status,
    ).toBe('passing');
  });

  it('resourceCondition with a wanted status of False', () => {
    const obj = k8s.object('x.io/v1', 'Thing', 't', {
      status: { conditions: [{ type: 'Degraded', status: 'False' }] },
    });
    const r = evaluateResourceCondition(
      {
        kind: 'resourceCondition',
        resource: { apiVersion: 'x.io/v1', kind: 'Thing', name: 't' },
        condition: 'Degraded',
        status: 'False',
      },
      [obj as never],
    );
    expect(r).toEqual({ status: 'passing', detail: 'Thing t Degraded=False' });
  });

  it('resourceField compares numbers and booleans by their text', () => {
    const obj = k8s.object('x.io/v1', 'Thing', 't', {
      namespace: 'ns',
      status: { ready: true, replicas: 3 },
    });
    const ref = { apiVersion: 'x.io/v1', kind: 'Thing', namespace: 'ns', name: 't' };
    expect(
      evaluateResourceField(
        { kind: 'resourceField', resource: ref, path: '.status.ready', equals: 'true' },
        [obj as never],
      ).status,
    ).toBe('passing');
    expect(
      evaluateResourceField(
        { kind: 'resourceField', resource: ref, path: '.status.replicas', equals: '3' },
        [obj as never],
      ).status,
    ).toBe('passing');
  });
});
