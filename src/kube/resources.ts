// Which URL serves a kind. Built-in kinds come from a table; any other kind (CephCluster,
// Gateway, IPAddressPool, Subnet ...) is looked up through API discovery
// (GET /apis/GROUP/VERSION), the way kubectl does, and cached once found.
import type { KubeClient } from './client';
import { KubeApiError } from './client';

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  kind: string;
  /** The URL segment: pods, deployments, cephclusters. */
  plural: string;
  namespaced: boolean;
}

export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function apiVersionOf(t: Pick<ResourceType, 'group' | 'version'>): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

function groupVersionPath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

/** The collection URL: /api/v1/namespaces/ns/pods, /apis/apps/v1/deployments (all namespaces). */
export function collectionPath(t: ResourceType, namespace?: string): string {
  const base = groupVersionPath(t.group, t.version);
  return t.namespaced && namespace
    ? `${base}/namespaces/${encodeURIComponent(namespace)}/${t.plural}`
    : `${base}/${t.plural}`;
}

function t(apiVersion: string, kind: string, plural: string, namespaced: boolean): ResourceType {
  return { ...parseApiVersion(apiVersion), kind, plural, namespaced };
}

export const NODES = t('v1', 'Node', 'nodes', false);
export const PODS = t('v1', 'Pod', 'pods', true);
export const SECRETS = t('v1', 'Secret', 'secrets', true);
export const EVENTS = t('v1', 'Event', 'events', true);
export const DEPLOYMENTS = t('apps/v1', 'Deployment', 'deployments', true);
export const JOBS = t('batch/v1', 'Job', 'jobs', true);
export const CRDS = t(
  'apiextensions.k8s.io/v1',
  'CustomResourceDefinition',
  'customresourcedefinitions',
  false,
);

/** Kinds every cluster serves; anything else goes through discovery. */
export const BUILTIN_TYPES: readonly ResourceType[] = [
  NODES,
  PODS,
  SECRETS,
  EVENTS,
  DEPLOYMENTS,
  JOBS,
  CRDS,
  t('v1', 'Namespace', 'namespaces', false),
  t('v1', 'ConfigMap', 'configmaps', true),
  t('v1', 'Service', 'services', true),
  t('v1', 'ServiceAccount', 'serviceaccounts', true),
  t('v1', 'Endpoints', 'endpoints', true),
  t('v1', 'PersistentVolume', 'persistentvolumes', false),
  t('v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true),
  t('apps/v1', 'StatefulSet', 'statefulsets', true),
  t('apps/v1', 'DaemonSet', 'daemonsets', true),
  t('apps/v1', 'ReplicaSet', 'replicasets', true),
  t('batch/v1', 'CronJob', 'cronjobs', true),
  t('storage.k8s.io/v1', 'StorageClass', 'storageclasses', false),
  t('networking.k8s.io/v1', 'Ingress', 'ingresses', true),
  t('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true),
];

export function builtinType(apiVersion: string, kind: string): ResourceType | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  return BUILTIN_TYPES.find((x) => x.group === group && x.version === version && x.kind === kind);
}

/** The API does not serve this kind (yet): usually its CRD is not installed. */
export class UnservedKindError extends Error {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
    readonly reason: 'group-version' | 'kind',
  ) {
    super(
      reason === 'group-version'
        ? `the API does not serve ${apiVersion} yet (is the CRD for ${kind} installed?)`
        : `${apiVersion} has no kind ${kind}`,
    );
    this.name = 'UnservedKindError';
  }
}

interface APIResourceList {
  groupVersion?: string;
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** Resolves apiVersion+kind to a URL; caches what it found, never what it did not. */
export class ResourceResolver {
  private readonly found = new Map<string, ResourceType>();

  constructor(private readonly client: KubeClient) {}

  async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceType> {
    const builtin = builtinType(apiVersion, kind);
    if (builtin) return builtin;
    const key = `${apiVersion}/${kind}`;
    const cached = this.found.get(key);
    if (cached) return cached;
    const { group, version } = parseApiVersion(apiVersion);
    let list: APIResourceList;
    try {
      list = await this.client.getJson<APIResourceList>(groupVersionPath(group, version), {
        signal,
      });
    } catch (e) {
      if (e instanceof KubeApiError && e.statusCode === 404) {
        throw new UnservedKindError(apiVersion, kind, 'group-version');
      }
      throw e;
    }
    // Subresources (cephclusters/status) carry the same kind; the plain name is the collection.
    const r = (list.resources ?? []).find((x) => x.kind === kind && !x.name.includes('/'));
    if (!r) throw new UnservedKindError(apiVersion, kind, 'kind');
    const type: ResourceType = { group, version, kind, plural: r.name, namespaced: r.namespaced };
    this.found.set(key, type);
    return type;
  }
}
