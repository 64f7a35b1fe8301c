// The profile: the single source of truth for what a deployment will do.
// assets/profile.schema.json is generated from this file (npm run schema); never edit it by hand.
// Defaults come from Genestack's own files; the reference section is cited next to each one
// (shared reference genestack.md).
import { z } from 'zod';
import {
  API_VERSION,
  CINDER_BACKENDS,
  OPENSTACK_SERVICE_DEFAULTS,
  OPENSTACK_SERVICES,
  ROLES,
  STORAGE_BACKENDS,
  TOPOLOGIES,
  type OpenStackService,
} from './vocabulary';

// The names and constants of the profile live in ./vocabulary.ts, which does not load zod (the
// wizard's home screen and the dashboard need them before any validation); re-exported here.
export * from './vocabulary';

const nonEmpty = () => z.string().trim().min(1, { message: 'must not be empty' });

// Stable disk paths only: /dev/sdX names change between boots, and a wrong name could wipe
// the wrong disk.
const byIdPath = z.string().regex(/^\/dev\/disk\/by-id\/[^/\s]+$/, {
  message: 'must be a stable /dev/disk/by-id/... path (names like /dev/sdb change between boots)',
});

export const OsdDiskSchema = z.union([
  byIdPath,
  z.strictObject({
    path: byIdPath,
    sizeBytes: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('size recorded when the disk was chosen'),
    serial: z.string().optional().describe('serial recorded when the disk was chosen'),
    wipe: z
      .boolean()
      .default(false)
      .describe('the operator acknowledged that this disk holds data and may be wiped'),
  }),
]);
export type OsdDisk = z.infer<typeof OsdDiskSchema>;

// How one host differs from the global ssh settings (a host reached on its own port, or as
// another user): written as that host's ansible_port / ansible_user. Absent fields inherit.
export const HostSshSchema = z.strictObject({
  port: z.number().int().min(1).max(65535).optional().describe('SSH port of this host'),
  user: nonEmpty().optional().describe('SSH user for this host'),
});
export type HostSsh = z.infer<typeof HostSshSchema>;

export const HostSchema = z.strictObject({
  name: nonEmpty().describe('FQDN; becomes the inventory host name'),
  address: nonEmpty().describe('IPv4 address the bastion reaches the host on (management network)'),
  ssh: HostSshSchema.optional().describe('per-host override of ssh.port / ssh.user'),
  roles: z.array(z.enum(ROLES)).default([]),
  osdDisks: z.array(OsdDiskSchema).default([]).describe('Ceph OSD disks (rook-ceph only)'),
});
export type Host = z.infer<typeof HostSchema>;

export const SshSchema = z.strictObject({
  user: nonEmpty().default('ubuntu'),
  port: z.number().int().min(1).max(65535).default(22),
  identityFile: z.string().optional(),
  become: z.boolean().default(true),
  proxyJump: z.string().optional(),
});

export const NetworkSchema = z.strictObject({
  managementInterface: nonEmpty().describe(
    'interface carrying the hosts’ addresses; Kube-OVN IFACE (reference §3.6)',
  ),
  providerInterface: nonEmpty().describe(
    'IP-less interface OVN takes over for br-ex (reference §4.3)',
  ),
  managementCidr: nonEmpty().describe('the hosts’ network, e.g. 192.168.100.0/24'),
  // reference §2.5 (k8s-cluster.yml) and §3.6 (kube-ovn base overrides)
  podCidr: z.string().default('10.236.0.0/14'),
  serviceCidr: z.string().default('10.233.0.0/18'),
  joinCidr: z.string().default('100.64.0.0/16'),
  metallb: z.strictObject({
    primary: z
      .array(z.string())
      .min(1, { message: 'needs at least one address range or CIDR' })
      .describe('pool "primary": RabbitMQ and MariaDB load balancers (reference §4.2)'),
    gatewayVip: nonEmpty().describe('the one address of pool "gateway-api-external"'),
  }),
  gateway: z.strictObject({
    domain: nonEmpty().describe('public endpoints become <service>.<domain>'),
    acmeEmail: z.string().optional().describe('Let’s Encrypt account; self-signed when absent'),
  }),
  ovn: z
    .strictObject({
      bridge: z.string().default('br-ex'),
      physnet: z.string().default('physnet1'),
      availabilityZone: z.string().default('az1'),
      gatewayHosts: z
        .array(z.string())
        .optional()
        .describe('hosts annotated ovn.openstack.org/gateway=enabled; default: the network nodes'),
    })
    .default({ bridge: 'br-ex', physnet: 'physnet1', availabilityZone: 'az1' }),
});

export const StorageSchema = z.strictObject({
  backend: z.enum(STORAGE_BACKENDS),
  longhorn: z
    .strictObject({
      // setup-infrastructure.sh: LONGHORN_STORAGE_REPLICAS default 2 (reference §3.7)
      replicas: z.number().int().min(1).max(10).default(2),
    })
    .optional(),
  rookCeph: z
    .strictObject({
      allowFewerHosts: z
        .boolean()
        .default(false)
        .describe('accept fewer than 3 Ceph hosts (lab only: 3 mons cannot share a node)'),
    })
    .optional(),
  externalCeph: z
    .strictObject({
      monHosts: z.array(z.string()).min(1),
      fsid: z.string().optional(),
      rbdPool: z.string().default('general'),
      cephfsName: z.string().default('general-multi-attach'),
      user: z.string().default('client.admin'),
      keyring: z.string().optional().describe('secret: kept out of logs and bundles'),
    })
    .optional(),
  topolvm: z
    .strictObject({
      volumeGroup: z.string().default('vg-general'),
      devices: z
        .array(OsdDiskSchema)
        .default([])
        .describe('disks for the volume group, as osdDisks: by-id paths or {path, wipe, ...}'),
    })
    .optional(),
  cinder: z.enum(CINDER_BACKENDS).default('none'),
  cinderLvm: z
    .strictObject({
      volumeGroup: z.string().default('cinder-volumes'),
      backendName: z.string().default('lvmdriver-1'),
      // Genestack has the operator run pvcreate/vgcreate on each worker (reference §3.21);
      // the disks are recorded so the volume group is built on the ones that were checked.
      devices: z
        .array(OsdDiskSchema)
        .optional()
        .describe('disks for the volume group, as osdDisks: by-id paths or {path, wipe, ...}'),
    })
    .optional(),
  cinderNetapp: z
    .strictObject({
      backendName: z.string().default('netapp-iscsi-1'),
      storageNetworkMultipath: z.boolean().default(false),
      enableStorageSsl: z.boolean().default(false),
    })
    .optional(),
});

const servicesShape = Object.fromEntries(
  OPENSTACK_SERVICES.map((s) => [s, z.boolean().default(OPENSTACK_SERVICE_DEFAULTS[s])]),
) as { [K in OpenStackService]: z.ZodDefault<z.ZodBoolean> };

export const OpenStackSchema = z.strictObject({
  region: z.string().default('RegionOne'),
  services: z.strictObject(servicesShape).default({ ...OPENSTACK_SERVICE_DEFAULTS }),
});

export const GenestackSchema = z.strictObject({
  repoDir: z.string().default('/opt/genestack'),
  configDir: z.string().default('/etc/genestack'),
  kubeconfig: z.string().optional().describe('default: ~/.kube/config'),
});

export const KubernetesSchema = z.strictObject({
  // reference §2.4: cluster.local is accepted, though not recommended for production
  clusterName: z.string().default('cluster.local'),
});

export const ProfileSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Profile'),
  metadata: z.strictObject({
    name: nonEmpty(),
    description: z.string().default(''),
  }),
  topology: z.enum(TOPOLOGIES),
  ssh: SshSchema.default({ user: 'ubuntu', port: 22, become: true }),
  hosts: z.array(HostSchema).min(1, { message: 'needs at least one host' }),
  network: NetworkSchema,
  storage: StorageSchema,
  kubernetes: KubernetesSchema.default({ clusterName: 'cluster.local' }),
  openstack: OpenStackSchema.default({
    region: 'RegionOne',
    services: { ...OPENSTACK_SERVICE_DEFAULTS },
  }),
  genestack: GenestackSchema.default({ repoDir: '/opt/genestack', configDir: '/etc/genestack' }),
});

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;
