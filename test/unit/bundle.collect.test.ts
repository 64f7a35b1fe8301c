// Pieces of the bundle's collection: saved discoveries, the namespaces asked about, and the
// Kubernetes part against test/helpers/fakeKubeApi.ts (a protocol double of the API server: no
// real one can run here).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { discoveryDir, listDiscoveries, saveDiscovery } from '../../src/bundle/discoveryStore';
import { collectKube, deployedNamespaces } from '../../src/bundle/kube';
import type { Plan, PlanPhase } from '../../src/plan/plan';
import { FakeKubeApi, k8s } from '../helpers/fakeKubeApi';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gsi-bundle-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('saved discoveries', () => {
  it('are written 0600 in a 0700 folder, newest first, only the newest kept', () => {
    const state = join(dir, 'state');
    const files: string[] = [];
    for (let i = 0; i < 5; i++) {
      files.push(
        saveDiscovery(state, [{ host: `h${i}` }], new Date(Date.UTC(2026, 0, 1, 0, 0, i)), 3),
      );
    }
    const list = listDiscoveries(state);
    expect(list).toEqual([files[4], files[3], files[2]]);
    expect(statSync(discoveryDir(state)).mode & 0o777).toBe(0o700);
    expect(statSync(list[0]!).mode & 0o777).toBe(0o600);
    expect(basename(list[0]!)).toMatch(/^20260101T000004000Z-[0-9a-f]{4}\.json$/);
    const saved = JSON.parse(readFileSync(list[0]!, 'utf8'));
    expect(saved).toEqual({ savedAt: '2026-01-01T00:00:04.000Z', hosts: [{ host: 'h4' }] });
  });

  it('is an empty list when nothing was saved', () => {
    expect(listDiscoveries(join(dir, 'nothing-here'))).toEqual([]);
  });
});

function phase(p: Partial<PlanPhase>): PlanPhase {
  return {
    id: 'p',
    title: 'p',
    group: 'openstack',
    kind: 'command',
    argv: [],
    cwd: '/',
    env: {},
    envFromProfile: [],
    needs: [],
    droppedNeeds: [],
    doneChecks: [],
    skipIfDone: false,
    expectedSeconds: 1,
    softTimeoutSeconds: 1,
    hardTimeoutSeconds: 1,
    retry: { attempts: 1, delaySeconds: 0 },
    ...p,
  } as PlanPhase;
}

describe('the namespaces of a deployment', () => {
  it('are Genestack’s own, the storage backend’s, and those the running phases name', () => {
    const plan = {
      phases: [
        phase({
          doneChecks: [
            { kind: 'podsReady', namespace: 'envoy-gateway' },
          ] as PlanPhase['doneChecks'],
        }),
        phase({ argv: ['kubectl', '-n', 'rabbitmq-system', 'apply'] }),
        phase({ argv: ['helm', 'upgrade', '--namespace=cert-manager'] }),
        phase({
          argv: ['kubectl', '-n', 'skipped-ns'],
          skipped: { reason: 'off', condition: 'x' },
        }),
        phase({ argv: ['kubectl', '-n', '${notResolved}'] }),
      ],
    } as unknown as Plan;
    expect(deployedNamespaces(plan, 'rook-ceph')).toEqual([
      'cert-manager',
      'envoy-gateway',
      'kube-system',
      'metallb-system',
      'openstack',
      'rabbitmq-system',
      'rook-ceph',
    ]);
    expect(deployedNamespaces(null, 'longhorn')).toEqual([
      'kube-system',
      'longhorn-system',
      'metallb-system',
      'openstack',
    ]);
  });
});

describe('collectKube against the API double', () => {
  let api: FakeKubeApi;
  beforeAll(async () => {
    api = await FakeKubeApi.start();
    api.upsert(k8s.object('v1', 'Namespace', 'openstack'));
    api.upsert(k8s.node('n1', { ready: false }));
    api.upsert(
      k8s.pod('openstack', 'nova-api-0', {
        ready: false,
        unschedulable: '0/3 nodes are available',
      }),
    );
  });
  afterAll(async () => api?.close());

  it('lists nodes, and pods and events of the namespaces that exist', async () => {
    const r = await collectKube({
      kubeconfig: api.kubeconfig,
      namespaces: ['openstack', 'rook-ceph'],
      timeoutMs: 5000,
    });
    expect(r.status).toBe('answered');
    expect(r.namespaces).toEqual({
      wanted: ['openstack', 'rook-ceph'],
      present: ['openstack'],
      absent: ['rook-ceph'],
    });
    expect(r.files.map((f) => f.name).sort()).toEqual([
      'nodes.json',
      'openstack/events.json',
      'openstack/pods.json',
      'summary.txt',
      'version.json',
    ]);
    const paths = api.requests.map((q) => q.path);
    expect(paths).toContain('/api/v1/namespaces/openstack/pods');
    expect(paths).not.toContain('/api/v1/namespaces/rook-ceph/pods');
    // Only reads.
    expect(api.requests.every((q) => q.method === 'GET' && !q.watch)).toBe(true);
    const summary = r.files.find((f) => f.name === 'summary.txt')!.text;
    expect(summary).toContain('n1  Ready=False');
    expect(summary).toContain('nova-api-0  Unschedulable');
  });

  it('records every list the API refuses (a rejected token), and goes on', async () => {
    const bad = await api.writeKubeconfig(join(dir, 'bad-kubeconfig'), 'wrong-token');
    const r = await collectKube({ kubeconfig: bad, namespaces: ['openstack'], timeoutMs: 5000 });
    expect(r.status).toBe('answered');
    expect(r.failed.map((f) => f.what)).toEqual(
      expect.arrayContaining(['version', 'nodes', 'namespaces']),
    );
    expect(r.failed[0]!.error).toContain('401');
  });

  it('says so when there is no kubeconfig', async () => {
    const r = await collectKube({ kubeconfig: join(dir, 'none'), namespaces: [], timeoutMs: 1000 });
    expect(r.status).toBe('no kubeconfig');
    expect(r.error).toContain('kubeconfig not found');
  });
});
