// The kube layer's public surface: see docs/kube.md.
export {
  KubeClient,
  KubeApiError,
  KubeUnreachableError,
  loadKubeConfig,
  locateKubeconfig,
  isGone,
} from './client';
export type { KubeconfigOptions, KubeconfigLocation, KubeconfigOrigin } from './client';
export {
  Informer,
  backoffDelay,
  InformerPool,
  WatchDroppedError,
  combineConnection,
  describeConnection,
  describeQuery,
  formatDuration,
  queryKey,
} from './informer';
export type {
  ConnectionState,
  InformerEvent,
  InformerListener,
  InformerOptions,
  Lease,
  ResourceQuery,
} from './informer';
export {
  CheckWatcher,
  ChecksTimeoutError,
  isCommandCheck,
  isKubeCheck,
  waitForChecks,
} from './checks';
export type {
  CheckListener,
  CheckResult,
  CheckStatus,
  CheckWatcherOptions,
  CommandCheck,
  KubeCheck,
} from './checks';
export { NamespaceView, buildNamespaceModel, helmReleases, jobRow, podRow } from './namespaceView';
export type { JobRow, NamespaceModel, PodRow, ReleaseRow } from './namespaceView';
export { ResourceResolver, UnservedKindError, collectionPath } from './resources';
export type { ResourceType } from './resources';
