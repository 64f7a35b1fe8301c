// The dashboard's namespace model, as a pure function of cached objects.
import { describe, expect, it } from 'vitest';
import { buildNamespaceModel, helmReleases, jobRow, podRow } from '../../src/kube/namespaceView';
import type { Event, Job, Pod, Secret } from '../../src/kube/types';
import { k8s } from '../helpers/fakeKubeApi';

const pods = (...xs: unknown[]) => xs as Pod[];

describe('podRow', () => {
  it('classifies pods', () => {
    expect(podRow(k8s.pod('ns', 'a') as never)).toMatchObject({
      state: 'ready',
      ready: 1,
      total: 1,
      reason: undefined,
    });
    expect(
      podRow(
        k8s.pod('ns', 'b', { ready: false, waiting: 'CrashLoopBackOff', restarts: 7 }) as never,
      ),
    ).toMatchObject({
      state: 'crashloop',
      restarts: 7,
      reason: 'CrashLoopBackOff',
    });
    expect(podRow(k8s.pod('ns', 'c', { unschedulable: 'no nodes' }) as never)).toMatchObject({
      state: 'pending',
      reason: 'Unschedulable',
      message: 'no nodes',
    });
    expect(podRow(k8s.pod('ns', 'd', { phase: 'Failed', ready: false }) as never).state).toBe(
      'failed',
    );
    expect(podRow(k8s.pod('ns', 'e', { ready: false }) as never)).toMatchObject({
      state: 'running',
      reason: 'ContainersNotReady',
    });
  });

  it('takes the pending reason from events when the pod itself says nothing', () => {
    const p = k8s.pod('ns', 'p', { ready: false, phase: 'Pending' }) as unknown as Pod;
    p.status!.containerStatuses = [];
    const ev = [
      k8s.event('ns', 'e', {
        pod: 'p',
        reason: 'FailedScheduling',
        message: '0/3 nodes are available',
      }),
    ] as unknown as Event[];
    expect(podRow(p, ev)).toMatchObject({
      state: 'pending',
      reason: 'FailedScheduling',
      message: '0/3 nodes are available',
    });
  });
});

describe('jobRow', () => {
  it.each([
    [k8s.job('ns', 'j', { active: 1 }), 'running'],
    [k8s.job('ns', 'j', { succeeded: 1, complete: true }), 'complete'],
    [k8s.job('ns', 'j', { failed: 6, failedReason: 'BackoffLimitExceeded' }), 'failed'],
    [k8s.job('ns', 'j'), 'pending'],
  ])('%#', (job, state) => {
    expect(jobRow(job as unknown as Job).state).toBe(state);
  });
});

describe('helmReleases', () => {
  it('one row per release, newest revision, ignoring non-Helm secrets', () => {
    const secrets = [
      k8s.helmRelease('ns', 'b', 1, 'superseded'),
      k8s.helmRelease('ns', 'b', 2, 'pending-upgrade'),
      k8s.helmRelease('ns', 'a', 1),
      k8s.secret('ns', 'plain'),
    ] as unknown as Secret[];
    expect(helmReleases(secrets)).toEqual([
      { name: 'a', revision: 1, status: 'deployed', modifiedAt: 1735689600000 },
      { name: 'b', revision: 2, status: 'pending-upgrade', modifiedAt: 1735689600000 },
    ]);
  });
});

describe('buildNamespaceModel', () => {
  it('keeps to the namespace, sorts problems first and counts', () => {
    const m = buildNamespaceModel({
      namespace: 'openstack',
      pods: pods(
        k8s.pod('openstack', 'z-ready'),
        k8s.pod('openstack', 'a-ready'),
        k8s.pod('openstack', 'crash', { ready: false, waiting: 'CrashLoopBackOff' }),
        k8s.pod('openstack', 'sync', { phase: 'Succeeded', ready: false }),
        k8s.pod('openstack', 'wait', { unschedulable: 'x' }),
        k8s.pod('kube-system', 'other'),
      ),
      jobs: [k8s.job('openstack', 'sync', { complete: true, succeeded: 1 })] as unknown as Job[],
      secrets: [
        k8s.helmRelease('openstack', 'keystone', 1),
        k8s.helmRelease('other', 'x', 1),
      ] as unknown as Secret[],
      events: [],
      connection: { connected: false, lastError: 'connect ECONNREFUSED', disconnectedSince: 1 },
      synced: true,
    });
    expect(m.pods.map((p) => p.name)).toEqual(['crash', 'wait', 'a-ready', 'z-ready', 'sync']);
    expect(m.totals).toEqual({ pods: 4, ready: 2, crashLooping: 1, pending: 1, failed: 0 });
    expect(m.jobs).toHaveLength(1);
    expect(m.releases.map((r) => r.name)).toEqual(['keystone']);
    expect(m.connection.connected).toBe(false);
  });
});
