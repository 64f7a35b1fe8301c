// Object shapes as they arrive on the wire. client-node's model classes describe timestamps as
// Date, but its watch stream (and our own list+watch) hands out parsed JSON, where they are
// RFC 3339 strings; Wire<T> says so, so no code here mistakes a string for a Date.
import type {
  CoreV1Event,
  KubernetesObject,
  V1CustomResourceDefinition,
  V1Deployment,
  V1Job,
  V1Node,
  V1Pod,
  V1Secret,
  V1Status,
} from '@kubernetes/client-node';

export type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

export type KubeObject = Wire<KubernetesObject>;
export type Pod = Wire<V1Pod>;
export type Node = Wire<V1Node>;
export type Secret = Wire<V1Secret>;
export type Deployment = Wire<V1Deployment>;
export type Job = Wire<V1Job>;
export type Event = Wire<CoreV1Event>;
export type CustomResourceDefinition = Wire<V1CustomResourceDefinition>;
export type Status = Wire<V1Status>;

/** The name as `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: { metadata?: { name?: string; namespace?: string } }): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}
