// Pure evaluation of done-checks against cached objects: each function takes the check and the
// objects its informer holds, and says passing or failing with a detail an operator can act on.
// The CheckWatcher (checks.ts) decides *which* objects; "pending" (nothing known yet) is its job.
import type { DoneCheck, ResourceRef } from '../plan/checks';
import { describePodProblem, podHealth, type PodHealth } from './podStatus';
import { labelMatcher } from './selector';
import type {
  CustomResourceDefinition,
  Deployment,
  Event,
  KubeObject,
  Node,
  Pod,
  Secret,
} from './types';

export type CheckStatus = 'pending' | 'passing' | 'failing';

export interface Evaluation {
  status: CheckStatus;
  detail: string;
}

type Check<K extends DoneCheck['kind']> = Extract<DoneCheck, { kind: K }>;

const pass = (detail: string): Evaluation => ({ status: 'passing', detail });
const fail = (detail: string): Evaluation => ({ status: 'failing', detail });

function list(names: readonly string[], max = 5): string {
  return names.length <= max
    ? names.join(', ')
    : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function conditionText(c: Condition): string {
  const why = [c.reason, c.message].filter(Boolean).join(': ');
  return `${c.type}=${c.status}${why ? ` (${why})` : ''}`;
}

export function evaluateDeploymentAvailable(
  check: Check<'deploymentAvailable'>,
  deployments: readonly Deployment[],
): Evaluation {
  const d = deployments.find(
    (x) => x.metadata?.name === check.name && x.metadata?.namespace === check.namespace,
  );
  const id = `deployment ${check.namespace}/${check.name}`;
  if (!d) return fail(`${id} not found`);
  const want = d.spec?.replicas ?? 1;
  const replicas = `${d.status?.readyReplicas ?? 0}/${want} replicas ready`;
  const available = d.status?.conditions?.find((c) => c.type === 'Available');
  if (!available) return fail(`${id} has no Available condition yet (${replicas})`);
  if (available.status === 'True') return pass(`${id} is Available (${replicas})`);
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  const stuck = progressing?.status === 'False' ? `; ${conditionText(progressing)}` : '';
  return fail(`${id} ${conditionText(available)}, ${replicas}${stuck}`);
}

/** Pods that count: not finished (Succeeded, as job pods are) and not being deleted. */
export function podsThatCount(pods: readonly Pod[]): Pod[] {
  return pods.filter((p) => p.status?.phase !== 'Succeeded' && !p.metadata?.deletionTimestamp);
}

export function evaluatePodsReady(
  check: Check<'podsReady'>,
  pods: readonly Pod[],
  events: readonly Event[] = [],
): Evaluation {
  const match = check.selector ? labelMatcher(check.selector) : () => true;
  const mine = podsThatCount(
    pods.filter((p) => p.metadata?.namespace === check.namespace && match(p.metadata?.labels)),
  );
  const which = check.selector ? `pods matching ${check.selector}` : 'pods';
  if (mine.length === 0) return fail(`no ${which} in ${check.namespace} yet`);
  const health = mine.map((p) => podHealth(p, events));
  const notReady = health.filter((h) => !h.ready);
  const count = `${health.length - notReady.length}/${health.length} pods ready`;
  if (notReady.length === 0) return pass(count);
  return fail(`${count}; ${problems(notReady)}`);
}

function problems(notReady: PodHealth[]): string {
  // Crash loops and stuck images first: they will not fix themselves.
  const sorted = [...notReady].sort(
    (a, b) => Number(b.crashLooping) - Number(a.crashLooping) || b.restarts - a.restarts,
  );
  const shown = sorted.slice(0, 2).map(describePodProblem);
  if (sorted.length > 2) shown.push(`${sorted.length - 2} more not ready`);
  return shown.join('; ');
}

/** Helm 3 stores each revision as a Secret labelled owner=helm, name=RELEASE, version=N, status=S. */
export function latestHelmRevision(
  secrets: readonly Pick<Secret, 'metadata'>[],
  release: string,
): { version: number; status: string; secret: string } | undefined {
  let best: { version: number; status: string; secret: string } | undefined;
  for (const s of secrets) {
    const l = s.metadata?.labels ?? {};
    if (l.owner !== 'helm' || l.name !== release) continue;
    const version = Number(l.version);
    if (!Number.isFinite(version)) continue;
    if (!best || version > best.version) {
      best = { version, status: l.status ?? 'unknown', secret: s.metadata?.name ?? '' };
    }
  }
  return best;
}

export function evaluateHelmRelease(
  check: Check<'helmRelease'>,
  secrets: readonly Pick<Secret, 'metadata'>[],
): Evaluation {
  const inNs = secrets.filter((s) => s.metadata?.namespace === check.namespace);
  const latest = latestHelmRevision(inNs, check.release);
  const id = `helm release ${check.namespace}/${check.release}`;
  if (!latest) return fail(`${id} not installed (no release secret)`);
  const text = `${id} revision ${latest.version} is ${latest.status}`;
  return latest.status === check.status ? pass(text) : fail(`${text}, not ${check.status}`);
}

export function evaluateCrdPresent(
  check: Check<'crdPresent'>,
  crds: readonly Pick<CustomResourceDefinition, 'metadata'>[],
): Evaluation {
  return crds.some((c) => c.metadata?.name === check.name)
    ? pass(`CRD ${check.name} exists`)
    : fail(`CRD ${check.name} not found`);
}

function names(nodes: readonly Node[]): string[] {
  return nodes.map((n) => n.metadata?.name ?? '?');
}

export function evaluateNodesLabelled(
  check: Check<'nodesLabelled'>,
  nodes: readonly Node[],
): Evaluation {
  const match = labelMatcher(check.selector);
  const hits = nodes.filter((n) => match(n.metadata?.labels));
  if (check.expect === 'none') {
    return hits.length === 0
      ? pass(`no node matches ${check.selector}`)
      : fail(`${hits.length} node(s) still match ${check.selector}: ${list(names(hits))}`);
  }
  return hits.length > 0
    ? pass(`${hits.length} node(s) match ${check.selector}: ${list(names(hits))}`)
    : fail(`no node matches ${check.selector} (of ${nodes.length} nodes)`);
}

export function evaluateNodesAnnotated(
  check: Check<'nodesAnnotated'>,
  nodes: readonly Node[],
): Evaluation {
  const match = labelMatcher(check.selector);
  const selected = nodes.filter((n) => match(n.metadata?.labels));
  const what = check.value !== undefined ? `${check.annotation}=${check.value}` : check.annotation;
  if (selected.length === 0) return fail(`no node matches ${check.selector}`);
  const ok: string[] = [];
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const n of selected) {
    const v = n.metadata?.annotations?.[check.annotation];
    const name = n.metadata?.name ?? '?';
    if (v === undefined) missing.push(name);
    else if (check.value !== undefined && v !== check.value)
      wrong.push(`${name} has ${check.annotation}=${v}`);
    else ok.push(name);
  }
  const count = `${ok.length}/${selected.length} nodes matching ${check.selector} have ${what}`;
  const passing = check.expect === 'some' ? ok.length > 0 : ok.length === selected.length;
  if (passing) return pass(count);
  const why = [
    missing.length ? `missing on ${list(missing)}` : '',
    wrong.length ? list(wrong, 3) : '',
  ].filter(Boolean);
  return fail(`${count}; ${why.join('; ')}`);
}

function nodeReady(n: Node): { ready: boolean; why: string } {
  const c = n.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c) return { ready: false, why: 'no Ready condition yet' };
  if (c.status === 'True') return { ready: true, why: '' };
  return {
    ready: false,
    why: [c.reason, c.message].filter(Boolean).join(': ') || `Ready=${c.status}`,
  };
}

export function evaluateNodesPresent(
  check: Check<'nodesPresent'>,
  nodes: readonly Node[],
): Evaluation {
  // Node names are lower case (RFC 1123); inventory host names may not be.
  const byName = new Map(nodes.map((n) => [(n.metadata?.name ?? '').toLowerCase(), n]));
  const missing: string[] = [];
  const notReady: string[] = [];
  for (const name of check.names) {
    const n = byName.get(name.toLowerCase());
    if (!n) missing.push(name);
    else if (check.ready) {
      const r = nodeReady(n);
      if (!r.ready) notReady.push(`${name} (${r.why})`);
    }
  }
  const total = check.names.length;
  const good = total - missing.length - notReady.length;
  const count = `${good}/${total} ${check.group} hosts are nodes${check.ready ? ' and Ready' : ''}`;
  if (total === 0) return pass(`no ${check.group} hosts to check`);
  if (missing.length === 0 && notReady.length === 0) return pass(count);
  const why = [
    missing.length ? `not registered: ${list(missing)}` : '',
    notReady.length ? `not Ready: ${list(notReady, 3)}` : '',
  ].filter(Boolean);
  return fail(`${count}; ${why.join('; ')}`);
}

export function resourceLabel(r: ResourceRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

function findResource(r: ResourceRef, objects: readonly KubeObject[]): KubeObject | undefined {
  return objects.find(
    (o) =>
      o.metadata?.name === r.name &&
      (r.namespace === undefined ||
        o.metadata?.namespace === r.namespace ||
        !o.metadata?.namespace),
  );
}

export function evaluateResourceExists(
  check: Check<'resourceExists'>,
  objects: readonly KubeObject[],
): Evaluation {
  const id = resourceLabel(check.resource);
  return findResource(check.resource, objects) ? pass(`${id} exists`) : fail(`${id} not found`);
}

export function evaluateResourceCondition(
  check: Check<'resourceCondition'>,
  objects: readonly KubeObject[],
): Evaluation {
  const id = resourceLabel(check.resource);
  const obj = findResource(check.resource, objects);
  if (!obj) return fail(`${id} not found`);
  const conditions = getPath(obj, '.status.conditions');
  const c = Array.isArray(conditions)
    ? (conditions as Condition[]).find((x) => x?.type === check.condition)
    : undefined;
  if (!c) return fail(`${id} has no ${check.condition} condition yet`);
  const text = `${id} ${conditionText(c)}`;
  return c.status === check.status
    ? pass(text)
    : fail(`${text}, waiting for ${check.condition}=${check.status}`);
}

export function evaluateResourceField(
  check: Check<'resourceField'>,
  objects: readonly KubeObject[],
): Evaluation {
  const id = resourceLabel(check.resource);
  const obj = findResource(check.resource, objects);
  if (!obj) return fail(`${id} not found`);
  const v = getPath(obj, check.path);
  if (v === undefined || v === null)
    return fail(`${id} ${check.path} is not set yet (waiting for ${check.equals})`);
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return text === check.equals
    ? pass(`${id} ${check.path} is ${text}`)
    : fail(`${id} ${check.path} is ${truncateValue(text)}, waiting for ${check.equals}`);
}

function truncateValue(s: string): string {
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
}

const SEGMENT = /\.([A-Za-z0-9_-]+)|\[(\d+)\]/g;

/** Reads a simple path (.status.addresses[0].value); undefined when any step is missing. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const m of path.matchAll(SEGMENT)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (m[1] !== undefined) {
      if (Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[m[1]];
    } else {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[Number(m[2])];
    }
  }
  return cur;
}
