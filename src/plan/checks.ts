// Done-checks: how the installer knows a phase has finished. Genestack's install scripts exit
// before their workloads are ready (reference §8, §3.20 "script exited 0 ≠ pods Ready"), so a
// phase is done only when its command exited 0 and every check passes. Checks are data here;
// the kube layer (src/kube) watches them through @kubernetes/client-node.
import { z } from 'zod';
import type { HostGroup } from '../genestack/inventory';
import { SCRIPT_TOKEN } from './shell';

/** Inventory groups a nodesPresent check may name (src/genestack/inventory.ts). */
export const NODE_GROUPS = [
  'kube_control_plane',
  'etcd',
  'kube_node',
  'openstack_control_plane',
  'ovn_network_nodes',
  'openstack_compute_nodes',
  'ceph_storage_nodes',
  'cinder_storage_nodes',
  'longhorn_storage_nodes',
] as const satisfies readonly HostGroup[];

const name = z.string().trim().min(1);
const seconds = z.number().int().positive();

/** What to do when a check has not passed within its timeout (reference §8.2). */
const RecoverSchema = z.strictObject({
  description: name,
  argv: z.array(name).min(1),
  /** How long to wait for the check again after the recovery command. */
  timeoutSeconds: seconds,
});

const common = {
  /** How long to wait for this check after the command exited; default: the rest of the phase's hard timeout. */
  timeoutSeconds: seconds.optional(),
  /** The check applies only when this holds (same language as a phase's `when`). */
  when: z.unknown().optional(),
  recover: RecoverSchema.optional(),
};

const ResourceRefSchema = z.strictObject({
  apiVersion: name,
  kind: name,
  namespace: name.optional(),
  name,
});

const JSON_PATH = /^(\.[A-Za-z0-9_-]+|\[\d+\])+$/;

export const CHECK_SCHEMAS = {
  deploymentAvailable: z.strictObject({
    kind: z.literal('deploymentAvailable'),
    namespace: name,
    name,
    ...common,
  }),
  podsReady: z.strictObject({
    kind: z.literal('podsReady'),
    namespace: name,
    /** Label selector; absent = every pod of the namespace. Completed job pods are ignored. */
    selector: name.optional(),
    ...common,
  }),
  helmRelease: z.strictObject({
    kind: z.literal('helmRelease'),
    namespace: name,
    release: name,
    status: name.default('deployed'),
    ...common,
  }),
  crdPresent: z.strictObject({ kind: z.literal('crdPresent'), name, ...common }),
  nodesLabelled: z.strictObject({
    kind: z.literal('nodesLabelled'),
    selector: name,
    /** some: at least one node matches; none: no node matches. */
    expect: z.enum(['some', 'none']).default('some'),
    ...common,
  }),
  nodesAnnotated: z.strictObject({
    kind: z.literal('nodesAnnotated'),
    selector: name,
    annotation: name,
    value: z.string().optional(),
    /** all: every node matching the selector carries it; some: at least one does. */
    expect: z.enum(['all', 'some']).default('all'),
    ...common,
  }),
  nodesPresent: z.strictObject({
    kind: z.literal('nodesPresent'),
    /** Every host of this inventory group is a registered node. */
    group: z.enum(NODE_GROUPS),
    /** ...and Ready (false right after Kubespray: no CNI yet, reference §3.2). */
    ready: z.boolean().default(true),
    ...common,
  }),
  resourceExists: z.strictObject({
    kind: z.literal('resourceExists'),
    resource: ResourceRefSchema,
    ...common,
  }),
  resourceCondition: z.strictObject({
    kind: z.literal('resourceCondition'),
    resource: ResourceRefSchema,
    condition: name,
    status: z.enum(['True', 'False', 'Unknown']).default('True'),
    ...common,
  }),
  resourceField: z.strictObject({
    kind: z.literal('resourceField'),
    resource: ResourceRefSchema,
    /** A simple path such as .status.ceph.health or .status.addresses[0].value */
    path: z.string().regex(JSON_PATH, { message: 'must be a path like .status.phase' }),
    equals: name,
    ...common,
  }),
  command: z.strictObject({
    kind: z.literal('command'),
    /** Exits 0 when done; runs with the phase's environment and working directory. */
    argv: z.array(name).min(1),
    intervalSeconds: seconds.default(10),
    ...common,
  }),
} as const;

export type CheckKind = keyof typeof CHECK_SCHEMAS;
export const CHECK_KINDS = Object.keys(CHECK_SCHEMAS) as CheckKind[];

export const CheckSchema = z.discriminatedUnion('kind', [
  CHECK_SCHEMAS.deploymentAvailable,
  CHECK_SCHEMAS.podsReady,
  CHECK_SCHEMAS.helmRelease,
  CHECK_SCHEMAS.crdPresent,
  CHECK_SCHEMAS.nodesLabelled,
  CHECK_SCHEMAS.nodesAnnotated,
  CHECK_SCHEMAS.nodesPresent,
  CHECK_SCHEMAS.resourceExists,
  CHECK_SCHEMAS.resourceCondition,
  CHECK_SCHEMAS.resourceField,
  CHECK_SCHEMAS.command,
]);

/** A check as written in the catalog (its `when` still raw). */
export type RawCheck = z.infer<typeof CheckSchema>;

export type ResourceRef = z.infer<typeof ResourceRefSchema>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type WithNames<C> = C extends { kind: 'nodesPresent' } ? C & { names: string[] } : C;

/** A check without its condition. */
export type CheckBody = DistributiveOmit<RawCheck, 'when'>;

/** A check in a plan: placeholders resolved, `when` applied, nodesPresent given its node names. */
export type DoneCheck = WithNames<CheckBody>;

function resourceName(r: ResourceRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/**
 * Shell-style quoting for display only; commands always run as argv arrays. With `template`,
 * ${placeholders} are left unquoted so catalog templates stay readable.
 */
export function displayArgv(argv: readonly string[], opts: { template?: boolean } = {}): string {
  const safe = opts.template
    ? /^([A-Za-z0-9_@%+=:,./-]|\$\{[A-Za-z0-9_]+\})+$/
    : /^[A-Za-z0-9_@%+=:,./-]+$/;
  return argv
    .map((a) => (safe.test(a) || a === SCRIPT_TOKEN ? a : `'${a.replace(/'/g, `'"'"'`)}'`))
    .join(' ');
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', rest ? `${rest}s` : ''].join('');
}

/** One line for the operator: what must hold for the check to pass. */
export function describeCheck(
  check: CheckBody | DoneCheck,
  opts: { template?: boolean } = {},
): string {
  let text: string;
  switch (check.kind) {
    case 'deploymentAvailable':
      text = `deployment ${check.namespace}/${check.name} is Available`;
      break;
    case 'podsReady':
      text = check.selector
        ? `pods ${check.selector} in ${check.namespace} are Ready`
        : `every pod in ${check.namespace} is Ready`;
      break;
    case 'helmRelease':
      text = `helm release ${check.namespace}/${check.release} is ${check.status}`;
      break;
    case 'crdPresent':
      text = `CRD ${check.name} exists`;
      break;
    case 'nodesLabelled':
      text =
        check.expect === 'none'
          ? `no node matches ${check.selector}`
          : `a node matches ${check.selector}`;
      break;
    case 'nodesAnnotated': {
      const a = check.value !== undefined ? `${check.annotation}=${check.value}` : check.annotation;
      text =
        check.expect === 'some'
          ? `a node matching ${check.selector} has ${a}`
          : `every node matching ${check.selector} has ${a}`;
      break;
    }
    case 'nodesPresent': {
      const count = 'names' in check ? ` (${(check as { names: string[] }).names.length})` : '';
      text = `every ${check.group} host${count} is a node${check.ready ? ' and Ready' : ''}`;
      break;
    }
    case 'resourceExists':
      text = `${resourceName(check.resource)} exists`;
      break;
    case 'resourceCondition':
      text = `${resourceName(check.resource)} has ${check.condition}=${check.status}`;
      break;
    case 'resourceField':
      text = `${resourceName(check.resource)} ${check.path} is ${check.equals}`;
      break;
    case 'command':
      text = `${displayArgv(check.argv, opts)} exits 0`;
      break;
  }
  if (check.timeoutSeconds) text += ` (within ${formatSeconds(check.timeoutSeconds)})`;
  if (check.recover) {
    text += `; otherwise ${check.recover.description} and wait ${formatSeconds(check.recover.timeoutSeconds)} more`;
  }
  return text;
}
