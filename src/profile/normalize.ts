// Turns a schema-valid profile into the resolved form every consumer uses: each host carries
// its complete role list. Kept pure; what it adds is reported as findings.
import type { Finding } from './findings';
import type { Profile } from './schema';
import type { Role } from './vocabulary';
import { ROLES } from './vocabulary';

export type ResolvedProfile = Profile & { readonly resolved: true };

/** The storage role a backend's hosts carry, if any. */
export function storageRoleFor(profile: Profile): Role[] {
  const roles: Role[] = [];
  if (profile.storage.backend === 'longhorn') roles.push('longhorn_storage_nodes');
  if (profile.storage.backend === 'rook-ceph') roles.push('ceph_storage_nodes');
  // NetApp workers "can be colocated on the controller nodes" (reference §5.6)
  if (profile.storage.cinder !== 'none') roles.push('cinder_storage_nodes');
  return roles;
}

/**
 * Hyperconverged hosts without roles take every role; etcd and the Kubernetes control plane go
 * to the first three (or the first one when there are fewer than three hosts), because etcd
 * needs an odd member count and three is the usual quorum.
 */
function hyperconvergedRoles(profile: Profile, index: number): Role[] {
  const controlCount = profile.hosts.length >= 3 ? 3 : 1;
  const roles: Role[] = [];
  if (index < controlCount) roles.push('kube_control_plane', 'etcd');
  roles.push('openstack_control_plane', 'ovn_network_nodes', 'openstack_compute_nodes');
  const storage = storageRoleFor(profile);
  // Genestack refuses to run without a node labelled openstack-storage-node (reference §2.3),
  // which cinder_storage_nodes maps to; the Cinder volume phase itself only runs when
  // storage.cinder is lvm or netapp, so the group is harmless otherwise.
  roles.push(...(storage.length > 0 ? storage : ['cinder_storage_nodes' as const]));
  return roles;
}

function sortRoles(roles: Iterable<Role>): Role[] {
  const set = new Set(roles);
  return ROLES.filter((r) => set.has(r));
}

export function resolveProfile(profile: Profile): {
  profile: ResolvedProfile;
  findings: Finding[];
} {
  const findings: Finding[] = [];
  const hosts = profile.hosts.map((host, i) => {
    let roles = host.roles;
    if (profile.topology === 'hyperconverged' && roles.length === 0) {
      roles = hyperconvergedRoles(profile, i);
      findings.push({
        severity: 'info',
        rule: 'hyperconverged-roles',
        path: `hosts[${i}].roles`,
        message: `${host.name} has no roles; as a hyperconverged host it takes: ${roles.join(', ')}`,
        fix: 'list roles on the host to choose them yourself',
      });
    }
    // Genestack: "With OVN we need the compute nodes to be 'network' nodes as well" (reference §2.3).
    if (roles.includes('openstack_compute_nodes') && !roles.includes('ovn_network_nodes')) {
      roles = [...roles, 'ovn_network_nodes'];
      findings.push({
        severity: 'warning',
        rule: 'compute-is-network-node',
        path: `hosts[${i}].roles`,
        message: `${host.name} is a compute host, so it was added to ovn_network_nodes (Genestack requires compute hosts to be network nodes)`,
        fix: 'add ovn_network_nodes to the host’s roles to make this explicit',
      });
    }
    return { ...host, roles: sortRoles(roles) };
  });
  return { profile: { ...profile, hosts, resolved: true }, findings };
}

export function hostsWithRole(profile: Profile, role: Role): Profile['hosts'] {
  return profile.hosts.filter((h) => h.roles.includes(role));
}
