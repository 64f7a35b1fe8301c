// Genestack's Ansible inventory and the installer's group_vars (reference §2).
import { hostsWithRole, type ResolvedProfile } from '../profile/normalize';
import type { Profile } from '../profile/schema';
import type { Role } from '../profile/vocabulary';
import type { RenderSource } from './types';
import { yamlBody, yamlFile, type YamlComment } from './yamlText';

/** Paths relative to genestack.configDir. */
export const INVENTORY_PATH = 'inventory/inventory.yaml';
// Ansible reads every file of a group_vars/<group>/ directory in sorted order, later files
// overriding earlier ones. Genestack's own k8s_cluster/k8s-cluster.yml sets kube_pods_subnet
// and kube_service_addresses (reference §2.5), so the installer's file must sort after it:
// "genestack-installer.yml" would sort before "k8s-cluster.yml" and silently lose.
export const K8S_CLUSTER_VARS_PATH = 'inventory/group_vars/k8s_cluster/zz-genestack-installer.yml';
export const ALL_VARS_PATH = 'inventory/group_vars/all/zz-genestack-installer.yml';

/** The groups under k8s_cluster, in the order of Genestack's example inventory (§2.2, §2.6). */
export const K8S_CLUSTER_CHILDREN = [
  'broken_etcd',
  'broken_kube_control_plane',
  'kube_control_plane',
  'etcd',
  'kube_node',
  'openstack_control_plane',
  'ovn_network_nodes',
  'openstack_compute_nodes',
  'storage_nodes',
] as const;

/** The groups under storage_nodes (§2.2). */
export const STORAGE_CHILDREN = [
  'ceph_storage_nodes',
  'cinder_storage_nodes',
  'longhorn_storage_nodes',
] as const;

/** Every group that lists hosts directly. */
export type HostGroup =
  | Exclude<(typeof K8S_CLUSTER_CHILDREN)[number], 'storage_nodes'>
  | (typeof STORAGE_CHILDREN)[number];

/**
 * kube_node = every host that becomes a Kubernetes node. Genestack's example lists the k8s,
 * ceph, controller, network, storage and compute hosts there and leaves the etcd-only hosts
 * out (§2.2), so a host is a node unless etcd is its only role. A host with no role at all is
 * taken as a plain worker. Cinder storage hosts stay nodes: the example lists them, and
 * setup-infrastructure.sh wants a node labelled openstack-storage-node=enabled (§2.3).
 */
export function isKubeNode(host: Profile['hosts'][number]): boolean {
  return !(host.roles.length > 0 && host.roles.every((r) => r === 'etcd'));
}

/** Host names per group, in profile order: what the inventory says, for labels and checks. */
export function inventoryGroups(profile: ResolvedProfile): Record<HostGroup, string[]> {
  const names = (role: Role) => hostsWithRole(profile, role).map((h) => h.name);
  return {
    // Kubespray recovery groups; declared empty like the lab inventory (§2.4).
    broken_etcd: [],
    broken_kube_control_plane: [],
    kube_control_plane: names('kube_control_plane'),
    etcd: names('etcd'),
    kube_node: profile.hosts.filter(isKubeNode).map((h) => h.name),
    openstack_control_plane: names('openstack_control_plane'),
    ovn_network_nodes: names('ovn_network_nodes'),
    openstack_compute_nodes: names('openstack_compute_nodes'),
    ceph_storage_nodes: names('ceph_storage_nodes'),
    cinder_storage_nodes: names('cinder_storage_nodes'),
    longhorn_storage_nodes: names('longhorn_storage_nodes'),
  };
}

// ansible splits ansible_ssh_common_args with shlex: quote a value only when it needs it.
function shellWord(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(value) ? value : `'${value.replace(/'/g, `'"'"'`)}'`;
}

// Object.fromEntries defines own properties, so even a host named __proto__ stays a plain key.
// (A Map would do too, but the YAML 1.1 stringifier writes Maps as !!omap.)
function hostList(names: readonly string[]): { hosts: Record<string, null> } {
  return { hosts: Object.fromEntries(names.map((n) => [n, null])) };
}

/** iSCSI multipath only exists for NetApp here: LVM multipath needs a second storage NIC. */
function multipath(profile: Profile): boolean {
  return profile.storage.cinder === 'netapp'
    ? (profile.storage.cinderNetapp?.storageNetworkMultipath ?? false)
    : false;
}

/**
 * Vars of cinder_storage_nodes, read by ansible/playbooks/deploy-cinder-volume.yaml (role
 * cinder_volumes). cinder_backend_name must equal a key under conf.backends of the cinder
 * helm overrides (§2.4); the defaults are the lab's lvmdriver-1 and the example's
 * netapp-iscsi-1. With no Cinder backend the group keeps no vars: the playbook does not run.
 */
function cinderVars(profile: Profile): Record<string, unknown> | undefined {
  const s = profile.storage;
  if (s.cinder === 'lvm') {
    return {
      cinder_backend_name: s.cinderLvm?.backendName ?? 'lvmdriver-1',
      cinder_worker_name: 'lvm',
      storage_network_multipath: false,
    };
  }
  if (s.cinder === 'netapp') {
    return {
      cinder_backend_name: s.cinderNetapp?.backendName ?? 'netapp-iscsi-1',
      cinder_worker_name: 'netapp',
      storage_network_multipath: multipath(profile),
      cinder_enable_storage_ssl: s.cinderNetapp?.enableStorageSsl ?? false,
    };
  }
  return undefined;
}

function allVars(profile: Profile): Record<string, unknown> {
  const ssh = profile.ssh;
  const vars: Record<string, unknown> = {
    ansible_python_interpreter: '/usr/bin/python3',
    ansible_user: ssh.user,
    ansible_port: ssh.port,
    ansible_become: ssh.become,
  };
  if (ssh.identityFile !== undefined) vars.ansible_ssh_private_key_file = ssh.identityFile;
  // Host keys are checked: the lab's "-o StrictHostKeyChecking=no" (§2.4) is never written.
  if (ssh.proxyJump !== undefined) {
    vars.ansible_ssh_common_args = `-o ProxyJump=${shellWord(ssh.proxyJump)}`;
  }
  return vars;
}

/**
 * A host's own vars: its address, and its SSH port/user only when the profile gives them for
 * that host (they override all.vars; profiles without them render as before).
 */
function hostVars(host: Profile['hosts'][number]): Record<string, unknown> {
  const vars: Record<string, unknown> = { ansible_host: host.address };
  if (host.ssh?.port !== undefined) vars.ansible_port = host.ssh.port;
  if (host.ssh?.user !== undefined) vars.ansible_user = host.ssh.user;
  return vars;
}

export function renderInventory(profile: ResolvedProfile, source: RenderSource): string {
  const groups = inventoryGroups(profile);
  const iface = profile.network.managementInterface;
  const cinder = cinderVars(profile);
  const inventory = {
    all: {
      vars: allVars(profile),
      hosts: Object.fromEntries(profile.hosts.map((h) => [h.name, hostVars(h)])),
      children: {
        k8s_cluster: {
          vars: {
            cluster_name: profile.kubernetes.clusterName,
            kube_ovn_iface: iface,
            kube_ovn_default_interface_name: iface,
            kube_ovn_central_hosts: "{{ groups['ovn_network_nodes'] }}",
          },
          children: {
            broken_etcd: hostList(groups.broken_etcd),
            broken_kube_control_plane: hostList(groups.broken_kube_control_plane),
            kube_control_plane: hostList(groups.kube_control_plane),
            etcd: hostList(groups.etcd),
            kube_node: hostList(groups.kube_node),
            openstack_control_plane: hostList(groups.openstack_control_plane),
            ovn_network_nodes: hostList(groups.ovn_network_nodes),
            openstack_compute_nodes: {
              // host-setup: open-iscsi and multipath on computes (§2.4, §2.6)
              vars: { enable_iscsi: true, storage_network_multipath: multipath(profile) },
              ...hostList(groups.openstack_compute_nodes),
            },
            storage_nodes: {
              vars: { enable_iscsi: true },
              children: {
                ceph_storage_nodes: hostList(groups.ceph_storage_nodes),
                cinder_storage_nodes:
                  cinder === undefined
                    ? hostList(groups.cinder_storage_nodes)
                    : { vars: cinder, ...hostList(groups.cinder_storage_nodes) },
                longhorn_storage_nodes: hostList(groups.longhorn_storage_nodes),
              },
            },
          },
        },
      },
    },
  };
  const k8s = ['all', 'children', 'k8s_cluster'];
  const comments: YamlComment[] = [
    {
      path: [...k8s, 'vars', 'kube_ovn_iface'],
      text: 'legacy; kept equal to Kube-OVN networking.IFACE (kube-ovn-helm-overrides.yaml)',
      at: 'inline',
    },
    {
      path: [...k8s, 'children', 'kube_node'],
      text: 'every Kubernetes node: all hosts except etcd-only ones (as in inventory.yaml.example)',
    },
    {
      path: [...k8s, 'children', 'ovn_network_nodes'],
      text: 'compute hosts are network nodes too (Genestack: OVN needs computes as network nodes)',
    },
  ];
  if (profile.storage.cinder === 'none') {
    comments.push({
      path: [...k8s, 'children', 'storage_nodes', 'children', 'cinder_storage_nodes'],
      text: 'storage.cinder is none: hosts here only get the openstack-storage-node=enabled label',
    });
  }
  return yamlFile(
    source,
    [
      'Genestack reads this inventory for host-setup and its own playbooks, Kubespray for',
      'cluster.yml. Group names and layout follow ansible/inventory/genestack/inventory.yaml.example.',
    ],
    [yamlBody(inventory, comments)],
  );
}

/** group_vars/k8s_cluster: the Kubespray settings the profile decides (§2.5). */
export function renderK8sClusterVars(profile: ResolvedProfile, source: RenderSource): string {
  const net = profile.network;
  const vars = {
    // Kube-OVN is installed later with Helm; nodes stay NotReady until then (§2.5, §3.6)
    kube_network_plugin: 'none',
    kube_pods_subnet: net.podCidr,
    kube_service_addresses: net.serviceCidr,
    kube_proxy_strict_arp: true,
  };
  return yamlFile(
    source,
    [
      "Loaded after Genestack's own addons.yml and k8s-cluster.yml in this directory (files are",
      'read in sorted order, later ones win), so these values override theirs.',
    ],
    [
      yamlBody(vars, [
        {
          path: ['kube_network_plugin'],
          text: 'Kube-OVN is installed by Helm later (bin/install-kube-ovn.sh); nodes stay NotReady until then',
        },
        {
          path: ['kube_pods_subnet'],
          text: 'must equal Kube-OVN ipv4.POD_CIDR and SVC_CIDR (helm-configs/kube-ovn)',
        },
        {
          path: ['kube_proxy_strict_arp'],
          text: 'MetalLB L2 announcements need strict ARP',
        },
      ]),
    ],
  );
}

/** group_vars/all: settings for every host. */
export function renderAllVars(_profile: ResolvedProfile, source: RenderSource): string {
  return yamlFile(
    source,
    [],
    [
      yamlBody({ lab_tenant_egress_snat_enabled: false }, [
        {
          path: ['lab_tenant_egress_snat_enabled'],
          text: [
            "host-setup's lab-only tenant SNAT defaults to true and fails unless enp4s0 exists",
            'and is UP on every host; real hardware routes the flat external network upstream.',
          ].join('\n'),
        },
      ]),
    ],
  );
}
