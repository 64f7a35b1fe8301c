// The profile's vocabulary: roles, topologies, backends, services and their defaults, the API
// version. Kept apart from the zod schema (./schema.ts, which re-exports all of this) so that
// code needing only the names does not load zod: the wizard's first frame, the dashboard.
import type { OsdDisk } from './schema';

export const API_VERSION = 'genestack-installer/v1';

// Genestack's inventory group names (reference §2.2, §2.3).
export const ROLES = [
  'kube_control_plane',
  'etcd',
  'openstack_control_plane',
  'ovn_network_nodes',
  'openstack_compute_nodes',
  'ceph_storage_nodes',
  'cinder_storage_nodes',
  'longhorn_storage_nodes',
] as const;
export type Role = (typeof ROLES)[number];

export const TOPOLOGIES = ['hyperconverged', 'full-scale'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export const STORAGE_BACKENDS = ['longhorn', 'rook-ceph', 'external-ceph', 'topolvm'] as const;
export type StorageBackend = (typeof STORAGE_BACKENDS)[number];

export const CINDER_BACKENDS = ['none', 'lvm', 'netapp'] as const;
export type CinderBackend = (typeof CINDER_BACKENDS)[number];

// The components setup-openstack.sh knows, with the repo's openstack-components.yaml defaults
// (reference §3.20: barbican, glance, keystone, neutron, nova, placement, skyline = true).
// Horizon is installed by its own script (install-horizon.sh) and is off by default.
export const OPENSTACK_SERVICE_DEFAULTS = {
  keystone: true,
  glance: true,
  heat: false,
  barbican: true,
  blazar: false,
  cinder: false,
  designate: false,
  trove: false,
  placement: true,
  nova: true,
  neutron: true,
  magnum: false,
  octavia: false,
  masakari: false,
  manila: false,
  ceilometer: false,
  gnocchi: false,
  cloudkitty: false,
  skyline: true,
  horizon: false,
  freezer: false,
  zaqar: false,
} as const;
export type OpenStackService = keyof typeof OPENSTACK_SERVICE_DEFAULTS;
export const OPENSTACK_SERVICES = Object.keys(OPENSTACK_SERVICE_DEFAULTS) as OpenStackService[];

// The field's path is prefixed to the message by the loader.

/** The path of a disk entry, whichever form it was written in. */
export function osdDiskPath(disk: OsdDisk): string {
  return typeof disk === 'string' ? disk : disk.path;
}

/** Profile fields that hold secrets: redacted from logs, journals and bundles. */
export const SECRET_PROFILE_PATHS = ['storage.externalCeph.keyring'] as const;
