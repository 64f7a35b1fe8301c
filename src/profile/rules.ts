// Semantic validation of a resolved profile: what the schema cannot say. Each rule is a small
// pure function returning findings with a stable rule id, the profile path to fix, a message
// naming the values involved, and a concrete fix. Errors block a deploy; warnings do not.
// Reference sections (§) are those of the shared reference genestack.md.
import type { Finding, Severity } from './findings';
import type { ResolvedProfile } from './normalize';
import { hostsWithRole } from './normalize';
import type { OpenStackService, Role } from './vocabulary';
import { osdDiskPath } from './vocabulary';
import { missingDependencies } from './services';
import type { AddressRange, Parsed, ParsedRange } from '../net/ipv4';
import { hasControlCharacters, safeText } from '../terminal/sanitize';
import {
  containsAddress,
  contains,
  formatAddress,
  formatRange,
  intersection,
  looksLikeIpv6,
  overlaps,
  parseAddress,
  parseCidr,
  parseRange,
} from '../net/ipv4';

type Host = ResolvedProfile['hosts'][number];

function finding(
  severity: Severity,
  rule: string,
  path: string,
  message: string,
  fix: string,
): Finding {
  return { severity, rule, path, message, fix };
}

function hostLabel(host: Host, index: number): string {
  return `hosts[${index}] (${host.name})`;
}

function listNames(names: readonly string[], max = 4): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------------------
// Parsed network values, computed once and shared by the network rules.

type ClusterNetKey = 'managementCidr' | 'podCidr' | 'serviceCidr' | 'joinCidr';

interface NamedNet {
  key: ClusterNetKey;
  label: string;
  text: string;
  parsed: Parsed<ParsedRange>;
}

/** A MetalLB address entry: one of pool primary's, or the gateway VIP. */
interface MetallbEntry {
  path: string;
  label: string;
  text: string;
  range: AddressRange | undefined;
}

interface Networks {
  /** management first, so an overlap is reported on the Kubernetes-internal network. */
  cidrs: NamedNet[];
  management: ParsedRange | undefined;
  /** pod, service and join networks that parsed. */
  internal: Array<{ key: ClusterNetKey; label: string; range: ParsedRange }>;
  primary: Array<Parsed<ParsedRange>>;
  vip: Parsed<number>;
  metallb: MetallbEntry[];
  hosts: Array<Parsed<number>>;
}

const NET_LABELS: Record<ClusterNetKey, string> = {
  managementCidr: 'management network',
  podCidr: 'pod network',
  serviceCidr: 'service network',
  joinCidr: 'Kube-OVN join network',
};

function parseNetworks(p: ResolvedProfile): Networks {
  const n = p.network;
  const cidrs: NamedNet[] = (['managementCidr', 'podCidr', 'serviceCidr', 'joinCidr'] as const).map(
    (key) => ({ key, label: NET_LABELS[key], text: n[key], parsed: parseCidr(n[key]) }),
  );
  const internal: Networks['internal'] = [];
  for (const c of cidrs) {
    if (c.key !== 'managementCidr' && c.parsed.ok) {
      internal.push({ key: c.key, label: c.label, range: c.parsed.value });
    }
  }
  const management = cidrs[0]?.parsed.ok ? cidrs[0].parsed.value : undefined;
  const primary = n.metallb.primary.map((text) => parseRange(text));
  const vip = parseAddress(n.metallb.gatewayVip);
  const metallb: MetallbEntry[] = n.metallb.primary.map((text, i) => {
    const parsed = primary[i];
    return {
      path: `network.metallb.primary[${i}]`,
      label: `pool primary entry ${text}`,
      text,
      range: parsed?.ok ? parsed.value : undefined,
    };
  });
  metallb.push({
    path: 'network.metallb.gatewayVip',
    label: `gateway VIP ${n.metallb.gatewayVip}`,
    text: n.metallb.gatewayVip,
    range: vip.ok ? { start: vip.value, end: vip.value } : undefined,
  });
  return {
    cidrs,
    management,
    internal,
    primary,
    vip,
    metallb,
    hosts: p.hosts.map((h) => parseAddress(h.address)),
  };
}

type Rule = (p: ResolvedProfile, net: Networks) => Finding[];

const CIDR_EXAMPLES: Record<ClusterNetKey, string> = {
  managementCidr: '192.168.100.0/24',
  podCidr: '10.236.0.0/14 (Genestack default)',
  serviceCidr: '10.233.0.0/18 (Genestack default)',
  joinCidr: '100.64.0.0/16 (Genestack default)',
};

// ---------------------------------------------------------------------------------------------
// Syntax of every address field: nothing else about the network can be checked otherwise.

// Kubespray, Kube-OVN and MetalLB all take these values verbatim (reference §2.5, §3.6, §4.2).
const networkSyntax: Rule = (p, net) => {
  const out: Finding[] = [];
  for (const c of net.cidrs) {
    const path = `network.${c.key}`;
    if (!c.parsed.ok) {
      out.push(
        finding(
          'error',
          'cidr-syntax',
          path,
          `${path} "${c.text}" is not an IPv4 CIDR: ${c.parsed.reason}`,
          `write the ${c.label} as a.b.c.d/n, e.g. ${CIDR_EXAMPLES[c.key]}`,
        ),
      );
    } else if (c.parsed.value.hostBitsSet) {
      out.push(
        finding(
          'warning',
          'cidr-host-bits',
          path,
          `${path} ${c.text} has host bits set; it is read as the network ${c.parsed.value.normalized}`,
          `write ${c.parsed.value.normalized}`,
        ),
      );
    }
  }
  p.network.metallb.primary.forEach((text, i) => {
    const parsed = net.primary[i];
    const path = `network.metallb.primary[${i}]`;
    if (parsed && !parsed.ok) {
      out.push(
        finding(
          'error',
          'metallb-primary-syntax',
          path,
          `${path} "${text}" is not an IPv4 range, CIDR or address: ${parsed.reason}`,
          'write a range like 192.168.100.200-192.168.100.220, a CIDR like 192.168.100.192/27, or one address',
        ),
      );
    } else if (parsed?.ok && parsed.value.hostBitsSet) {
      out.push(
        finding(
          'warning',
          'cidr-host-bits',
          path,
          `${path} ${text} has host bits set; MetalLB reads it as ${parsed.value.normalized}`,
          `write ${parsed.value.normalized}`,
        ),
      );
    }
  });
  if (!net.vip.ok) {
    const vip = p.network.metallb.gatewayVip;
    out.push(
      finding(
        'error',
        'metallb-vip-syntax',
        'network.metallb.gatewayVip',
        `network.metallb.gatewayVip "${vip}" is not a single IPv4 address: ${net.vip.reason}`,
        'write one address, e.g. 192.168.100.250; it becomes the only address of pool gateway-api-external',
      ),
    );
  }
  p.hosts.forEach((host, i) => {
    const parsed = net.hosts[i];
    if (!parsed || parsed.ok) return;
    const path = `hosts[${i}].address`;
    const message = looksLikeIpv6(host.address)
      ? `${hostLabel(host, i)} address ${host.address} is IPv6; IPv6 is not supported yet`
      : `${hostLabel(host, i)} address "${host.address}" is not an IPv4 address: ${parsed.reason}`;
    out.push(
      finding(
        'error',
        'host-address-syntax',
        path,
        message,
        'give the IPv4 address the bastion reaches the host on (its management network address)',
      ),
    );
  });
  return out;
};

// ---------------------------------------------------------------------------------------------
// Address overlaps.

// Pod, service, join and host networks must be disjoint or routing breaks (reference §4.1).
const clusterNetworkOverlap: Rule = (_p, net) => {
  const out: Finding[] = [];
  const parsed = net.cidrs.flatMap((c) => (c.parsed.ok ? [{ ...c, range: c.parsed.value }] : []));
  for (const [j, later] of parsed.entries()) {
    for (const earlier of parsed.slice(0, j)) {
      const shared = intersection(earlier.range, later.range);
      if (!shared) continue;
      out.push(
        finding(
          'error',
          'cidr-overlap',
          `network.${later.key}`,
          `${later.label} ${later.text} (network.${later.key}) overlaps ${earlier.label} ${earlier.text} (network.${earlier.key}): ${formatRange(shared)} is in both`,
          `change network.${later.key} to a range that shares no address with network.${earlier.key}; Genestack's defaults are pod 10.236.0.0/14, service 10.233.0.0/18, join 100.64.0.0/16`,
        ),
      );
    }
  }
  return out;
};

// MetalLB addresses are announced on the hosts' segment: inside a Kubernetes-internal network
// they would be routed into the cluster instead (reference §4.1, §4.2).
const metallbInClusterNetwork: Rule = (_p, net) => {
  const out: Finding[] = [];
  for (const entry of net.metallb) {
    if (!entry.range) continue;
    for (const internal of net.internal) {
      const shared = intersection(entry.range, internal.range);
      if (!shared) continue;
      out.push(
        finding(
          'error',
          'metallb-in-cluster-network',
          entry.path,
          `${entry.label} overlaps the ${internal.label} ${internal.range.normalized} (network.${internal.key}) at ${formatRange(shared)}`,
          `choose MetalLB addresses on the management network (${net.management?.normalized ?? 'network.managementCidr'}), outside the pod, service and join networks`,
        ),
      );
    }
  }
  return out;
};

// Pool gateway-api-external holds exactly the gateway VIP; pool primary is for RabbitMQ and
// MariaDB load balancers. Sharing an address would hand the VIP to one of them (reference §4.2).
const metallbVipInPrimary: Rule = (p, net) => {
  if (!net.vip.ok) return [];
  const vip = net.vip.value;
  const out: Finding[] = [];
  net.primary.forEach((parsed, i) => {
    if (!parsed.ok || !containsAddress(parsed.value, vip)) return;
    out.push(
      finding(
        'error',
        'metallb-vip-in-primary',
        'network.metallb.gatewayVip',
        `gateway VIP ${p.network.metallb.gatewayVip} is inside pool primary entry network.metallb.primary[${i}] (${p.network.metallb.primary[i]}); it must belong to pool gateway-api-external only`,
        `pick a gateway VIP outside ${p.network.metallb.primary[i]}, or shrink that entry so it excludes ${p.network.metallb.gatewayVip}`,
      ),
    );
  });
  return out;
};

// Overlapping entries in one pool are redundant, and usually a typo (reference §4.2).
const metallbPrimaryOverlap: Rule = (p, net) => {
  const out: Finding[] = [];
  for (let j = 0; j < net.primary.length; j++) {
    const later = net.primary[j];
    if (!later?.ok) continue;
    for (let i = 0; i < j; i++) {
      const earlier = net.primary[i];
      if (!earlier?.ok || !overlaps(earlier.value, later.value)) continue;
      out.push(
        finding(
          'warning',
          'metallb-primary-overlap',
          `network.metallb.primary[${j}]`,
          `pool primary entry ${p.network.metallb.primary[j]} overlaps network.metallb.primary[${i}] (${p.network.metallb.primary[i]})`,
          `remove or shrink network.metallb.primary[${j}] so the entries do not overlap`,
        ),
      );
    }
  }
  return out;
};

// A load-balancer address that a host already owns causes ARP conflicts: the host and
// MetalLB's speaker answer for the same address (reference §4.2).
const metallbHostAddress: Rule = (p, net) => {
  const out: Finding[] = [];
  for (const entry of net.metallb) {
    const range = entry.range;
    if (!range) continue;
    const owners = p.hosts.flatMap((host, i) => {
      const a = net.hosts[i];
      return a?.ok && containsAddress(range, a.value) ? [`${host.name} (${host.address})`] : [];
    });
    if (owners.length === 0) continue;
    out.push(
      finding(
        'error',
        'metallb-host-address',
        entry.path,
        `${entry.label} includes the address of ${plural(owners.length, 'host')}: ${listNames(owners)}`,
        'choose MetalLB addresses that no host uses: a free block of the management network, excluded from DHCP',
      ),
    );
  }
  return out;
};

// MetalLB L2 mode answers ARP only on the segment the nodes are on: an address outside the
// hosts' network is never reachable (reference §4.2, L2Advertisement).
const metallbOutsideManagement: Rule = (p, net) => {
  const mgmt = net.management;
  if (!mgmt) return [];
  const out: Finding[] = [];
  for (const entry of net.metallb) {
    if (!entry.range || contains(mgmt, entry.range)) continue;
    const partly = overlaps(mgmt, entry.range) ? 'partly ' : '';
    out.push(
      finding(
        'warning',
        'metallb-outside-management',
        entry.path,
        `${entry.label} is ${partly}outside the management network ${p.network.managementCidr}; L2 advertisement only answers on the hosts' segment`,
        `use addresses inside ${p.network.managementCidr}, unless that network is routed to these addresses another way`,
      ),
    );
  }
  return out;
};

// Pool gateway-api-external is written with avoidBuggyIPs: true (reference §4.2): MetalLB never
// assigns addresses ending in .0 or .255, so such a VIP leaves the gateway without an address.
const metallbVipUnusable: Rule = (p, net) => {
  if (!net.vip.ok) return [];
  const last = net.vip.value & 0xff;
  if (last !== 0 && last !== 255) return [];
  return [
    finding(
      'error',
      'metallb-vip-unusable',
      'network.metallb.gatewayVip',
      `gateway VIP ${p.network.metallb.gatewayVip} ends in .${last}; pool gateway-api-external uses avoidBuggyIPs, so MetalLB would never assign it`,
      'choose a gateway VIP that does not end in .0 or .255',
    ),
  ];
};

// Hosts are reached on the management network; an address inside a Kubernetes-internal network
// collides with pod or service routing (reference §4.1).
const hostAddressPlacement: Rule = (p, net) => {
  const out: Finding[] = [];
  p.hosts.forEach((host, i) => {
    const a = net.hosts[i];
    if (!a?.ok) return;
    const path = `hosts[${i}].address`;
    for (const internal of net.internal) {
      if (!containsAddress(internal.range, a.value)) continue;
      out.push(
        finding(
          'error',
          'host-in-cluster-network',
          path,
          `${hostLabel(host, i)} address ${host.address} is inside the ${internal.label} ${internal.range.normalized} (network.${internal.key})`,
          `change network.${internal.key} so it does not contain the hosts' addresses`,
        ),
      );
    }
    if (net.management && !containsAddress(net.management, a.value)) {
      out.push(
        finding(
          'warning',
          'host-outside-management',
          path,
          `${hostLabel(host, i)} address ${host.address} is outside the management network ${p.network.managementCidr}`,
          `check the address, or widen network.managementCidr to include ${formatAddress(a.value)}`,
        ),
      );
    }
  });
  return out;
};

// ---------------------------------------------------------------------------------------------
// Hosts.

// Inventory host names and addresses are keys: Ansible merges duplicates silently (reference §2.2).
const hostDuplicates: Rule = (p, net) => {
  const out: Finding[] = [];
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  p.hosts.forEach((host, i) => {
    const name = host.name.toLowerCase();
    const firstName = names.get(name);
    if (firstName !== undefined) {
      out.push(
        finding(
          'error',
          'host-name-duplicate',
          `hosts[${i}].name`,
          `host name ${host.name} is already used by hosts[${firstName}] (${p.hosts[firstName]?.name}); names are compared case-insensitively`,
          `give hosts[${i}] its own name, or remove the duplicate entry`,
        ),
      );
    } else names.set(name, i);
    const parsed = net.hosts[i];
    const key = parsed?.ok ? `ip:${parsed.value}` : `text:${host.address}`;
    const firstAddress = addresses.get(key);
    if (firstAddress !== undefined) {
      out.push(
        finding(
          'error',
          'host-address-duplicate',
          `hosts[${i}].address`,
          `${hostLabel(host, i)} address ${host.address} is already used by hosts[${firstAddress}] (${p.hosts[firstAddress]?.name})`,
          `give hosts[${i}] its own address, or remove the duplicate entry`,
        ),
      );
    } else addresses.set(key, i);
  });
  return out;
};

/** Why `name` is not a lowercase RFC 1123 DNS name, or undefined when it is one. */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length > 253) return `it is ${name.length} characters long; the limit is 253`;
  if (/[A-Z]/.test(name)) return 'it has upper-case letters; Kubernetes names must be lower case';
  const labels = name.split('.');
  for (const label of labels) {
    if (label === '')
      return 'it has an empty label (two dots in a row, or a leading or trailing dot)';
    // The label is outside text: shown through safeText (a control character cannot reach the
    // terminal, a huge label cannot flood it).
    const shown = safeText(label, 80);
    if (label.length > 63)
      return `label "${shown}" is ${label.length} characters long; the limit is 63`;
    const bad = label.match(/[^a-z0-9-]/);
    if (bad)
      return `label "${shown}" contains "${safeText(bad[0])}"; only a-z, 0-9 and "-" are allowed`;
    if (label.startsWith('-') || label.endsWith('-')) {
      return `label "${shown}" starts or ends with "-"`;
    }
  }
  return undefined;
}

/** A valid FQDN close to `name`, for fix texts. */
function suggestHostName(name: string, clusterName: string): string {
  const labels = name
    .toLowerCase()
    .split('.')
    .map((l) =>
      l
        .replace(/[^a-z0-9-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 63),
    )
    .filter((l) => l !== '');
  if (labels.length === 0) labels.push('node-1');
  if (labels.length === 1) labels.push(clusterName);
  const suggestion = labels.join('.');
  return dnsNameProblem(suggestion) === undefined ? suggestion : `node-1.${clusterName}`;
}

// Host names become inventory names and Kubernetes node names: RFC 1123, lower case; Kubespray
// and Genestack expect FQDNs ("hostnames not FQDN", reference §8.4, §2.4).
const hostNames: Rule = (p) => {
  const out: Finding[] = [];
  p.hosts.forEach((host, i) => {
    const path = `hosts[${i}].name`;
    const problem = dnsNameProblem(host.name);
    if (problem) {
      out.push(
        finding(
          'error',
          'host-name-invalid',
          path,
          `host name "${safeText(host.name, 80)}" is not a valid DNS name: ${problem}`,
          `rename it to a lower-case FQDN, e.g. ${suggestHostName(host.name, p.kubernetes.clusterName)}`,
        ),
      );
    } else if (!host.name.includes('.')) {
      out.push(
        finding(
          'warning',
          'host-name-not-fqdn',
          path,
          `host name ${host.name} is not a fully qualified name; Kubespray and Genestack expect FQDNs`,
          `use ${host.name}.${p.kubernetes.clusterName} (node names should share the suffix of kubernetes.clusterName)`,
        ),
      );
    }
  });
  return out;
};

// ---------------------------------------------------------------------------------------------
// Roles.

// etcd needs a majority to write: an even member count tolerates no more failures than one
// fewer member, and a 2-member cluster stops on either failure (Kubespray etcd group, §2.2).
const etcdMembers: Rule = (p) => {
  const members = hostsWithRole(p, 'etcd');
  if (members.length === 0) {
    return [
      finding(
        'error',
        'etcd-none',
        'hosts',
        'no host has the etcd role; Kubernetes cannot start without etcd',
        'add etcd to the roles of 1 or 3 hosts (usually the Kubernetes control-plane hosts)',
      ),
    ];
  }
  if (members.length % 2 === 0) {
    return [
      finding(
        'error',
        'etcd-odd',
        'hosts',
        `${members.length} hosts have the etcd role (${listNames(members.map((h) => h.name))}); etcd needs an odd member count`,
        `add etcd to one more host (${members.length + 1} members) or remove it from one (${members.length - 1})`,
      ),
    ];
  }
  return [];
};

/** Inventory groups every deployment needs, and why (reference §2.3). */
const REQUIRED_GROUPS: Array<{ roles: Role[]; name: string; why: string }> = [
  {
    roles: ['kube_control_plane'],
    name: 'kube_control_plane',
    why: 'Kubernetes needs at least one control-plane node',
  },
  {
    roles: ['openstack_control_plane'],
    name: 'openstack_control_plane',
    why: 'setup-infrastructure.sh stops when no node is labelled openstack-control-plane=enabled',
  },
  {
    roles: ['openstack_compute_nodes'],
    name: 'openstack_compute_nodes',
    why: 'setup-infrastructure.sh stops when no node is labelled openstack-compute-node=enabled',
  },
  {
    roles: ['ovn_network_nodes'],
    name: 'ovn_network_nodes',
    why: 'setup-infrastructure.sh stops when no node is labelled openstack-network-node=enabled',
  },
  {
    roles: ['ceph_storage_nodes', 'cinder_storage_nodes', 'longhorn_storage_nodes'],
    name: 'a storage group (ceph_storage_nodes, cinder_storage_nodes or longhorn_storage_nodes)',
    why: 'setup-infrastructure.sh stops when no node is labelled as a storage node',
  },
];

// Genestack refuses to continue without control-plane, compute, network and storage labelled
// nodes (reference §2.3). etcd has its own rule.
const requiredGroups: Rule = (p) => {
  const out: Finding[] = [];
  for (const group of REQUIRED_GROUPS) {
    if (p.hosts.some((h) => group.roles.some((r) => h.roles.includes(r)))) continue;
    out.push(
      finding(
        'error',
        'role-missing',
        'hosts',
        `no host is in ${group.name}: ${group.why}`,
        group.roles.length === 1
          ? `add ${group.roles[0]} to the roles of at least one host`
          : 'add cinder_storage_nodes to at least one host (harmless when storage.cinder is none), or the storage role of your backend',
      ),
    );
  }
  return out;
};

// OVN takes the provider interface over for br-ex; the management/container interface must stay
// with the host ("The compute interface cannot be the same as the container interface", §4.1).
const distinctInterfaces: Rule = (p) => {
  const { managementInterface, providerInterface } = p.network;
  if (managementInterface !== providerInterface) return [];
  return [
    finding(
      'error',
      'interface-same',
      'network.providerInterface',
      `network.providerInterface and network.managementInterface are both ${providerInterface}; OVN would take the hosts' management interface for br-ex`,
      'set network.providerInterface to a second, IP-less interface (or VLAN) on every host',
    ),
  ];
};

// Gateway chassis are annotated on network nodes only; ovn-setup runs only there, and at least
// one gateway is required (reference §4.3, §3.5).
const ovnGateways: Rule = (p) => {
  const list = p.network.ovn.gatewayHosts;
  if (list === undefined) return [];
  if (list.length === 0) {
    return [
      finding(
        'error',
        'ovn-gateway-none',
        'network.ovn.gatewayHosts',
        'network.ovn.gatewayHosts is empty; OVN needs at least one gateway chassis for external traffic',
        'list at least one ovn_network_nodes host, or remove gatewayHosts to use every network node',
      ),
    ];
  }
  const out: Finding[] = [];
  const networkNodes = hostsWithRole(p, 'ovn_network_nodes').map((h) => h.name);
  list.forEach((name, i) => {
    const path = `network.ovn.gatewayHosts[${i}]`;
    const host = p.hosts.find((h) => h.name.toLowerCase() === name.toLowerCase());
    if (!host) {
      out.push(
        finding(
          'error',
          'ovn-gateway-unknown-host',
          path,
          `OVN gateway host ${name} is not a host of this profile`,
          `use one of the network nodes: ${listNames(networkNodes) || '(none)'}`,
        ),
      );
    } else if (!host.roles.includes('ovn_network_nodes')) {
      out.push(
        finding(
          'error',
          'ovn-gateway-not-network-node',
          path,
          `OVN gateway host ${name} is not in ovn_network_nodes; ovn-setup only configures network nodes`,
          `add ovn_network_nodes to ${name}'s roles, or use one of: ${listNames(networkNodes) || '(none)'}`,
        ),
      );
    }
  });
  return out;
};

// ---------------------------------------------------------------------------------------------
// Storage.

// Rook runs 3 mons with allowMultiplePerNode: false and needs >= 3 storage-node hosts
// (reference §5.3).
const rookCephHosts: Rule = (p) => {
  if (p.storage.backend !== 'rook-ceph') return [];
  const out: Finding[] = [];
  const cephHosts = hostsWithRole(p, 'ceph_storage_nodes');
  const withDisks = cephHosts.filter((h) => h.osdDisks.length > 0);
  if (withDisks.length < 3) {
    const allow = p.storage.rookCeph?.allowFewerHosts === true;
    const have = `this profile has ${plural(withDisks.length, 'such host')}${withDisks.length > 0 ? ` (${listNames(withDisks.map((h) => h.name))})` : ''}`;
    out.push(
      allow
        ? finding(
            'warning',
            'ceph-too-few-hosts',
            'storage.backend',
            `Rook/Ceph has fewer than 3 hosts in ceph_storage_nodes with OSD disks: ${have}; accepted because storage.rookCeph.allowFewerHosts is true (lab only: no redundancy, one host failure stops storage)`,
            'for production, give at least 3 ceph_storage_nodes hosts OSD disks and set storage.rookCeph.allowFewerHosts to false',
          )
        : finding(
            'error',
            'ceph-too-few-hosts',
            'storage.backend',
            `Rook/Ceph needs at least 3 hosts in ceph_storage_nodes with OSD disks (its 3 monitors cannot share a node): ${have}`,
            'give at least 3 ceph_storage_nodes hosts OSD disks, set storage.rookCeph.allowFewerHosts: true for a lab, or choose another storage.backend',
          ),
    );
  }
  return out;
};

// Disks are only ever wiped for Rook OSDs; a disk listed anywhere else is a mistake that must
// not be acted on, and a disk listed twice would be prepared twice (reference §5.3).
const osdDisks: Rule = (p) => {
  const out: Finding[] = [];
  const rook = p.storage.backend === 'rook-ceph';
  p.hosts.forEach((host, i) => {
    const isCeph = host.roles.includes('ceph_storage_nodes');
    if (rook && isCeph && host.osdDisks.length === 0) {
      out.push(
        finding(
          'error',
          'ceph-host-no-disks',
          `hosts[${i}].osdDisks`,
          `${hostLabel(host, i)} is in ceph_storage_nodes but lists no OSD disks`,
          'add its empty disks to osdDisks as /dev/disk/by-id/... paths, or remove ceph_storage_nodes from its roles',
        ),
      );
    }
    if (host.osdDisks.length > 0 && (!rook || !isCeph)) {
      const why = !rook
        ? `storage.backend is ${p.storage.backend}, not rook-ceph`
        : 'the host is not in ceph_storage_nodes';
      out.push(
        finding(
          'error',
          'osd-disks-unused',
          `hosts[${i}].osdDisks`,
          `${hostLabel(host, i)} lists ${plural(host.osdDisks.length, 'OSD disk')} but ${why}; they would not be used`,
          rook
            ? 'add ceph_storage_nodes to the host’s roles, or remove its osdDisks'
            : 'remove osdDisks, or set storage.backend to rook-ceph',
        ),
      );
    }
    const seen = new Map<string, number>();
    host.osdDisks.forEach((disk, j) => {
      const path = osdDiskPath(disk);
      const first = seen.get(path);
      if (first === undefined) {
        seen.set(path, j);
        return;
      }
      out.push(
        finding(
          'error',
          'osd-disk-duplicate',
          `hosts[${i}].osdDisks[${j}]`,
          `${hostLabel(host, i)} lists disk ${path} twice (also osdDisks[${first}])`,
          `remove hosts[${i}].osdDisks[${j}]`,
        ),
      );
    });
  });
  return out;
};

// ceph_storage_nodes only means something to Rook/Ceph (role=storage-node placement, §2.3).
const cephRoleUnused: Rule = (p) => {
  if (p.storage.backend === 'rook-ceph') return [];
  const out: Finding[] = [];
  p.hosts.forEach((host, i) => {
    if (!host.roles.includes('ceph_storage_nodes')) return;
    out.push(
      finding(
        'warning',
        'ceph-role-unused',
        `hosts[${i}].roles`,
        `${hostLabel(host, i)} is in ceph_storage_nodes but storage.backend is ${p.storage.backend}; the role is ignored`,
        'remove ceph_storage_nodes from the host’s roles, or set storage.backend to rook-ceph',
      ),
    );
  });
  return out;
};

// Exactly one provider may own StorageClass `general`: Longhorn, Rook and TopoLVM each create it
// as the default class (reference §5.1).
const longhornOwnsGeneral: Rule = (p) => {
  if (p.storage.backend === 'longhorn') return [];
  const out: Finding[] = [];
  p.hosts.forEach((host, i) => {
    if (!host.roles.includes('longhorn_storage_nodes')) return;
    out.push(
      finding(
        'error',
        'longhorn-role-conflict',
        `hosts[${i}].roles`,
        `${hostLabel(host, i)} is in longhorn_storage_nodes but storage.backend is ${p.storage.backend}; Longhorn would also create StorageClass general, which ${p.storage.backend} owns`,
        'remove longhorn_storage_nodes from the host’s roles, or set storage.backend to longhorn',
      ),
    );
  });
  return out;
};

// A settings block for a backend that is not chosen does nothing; say so rather than let the
// operator believe it applies (reference §5).
const ignoredSettings: Rule = (p) => {
  const s = p.storage;
  const blocks: Array<[present: boolean, key: string, chosen: boolean, what: string]> = [
    [
      s.longhorn !== undefined,
      'longhorn',
      s.backend === 'longhorn',
      `storage.backend is ${s.backend}`,
    ],
    [
      s.rookCeph !== undefined,
      'rookCeph',
      s.backend === 'rook-ceph',
      `storage.backend is ${s.backend}`,
    ],
    [
      s.externalCeph !== undefined,
      'externalCeph',
      s.backend === 'external-ceph',
      `storage.backend is ${s.backend}`,
    ],
    [
      s.topolvm !== undefined,
      'topolvm',
      s.backend === 'topolvm',
      `storage.backend is ${s.backend}`,
    ],
    [s.cinderLvm !== undefined, 'cinderLvm', s.cinder === 'lvm', `storage.cinder is ${s.cinder}`],
    [
      s.cinderNetapp !== undefined,
      'cinderNetapp',
      s.cinder === 'netapp',
      `storage.cinder is ${s.cinder}`,
    ],
  ];
  return blocks
    .filter(([present, , chosen]) => present && !chosen)
    .map(([, key, , what]) =>
      finding(
        'warning',
        'settings-ignored',
        `storage.${key}`,
        `storage.${key} is ignored because ${what}`,
        `remove storage.${key}, or choose the backend it configures`,
      ),
    );
};

// Importing an external Ceph cluster needs its monitors and credentials (reference §5.4).
const externalCephSettings: Rule = (p) => {
  if (p.storage.backend !== 'external-ceph' || p.storage.externalCeph !== undefined) return [];
  return [
    finding(
      'error',
      'external-ceph-missing',
      'storage.externalCeph',
      'storage.backend is external-ceph but storage.externalCeph is missing',
      'add storage.externalCeph with monHosts (and fsid, keyring) of the existing Ceph cluster',
    ),
  ];
};

// TopoLVM provides only RWO class `general`; Glance's PVC needs `general-multi-attach`
// and stays Pending without it (reference §5.5, §8.4; inferred there).
const topolvmMultiAttach: Rule = (p) => {
  if (p.storage.backend !== 'topolvm' || !p.openstack.services.glance) return [];
  return [
    finding(
      'warning',
      'topolvm-no-multi-attach',
      'storage.backend',
      'TopoLVM provides only StorageClass general (RWO); Glance’s default PVC uses general-multi-attach, which nothing here provides',
      'provide a general-multi-attach StorageClass yourself, or choose longhorn or rook-ceph',
    ),
  ];
};

// Bare-metal cinder-volume workers run on cinder_storage_nodes (deploy-cinder-volume.yaml) and
// read Cinder's secrets, so Cinder must be installed first (reference §3.21). LVM and Longhorn
// both use the kernel iSCSI stack (reference §5.2).
const cinderWorkers: Rule = (p) => {
  const backend = p.storage.cinder;
  if (backend === 'none') return [];
  const out: Finding[] = [];
  const workers = hostsWithRole(p, 'cinder_storage_nodes');
  if (workers.length === 0) {
    out.push(
      finding(
        'error',
        'cinder-no-storage-hosts',
        'storage.cinder',
        `storage.cinder is ${backend} but no host is in cinder_storage_nodes, where the cinder-volume workers run`,
        `add cinder_storage_nodes to the roles of the host(s) that will run cinder-volume, or set storage.cinder to none`,
      ),
    );
  }
  if (!p.openstack.services.cinder) {
    out.push(
      finding(
        'error',
        'cinder-backend-without-service',
        'storage.cinder',
        `storage.cinder is ${backend} but openstack.services.cinder is false; the volume workers need the Cinder API and its configuration`,
        'set openstack.services.cinder: true, or set storage.cinder to none',
      ),
    );
  }
  if (backend === 'lvm') {
    p.hosts.forEach((host, i) => {
      if (!host.roles.includes('cinder_storage_nodes')) return;
      if (!host.roles.includes('longhorn_storage_nodes')) return;
      out.push(
        finding(
          'warning',
          'cinder-lvm-longhorn-host',
          `hosts[${i}].roles`,
          `${hostLabel(host, i)} runs both LVM cinder-volume and Longhorn; both use the kernel iSCSI stack and can conflict`,
          'run LVM cinder-volume on hosts that are not Longhorn storage nodes',
        ),
      );
    });
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Redundancy.

const MARIADB_RABBIT =
  'MariaDB and RabbitMQ run 3 replicas with hard anti-affinity, so not all replicas will schedule, and a single controller failure takes the cloud’s APIs down';
const ETCD_QUORUM = 'etcd loses quorum and the Kubernetes API stops on a single host failure';

// Genestack's MariaDB and RabbitMQ clusters want 3 control-plane nodes, etcd wants 3 members
// (reference §3.14, §3.15, §2.2).
const redundancy: Rule = (p) => {
  if (p.topology === 'hyperconverged' && p.hosts.length < 3) {
    return [
      finding(
        'warning',
        'ha-too-few-hosts',
        'hosts',
        `a hyperconverged cloud on ${plural(p.hosts.length, 'host')} has no redundancy: ${MARIADB_RABBIT}; ${ETCD_QUORUM}`,
        'use 3 hosts for anything but a lab',
      ),
    ];
  }
  const out: Finding[] = [];
  const controllers = hostsWithRole(p, 'openstack_control_plane').length;
  if (controllers > 0 && controllers < 3) {
    out.push(
      finding(
        'warning',
        'ha-openstack-control-plane',
        'hosts',
        `only ${plural(controllers, 'host')} in openstack_control_plane: ${MARIADB_RABBIT}`,
        'put openstack_control_plane on 3 hosts',
      ),
    );
  }
  const etcd = hostsWithRole(p, 'etcd').length;
  // 0 and even counts are errors of rule etcd-none / etcd-odd.
  if (etcd === 1) {
    out.push(
      finding(
        'warning',
        'ha-etcd',
        'hosts',
        `only 1 host in etcd: ${ETCD_QUORUM}`,
        'put etcd on 3 hosts',
      ),
    );
  }
  const kcp = hostsWithRole(p, 'kube_control_plane').length;
  if (kcp > 0 && kcp < 3) {
    out.push(
      finding(
        'warning',
        'ha-kube-control-plane',
        'hosts',
        `only ${plural(kcp, 'host')} in kube_control_plane: the Kubernetes API stops when ${kcp === 1 ? 'it fails' : 'one fails'}`,
        'put kube_control_plane on 3 hosts',
      ),
    );
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// Gateway.

// Public endpoints are <service>.<domain> Gateway API hostnames (lower-case RFC 1123); Genestack's
// docs say "Do NOT use cluster.local as your domain" (reference §4.4).
const gatewayDomain: Rule = (p) => {
  const out: Finding[] = [];
  const { domain, acmeEmail } = p.network.gateway;
  const problem = dnsNameProblem(domain);
  if (problem) {
    out.push(
      finding(
        'error',
        'gateway-domain-invalid',
        'network.gateway.domain',
        `network.gateway.domain "${domain}" is not a valid DNS name: ${problem}`,
        'use a lower-case DNS domain you control, e.g. cloud.example.com; endpoints become keystone.<domain>, nova.<domain> ...',
      ),
    );
  } else if (domain === 'cluster.local' || domain.endsWith('.local')) {
    out.push(
      finding(
        'warning',
        'gateway-domain-local',
        'network.gateway.domain',
        `network.gateway.domain ${domain} is a .local name: clients outside the cluster cannot resolve it and Let’s Encrypt cannot issue for it (Genestack: "Do NOT use cluster.local as your domain")`,
        'use a DNS domain you control, with records <domain> A <gateway VIP> and *.<domain> CNAME <domain>',
      ),
    );
  }
  if (acmeEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(acmeEmail)) {
    out.push(
      finding(
        'error',
        'acme-email-invalid',
        'network.gateway.acmeEmail',
        `network.gateway.acmeEmail "${acmeEmail}" does not look like an email address`,
        'give the Let’s Encrypt account email (e.g. ops@example.com), or remove acmeEmail for a self-signed certificate',
      ),
    );
  }
  return out;
};

// ---------------------------------------------------------------------------------------------
// OpenStack services.

// setup-openstack.sh installs Keystone first and alone; every other service registers in it
// (reference §3.19, §3.20). Requirements come from services.ts.
const serviceRequirements: Rule = (p) => {
  const services = p.openstack.services;
  const out: Finding[] = [];
  if (!services.keystone) {
    const enabled = (Object.keys(services) as OpenStackService[]).filter((s) => services[s]);
    out.push(
      finding(
        'error',
        'keystone-disabled',
        'openstack.services.keystone',
        `openstack.services.keystone is false; every OpenStack service needs Keystone${enabled.length > 0 ? ` (enabled: ${listNames(enabled, 8)})` : ''}`,
        'set openstack.services.keystone: true',
      ),
    );
  }
  for (const { service, requires } of missingDependencies(services)) {
    const missing = requires.filter((r) => r !== 'keystone');
    if (missing.length === 0) continue;
    out.push(
      finding(
        'error',
        'service-requirements',
        `openstack.services.${service}`,
        `${service} is enabled but needs ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} disabled`,
        `enable ${missing.map((m) => `openstack.services.${m}`).join(', ')}, or disable ${service}`,
      ),
    );
  }
  return out;
};

// Genestack's Cinder chart deploys no volume service (deployment_volume: false): volumes come
// from bare-metal LVM/NetApp workers or external Ceph (reference §3.20, §5.6).
const cinderVolumeBackend: Rule = (p) => {
  if (!p.openstack.services.cinder) return [];
  if (p.storage.cinder !== 'none' || p.storage.backend === 'external-ceph') return [];
  return [
    finding(
      'warning',
      'cinder-volume-backend',
      'openstack.services.cinder',
      `Cinder is enabled but storage.cinder is none and storage.backend is ${p.storage.backend}: the Cinder API will run without volume workers, so volume creation fails`,
      'set storage.cinder to lvm or netapp (with cinder_storage_nodes hosts), or disable openstack.services.cinder',
    ),
  ];
};

// ---------------------------------------------------------------------------------------------
// Hostile text: what the profile holds ends up in argv, file names, config files and on screen.

/** Why `name` is not a Linux network interface name, or undefined when it is one. */
export function interfaceNameProblem(name: string): string | undefined {
  // The kernel allows 15 bytes without "/", ":" or white space; we also refuse what no
  // distribution names an interface with (quotes, $, `, ;, control characters), so the name is
  // safe wherever Genestack's scripts and Kube-OVN put it.
  if (name.length > 15) return `it is ${name.length} characters long; the limit is 15`;
  if (name === '.' || name === '..') return 'it is "." or ".."';
  const bad = name.match(/[^A-Za-z0-9_.@-]/);
  if (bad)
    return `it contains "${safeText(bad[0])}"; only letters, digits, "-", "_", "." and "@" are allowed`;
  if (name.startsWith('-')) return 'it starts with "-"';
  return undefined;
}

const interfaceNames: Rule = (p) => {
  const out: Finding[] = [];
  for (const key of ['managementInterface', 'providerInterface'] as const) {
    const name = p.network[key];
    const problem = interfaceNameProblem(name);
    if (problem) {
      out.push(
        finding(
          'error',
          'interface-name-invalid',
          `network.${key}`,
          `network.${key} "${safeText(name, 40)}" is not a network interface name: ${problem}`,
          'use the interface name `ip link` shows on the hosts, e.g. eth1, ens4, bond0.101',
        ),
      );
    }
  }
  return out;
};

// Folders the installer writes to (configDir, the kubeconfig) or runs from (repoDir): an
// absolute path with no ".." in it, so a profile cannot point a write somewhere its text hides.
const pathSafety: Rule = (p) => {
  const out: Finding[] = [];
  const paths: Array<[string, string | undefined, boolean]> = [
    ['genestack.configDir', p.genestack.configDir, false],
    ['genestack.repoDir', p.genestack.repoDir, false],
    ['genestack.kubeconfig', p.genestack.kubeconfig, true],
  ];
  for (const [where, value, homeOk] of paths) {
    if (value === undefined) continue;
    const rel = homeOk && value.startsWith('~/') ? value.slice(2) : undefined;
    const absolute = rel !== undefined || value.startsWith('/');
    const traverses = value.split('/').some((s) => s === '..');
    if (!absolute || traverses) {
      out.push(
        finding(
          'error',
          'path-unsafe',
          where,
          `${where} "${safeText(value, 120)}" ${traverses ? 'contains ".."' : 'is not an absolute path'}; the installer writes there`,
          `write the folder out as an absolute path without "..", e.g. ${where === 'genestack.repoDir' ? '/opt/genestack' : where === 'genestack.configDir' ? '/etc/genestack' : '/root/.kube/config'}`,
        ),
      );
    }
  }
  return out;
};

/** Every string of a value with its profile path (keys included). */
function stringsOf(v: unknown, path: string, out: Array<[string, string]>): void {
  if (typeof v === 'string') out.push([path, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => stringsOf(x, `${path}[${i}]`, out));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const at = path === '' ? k : `${path}.${k}`;
      out.push([at, k]);
      stringsOf(x, at, out);
    }
  }
}

// A control character (ESC, a C1 code, a bidirectional override ...) has no business in any
// profile value, and could drive a terminal that shows it: refused wherever it appears.
const controlCharacters: Rule = (p) => {
  const all: Array<[string, string]> = [];
  stringsOf(p, '', all);
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const [path, value] of all) {
    if (!hasControlCharacters(value) || seen.has(path)) continue;
    seen.add(path);
    out.push(
      finding(
        'error',
        'text-control-character',
        path,
        `${path} contains a control character or terminal escape: "${safeText(value, 80)}"`,
        'retype the value as plain text (a copy from a terminal or a document can carry invisible characters)',
      ),
    );
  }
  return out;
};

// ---------------------------------------------------------------------------------------------

const RULES: readonly Rule[] = [
  networkSyntax,
  clusterNetworkOverlap,
  metallbInClusterNetwork,
  metallbVipInPrimary,
  metallbPrimaryOverlap,
  metallbHostAddress,
  metallbOutsideManagement,
  metallbVipUnusable,
  hostAddressPlacement,
  hostDuplicates,
  hostNames,
  etcdMembers,
  requiredGroups,
  distinctInterfaces,
  ovnGateways,
  rookCephHosts,
  osdDisks,
  cephRoleUnused,
  longhornOwnsGeneral,
  ignoredSettings,
  externalCephSettings,
  topolvmMultiAttach,
  cinderWorkers,
  redundancy,
  gatewayDomain,
  serviceRequirements,
  cinderVolumeBackend,
  interfaceNames,
  pathSafety,
  controlCharacters,
];

/** Every semantic finding about a resolved profile, in rule order. */
export function checkProfile(profile: ResolvedProfile): Finding[] {
  const net = parseNetworks(profile);
  return RULES.flatMap((rule) => rule(profile, net));
}
