// The Kubernetes panel, through the dashboard's real services: the phase's namespace comes from
// its done-checks in run.json, the kubeconfig from the run's copy of the profile. No Kubernetes API
// server can run on this machine (no etcd, no container runtime, loopback only), so the API is
// test/helpers/fakeKubeApi.ts: a protocol double that speaks list+watch over real HTTP on
// 127.0.0.1 (resourceVersions, bookmarks, 410 Gone, dropped streams).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { renderTui, type Rendered } from '../helpers/render';
import { FakeKubeApi, k8s } from '../helpers/fakeKubeApi';
import { DashboardApp } from '../../screens/dashboard/DashboardApp';
import { realDashboardServices, type DashboardServices } from '../../screens/dashboard/services';
import { FIXTURES } from './dashboardServices';

const RUN_ID = '20250115-100000-lab';
const REPO = path.join(import.meta.dirname, '../..');

let api: FakeKubeApi;
let dir: string;
let services: DashboardServices | null = null;
let r: Rendered | null = null;

beforeEach(async () => {
  api = await FakeKubeApi.start();
  dir = mkdtempSync(path.join(tmpdir(), 'gsi-dash-kube-'));
});
afterEach(async () => {
  r?.unmount();
  await services?.close();
  await api.close();
  rmSync(dir, { recursive: true, force: true });
  r = null;
  services = null;
});

/** A run folder as `deploy` makes it: the journal, run.json with the plan, the profile copy. */
function runFolder(kubeconfig: string): string {
  const runDir = path.join(dir, 'runs', RUN_ID);
  mkdirSync(runDir, { recursive: true });
  copyFileSync(path.join(FIXTURES, 'success.jsonl'), path.join(runDir, 'events.jsonl'));
  const doc = parseDocument(
    readFileSync(path.join(REPO, 'profiles/hyperconverged-lab.yaml'), 'utf8'),
  );
  doc.setIn(['genestack', 'kubeconfig'], kubeconfig);
  writeFileSync(path.join(runDir, 'profile.yaml'), doc.toString());
  const phase = (id: string, doneChecks: unknown[]) => ({ id, doneChecks });
  writeFileSync(
    path.join(runDir, 'run.json'),
    JSON.stringify({
      format: 1,
      runId: RUN_ID,
      profilePath: '/home/ubuntu/lab.yaml',
      plan: {
        phases: [
          phase('preflight', []),
          phase('kubespray', []),
          phase('kube-ovn', [{ kind: 'podsReady', namespace: 'kube-system', selector: 'app=ovn' }]),
          phase('secrets', [
            {
              kind: 'resourceExists',
              resource: { apiVersion: 'v1', kind: 'Secret', namespace: 'openstack', name: 'x' },
            },
          ]),
        ],
      },
    }),
  );
  return runDir;
}

async function showKubePanel(): Promise<Rendered> {
  services = realDashboardServices({
    stateDir: dir,
    runId: RUN_ID,
    informer: { backoff: { initialMs: 20, maxMs: 200 }, requestTimeoutMs: 2000 },
  });
  r = await renderTui(<DashboardApp services={services} control={false} onExit={() => {}} />, {
    columns: 120,
    rows: 40,
  });
  await r.waitFor((x) => x.includes('Deployment complete'));
  await r.send('k'); // secrets -> kube-ovn
  await r.send('2');
  return r;
}

describe('Kubernetes panel', () => {
  it('says there is no kubeconfig yet, naming the file and the phase that writes it', async () => {
    runFolder(path.join(dir, 'missing', 'kubeconfig'));
    const r = await showKubePanel();
    const f = await r.waitFor((x) => x.includes('No usable kubeconfig yet'));
    expect(f).toContain('namespace kube-system');
    expect(f).toContain('kubeconfig not found');
  });

  it('shows pods, jobs and Helm releases live, through a dropped watch and a 410 Gone', async () => {
    api.upsert(k8s.pod('kube-system', 'kube-ovn-cni-a', { labels: { app: 'ovn' } }));
    api.upsert(
      k8s.pod('kube-system', 'ovn-central-0', {
        ready: false,
        waiting: 'CrashLoopBackOff',
        restarts: 5,
      }),
    );
    api.upsert(
      k8s.pod('kube-system', 'kube-ovn-pinger-x', {
        unschedulable: '0/3 nodes are available: 3 Insufficient cpu.',
      }),
    );
    api.upsert(k8s.job('kube-system', 'ovn-db-init', { succeeded: 1, complete: true }));
    api.upsert(k8s.helmRelease('kube-system', 'kube-ovn', 2, 'deployed'));
    api.upsert(k8s.pod('openstack', 'elsewhere'));
    runFolder(api.kubeconfig);
    const r = await showKubePanel();
    let f = await r.waitFor(
      (x) => x.includes('ovn-central-0') && x.includes('rev 2'),
      'the first list',
    );
    expect(f).toContain('API connected');
    expect(f).toMatch(/pods 1\/3 ready · 1 crash-looping · 1 pending/);
    expect(f).toMatch(/crashloop\s+ovn-central-0 0\/1 restarts 5 CrashLoopBackOff/);
    expect(f).toMatch(/pending\s+kube-ovn-pinger-x 0\/1 Unschedulable: 0\/3 nodes/);
    expect(f).toMatch(/job complete\s+ovn-db-init 1\/1/);
    expect(f).toMatch(/helm\s+kube-ovn rev 2 deployed/);
    expect(f).not.toContain('elsewhere');

    // A load balancer cuts the watches: the panel reconnects from the last version and catches up.
    api.dropWatches();
    api.upsert(k8s.pod('kube-system', 'ovn-central-0'));
    f = await r.waitFor(
      (x) => x.includes('pods 2/3 ready') && !x.includes('crash-looping'),
      'the watch after a drop',
    );
    expect(f).toContain('API connected');

    // The server's history expires (410 Gone on the next watch): the panel lists again.
    const lists = () => api.requests.filter((q) => !q.watch && q.path.includes('/secrets')).length;
    const listsBefore = lists();
    const rv = api.resourceVersion;
    api.upsert(k8s.helmRelease('kube-system', 'kube-ovn', 3, 'pending-upgrade'));
    api.expireBefore(rv + 2);
    api.dropWatches();
    await r.waitFor((x) => x.includes('rev 3 pending-upgrade'), 'the re-list after 410');
    expect(lists()).toBeGreaterThan(listsBefore); // caught up by listing again, not by the watch
  });

  it('keeps the last known state when the API is unreachable, labelled with how long', async () => {
    api.upsert(k8s.pod('kube-system', 'kube-ovn-cni-a', { labels: { app: 'ovn' } }));
    runFolder(api.kubeconfig);
    const r = await showKubePanel();
    await r.waitFor((x) => x.includes('kube-ovn-cni-a') && x.includes('API connected'));
    await api.pause('refuse');
    api.dropWatches();
    const f = await r.waitFor(
      (x) => /API unreachable for [1-9]\d* s/.test(x),
      'the unreachable label to count seconds',
      15_000,
    );
    expect(f).toContain('showing the last known state');
    expect(f).toContain('kube-ovn-cni-a'); // still shown
    await api.resume();
    await r.waitFor((x) => x.includes('API connected'), 'the API back', 15_000);
  });
});
