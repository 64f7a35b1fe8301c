// Storage backend files (reference §5).
//
// longhorn: nothing to write. Its only profile setting, the replica count, reaches Genestack
//   as LONGHORN_STORAGE_REPLICAS in the install environment (genestack-installer.env, §3.7).
// rook-ceph: an overlay for kustomize/rook-cluster that names the OSD disks per node (§5.3).
// topolvm: the lvmd device class with the profile's volume group (§5.5).
// external-ceph: nothing. import-external-cluster.sh takes the cluster's exports (fsid, mon
//   data, keys) as environment variables from create-external-cluster-resources.py, which
//   include secrets, and the OpenStack-side files (ceph-etc ConfigMap, client key Secret) hold
//   keys as well (§5.4). None of that belongs in a plain config file; the phase that runs the
//   import supplies it.
import { hostsWithRole, type ResolvedProfile } from '../profile/normalize';
import { osdDiskPath } from '../profile/vocabulary';
import type { RenderedFile, RenderSource } from './types';
import { yamlBody, yamlFile } from './yamlText';

export const ROOK_OVERLAY_PATH = 'kustomize/rook-cluster/overlay/kustomization.yaml';
export const ROOK_STORAGE_PATCH_PATH = 'kustomize/rook-cluster/overlay/rook-cluster-storage.yaml';
export const TOPOLVM_OVERRIDES_PATH = 'helm-configs/topolvm/topolvm-helm-overrides.yaml';

/**
 * The CephCluster `storage.nodes` list: one entry per Ceph host that has OSD disks, named as
 * in the inventory. Kubespray names each node after its inventory host, and Rook matches
 * `name` against the kubernetes.io/hostname label. Disks are /dev/disk/by-id paths, which
 * Rook accepts as device names ("devices can be specified using full udev paths").
 */
export function rookStorageNodes(profile: ResolvedProfile) {
  return hostsWithRole(profile, 'ceph_storage_nodes')
    .filter((h) => h.osdDisks.length > 0)
    .map((h) => ({ name: h.name, devices: h.osdDisks.map((d) => ({ name: osdDiskPath(d) })) }));
}

function rookFiles(profile: ResolvedProfile, source: RenderSource): RenderedFile[] {
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['../base'],
    patches: [{ path: 'rook-cluster-storage.yaml' }],
  };
  const patch = {
    apiVersion: 'ceph.rook.io/v1',
    kind: 'CephCluster',
    metadata: { name: 'rook-ceph', namespace: 'rook-ceph' },
    spec: {
      storage: {
        useAllNodes: false,
        useAllDevices: false,
        nodes: rookStorageNodes(profile),
      },
    },
  };
  return [
    {
      path: ROOK_OVERLAY_PATH,
      description: 'Rook/Ceph cluster overlay: the base CephCluster plus the disk selection',
      content: yamlFile(
        source,
        [
          'kubectl apply -k kustomize/rook-cluster/overlay. bootstrap.sh writes this file with',
          'only "resources: [../base]" when it is missing; the installer adds the storage patch.',
        ],
        [yamlBody(kustomization)],
      ),
    },
    {
      path: ROOK_STORAGE_PATCH_PATH,
      description: 'Rook/Ceph OSD disks per node (only the disks chosen in the profile)',
      content: yamlFile(
        source,
        [
          "Genestack's base CephCluster uses every empty disk of every storage node",
          '(useAllNodes/useAllDevices: true). Here Rook may only use the disks the profile names.',
        ],
        [
          yamlBody(patch, [
            {
              path: ['spec', 'storage', 'nodes'],
              text: 'names are inventory host names (= Kubernetes node names)',
            },
          ]),
        ],
      ),
    },
  ];
}

function topolvmFile(profile: ResolvedProfile, source: RenderSource): RenderedFile {
  const volumeGroup = profile.storage.topolvm?.volumeGroup ?? 'vg-general';
  // Helm replaces lists whole, so the one device class is repeated in full from the base
  // overrides (name general, default, spare-gb 10), only the volume group changes.
  const values = {
    lvmd: {
      deviceClasses: [
        { name: 'general', 'volume-group': volumeGroup, default: true, 'spare-gb': 10 },
      ],
    },
  };
  return {
    path: TOPOLVM_OVERRIDES_PATH,
    description: 'TopoLVM: the LVM volume group behind StorageClass general',
    content: yamlFile(
      source,
      [
        'install-topolvm.sh layers helm-configs/topolvm/*.yaml over the base overrides. The volume',
        'group must exist on every storage host before the install (pvcreate; vgcreate; docs/storage-topolvm.md).',
      ],
      [yamlBody(values)],
    ),
  };
}

export function renderStorageFiles(profile: ResolvedProfile, source: RenderSource): RenderedFile[] {
  switch (profile.storage.backend) {
    case 'rook-ceph':
      return rookFiles(profile, source);
    case 'topolvm':
      return [topolvmFile(profile, source)];
    case 'longhorn':
    case 'external-ceph':
      return [];
  }
}
