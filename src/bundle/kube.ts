// What the cluster says, for the bundle: nodes (status, conditions), and the pods and events of
// the namespaces the deployment uses. Read-only GETs with the run's kubeconfig, all within one
// time limit; an API that does not answer gives a bundle that says so, never no bundle.
import path from 'node:path';
import {
  KubeApiError,
  KubeClient,
  KubeUnreachableError,
  formatMs,
  locateKubeconfig,
} from '../kube/client';
import type { Plan } from '../plan/plan';
import { podHealth } from '../kube/podStatus';
import type { Event, Node, Pod } from '../kube/types';

export interface KubeFile {
  /** Path under kubernetes/ in the bundle. */
  name: string;
  text: string;
}

export interface KubeReport {
  kubeconfig: string;
  /** answered: the API server answered (every list may still have failed on its own). */
  status: 'answered' | 'unreachable' | 'no kubeconfig' | 'timed out';
  server?: string;
  error?: string;
  namespaces: { wanted: string[]; present: string[]; absent: string[] };
  /** Lists that failed, with why (403, timeout ...). */
  failed: Array<{ what: string; error: string }>;
  files: KubeFile[];
}

// Namespaces Genestack always uses (reference §3: Kubespray, MetalLB, OpenStack), whether or
// not the plan names them in a check.
const ALWAYS = ['kube-system', 'metallb-system', 'openstack'];
const BY_BACKEND: Record<string, string[]> = {
  'rook-ceph': ['rook-ceph'],
  'external-ceph': ['rook-ceph-external', 'rook-ceph'],
  longhorn: ['longhorn-system'],
  topolvm: ['topolvm-system'],
};

/**
 * The namespaces of the deployment: Genestack's fixed ones, the storage backend's, and every
 * namespace the plan's running phases name (done-checks, `-n`/`--namespace` in argv).
 */
export function deployedNamespaces(plan: Plan | null, storageBackend?: string): string[] {
  const out = new Set<string>(ALWAYS);
  for (const ns of BY_BACKEND[storageBackend ?? ''] ?? []) out.add(ns);
  for (const p of plan?.phases ?? []) {
    if (p.skipped) continue;
    for (const c of p.doneChecks) {
      const ns = (c as { namespace?: unknown }).namespace;
      if (typeof ns === 'string' && ns !== '') out.add(ns);
    }
    p.argv.forEach((a, i) => {
      if ((a === '-n' || a === '--namespace') && p.argv[i + 1]) out.add(p.argv[i + 1]!);
      const m = /^--namespace=(.+)$/.exec(a);
      if (m) out.add(m[1]!);
    });
  }
  // A placeholder that was not resolved, or a shell word, is not a namespace name.
  return [...out].filter((n) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n)).sort();
}

interface List<T> {
  items?: T[];
}

function nodeSummary(n: Node) {
  const s = n.status ?? {};
  return {
    name: n.metadata?.name,
    ready: s.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown',
    unschedulable: n.spec?.unschedulable ?? false,
    taints: n.spec?.taints ?? [],
    labels: n.metadata?.labels ?? {},
    addresses: s.addresses ?? [],
    conditions: (s.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastTransitionTime: c.lastTransitionTime,
    })),
    nodeInfo: s.nodeInfo,
    capacity: s.capacity,
    allocatable: s.allocatable,
  };
}

function podSummary(p: Pod, events: Event[]) {
  const h = podHealth(p, events);
  const s = p.status ?? {};
  const containers = (list: typeof s.containerStatuses) =>
    (list ?? []).map((c) => ({
      name: c.name,
      ready: c.ready,
      restartCount: c.restartCount,
      image: c.image,
      state: c.state,
      lastState: c.lastState,
    }));
  return {
    name: h.name,
    phase: h.phase,
    ready: h.ready,
    readyContainers: `${h.readyContainers}/${h.containers}`,
    restarts: h.restarts,
    reason: h.reason,
    message: h.message,
    node: h.node,
    owner: p.metadata?.ownerReferences?.map((o) => `${o.kind}/${o.name}`),
    startTime: s.startTime,
    conditions: s.conditions,
    initContainers: containers(s.initContainerStatuses),
    containers: containers(s.containerStatuses),
  };
}

const eventTime = (e: Event): string =>
  e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '';

function eventSummary(e: Event) {
  const o = e.involvedObject;
  return {
    time: eventTime(e),
    type: e.type,
    reason: e.reason,
    object: `${o?.kind ?? '?'}/${o?.name ?? '?'}`,
    count: e.count ?? e.series?.count ?? 1,
    message: e.message,
    source: e.source?.component ?? e.reportingComponent,
  };
}

const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** A readable table for summary.txt: nodes, then every pod that is not ready or completed. */
function summaryText(
  nodes: ReturnType<typeof nodeSummary>[] | null,
  pods: Map<string, ReturnType<typeof podSummary>[]>,
): string {
  const lines: string[] = [];
  if (nodes) {
    lines.push(`nodes (${nodes.length}):`);
    for (const n of nodes) {
      const bad = n.conditions.filter(
        (c) => (c.type === 'Ready') !== (c.status === 'True') && c.status !== 'Unknown',
      );
      lines.push(
        `  ${n.name}  Ready=${n.ready}${n.unschedulable ? '  cordoned' : ''}${bad.length ? `  ${bad.map((c) => `${c.type}=${c.status} ${c.reason ?? ''}`.trim()).join(', ')}` : ''}`,
      );
    }
  }
  for (const [ns, list] of pods) {
    const notReady = list.filter((p) => !p.ready && p.phase !== 'Succeeded');
    lines.push('', `${ns}: ${list.length} pods, ${notReady.length} not ready`);
    for (const p of notReady) {
      lines.push(
        `  ${p.name}  ${p.reason ?? p.phase}  restarts=${p.restarts}${p.message ? `  ${p.message.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

export interface KubeCollectOptions {
  /** The run's kubeconfig; absent: $KUBECONFIG, else ~/.kube/config, as kubectl. */
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  namespaces: string[];
  /** The whole collection's time limit. */
  timeoutMs: number;
}

export async function collectKube(opts: KubeCollectOptions): Promise<KubeReport> {
  const location = locateKubeconfig({ kubeconfig: opts.kubeconfig, env: opts.env });
  const report: KubeReport = {
    kubeconfig: location.paths.join(path.delimiter),
    status: 'answered',
    namespaces: { wanted: opts.namespaces, present: [], absent: [] },
    failed: [],
    files: [],
  };
  let client: KubeClient;
  try {
    client = KubeClient.fromKubeconfig({ kubeconfig: opts.kubeconfig, env: opts.env });
  } catch (e) {
    return { ...report, status: 'no kubeconfig', error: (e as Error).message };
  }
  report.server = client.server;
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`time limit of ${formatMs(opts.timeoutMs)} reached`)),
    opts.timeoutMs,
  );
  const started = Date.now();
  const get = <T>(apiPath: string) =>
    client.getJson<T>(apiPath, {
      signal: deadline.signal,
      timeoutMs: Math.max(1000, opts.timeoutMs - (Date.now() - started)),
    });
  const why = (e: unknown): string =>
    deadline.signal.aborted
      ? `not answered within the time limit (${formatMs(opts.timeoutMs)})`
      : (e as Error).message;
  try {
    // The first request tells whether anything answers at all.
    try {
      const version = await get<Record<string, unknown>>('/version');
      report.files.push({ name: 'version.json', text: json(version) });
    } catch (e) {
      if (e instanceof KubeApiError) {
        report.failed.push({ what: 'version', error: e.message });
      } else {
        const timedOut =
          deadline.signal.aborted || (e instanceof KubeUnreachableError && e.code === 'ETIMEDOUT');
        return { ...report, status: timedOut ? 'timed out' : 'unreachable', error: why(e) };
      }
    }

    let nodes: ReturnType<typeof nodeSummary>[] | null = null;
    const nodesP = get<List<Node>>('/api/v1/nodes').then(
      (l) => {
        nodes = (l.items ?? []).map(nodeSummary);
        report.files.push({ name: 'nodes.json', text: json(nodes) });
      },
      (e: unknown) => void report.failed.push({ what: 'nodes', error: why(e) }),
    );
    let present = opts.namespaces;
    try {
      const l = await get<List<{ metadata?: { name?: string } }>>('/api/v1/namespaces');
      const existing = new Set((l.items ?? []).map((n) => n.metadata?.name));
      present = opts.namespaces.filter((n) => existing.has(n));
      report.namespaces.absent = opts.namespaces.filter((n) => !existing.has(n));
    } catch (e) {
      report.failed.push({ what: 'namespaces', error: why(e) });
    }
    report.namespaces.present = present;
    const pods = new Map<string, ReturnType<typeof podSummary>[]>();
    await Promise.all([
      nodesP,
      ...present.map(async (ns) => {
        const base = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
        const [evs, ps] = await Promise.allSettled([
          get<List<Event>>(`${base}/events`),
          get<List<Pod>>(`${base}/pods`),
        ]);
        const events = evs.status === 'fulfilled' ? (evs.value.items ?? []) : [];
        if (evs.status === 'fulfilled') {
          const sorted = events.map(eventSummary).sort((a, b) => a.time.localeCompare(b.time));
          report.files.push({ name: `${ns}/events.json`, text: json(sorted) });
        } else report.failed.push({ what: `events of ${ns}`, error: why(evs.reason) });
        if (ps.status === 'fulfilled') {
          const list = (ps.value.items ?? []).map((p) => podSummary(p, events));
          pods.set(ns, list);
          report.files.push({ name: `${ns}/pods.json`, text: json(list) });
        } else report.failed.push({ what: `pods of ${ns}`, error: why(ps.reason) });
      }),
    ]);
    report.files.push({
      name: 'summary.txt',
      text: summaryText(nodes, new Map([...pods].sort(([a], [b]) => a.localeCompare(b)))),
    });
    if (deadline.signal.aborted && report.failed.length > 0) {
      report.status = 'timed out';
      report.error = `the API stopped answering: not everything was collected within ${formatMs(opts.timeoutMs)}`;
    }
    return report;
  } finally {
    clearTimeout(timer);
  }
}
