import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Finding, Severity } from '../../src/profile/findings';
import { resolveProfile, type ResolvedProfile } from '../../src/profile/normalize';
import { checkProfile, dnsNameProblem } from '../../src/profile/rules';
import { ProfileSchema, type Profile, type Role } from '../../src/profile/schema';

type Sample = 'hyperconverged-lab' | 'hyperconverged-ceph' | 'full-scale';
const SAMPLES: Sample[] = ['hyperconverged-lab', 'hyperconverged-ceph', 'full-scale'];

const parsed = new Map<Sample, Profile>();
function load(sample: Sample): Profile {
  let p = parsed.get(sample);
  if (!p) {
    const text = readFileSync(new URL(`../../profiles/${sample}.yaml`, import.meta.url), 'utf8');
    p = ProfileSchema.parse(parse(text));
    parsed.set(sample, p);
  }
  return structuredClone(p);
}

/** Mutates the schema-parsed profile, then resolves it (roles are filled in after the change). */
function raw(sample: Sample, mutate: (p: Profile) => void = () => {}): Finding[] {
  const p = load(sample);
  mutate(p);
  return checkProfile(resolveProfile(p).profile);
}

/** Resolves first, then mutates: for changing the roles a host ends up with. */
function resolved(sample: Sample, mutate: (p: ResolvedProfile) => void = () => {}): Finding[] {
  const p = structuredClone(resolveProfile(load(sample)).profile);
  mutate(p);
  return checkProfile(p);
}

const byRule = (findings: Finding[], rule: string) => findings.filter((f) => f.rule === rule);

function removeRole(p: ResolvedProfile, role: Role, names?: RegExp) {
  for (const h of p.hosts) {
    if (!names || names.test(h.name)) h.roles = h.roles.filter((r) => r !== role);
  }
}

function addRole(p: ResolvedProfile, index: number, role: Role) {
  const host = p.hosts[index];
  if (!host) throw new Error(`no host ${index}`);
  host.roles = [...host.roles, role];
}

describe('sample profiles', () => {
  for (const sample of SAMPLES) {
    const findings = raw(sample);
    const warnings = findings.filter((f) => f.severity !== 'error').map((f) => f.rule);
    it(`${sample} has no errors (warnings: ${warnings.join(', ') || 'none'})`, () => {
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    });
  }

  it('every finding has a rule id, a path, a message and a fix', () => {
    const findings = [
      ...raw('hyperconverged-lab', (p) => {
        p.network.podCidr = '10.236.0.0/33';
        p.hosts.push({ ...p.hosts[0]!, roles: [], osdDisks: [] });
        p.openstack.services.keystone = false;
      }),
      ...raw('full-scale', (p) => {
        p.hosts = p.hosts.filter((h) => !h.name.startsWith('compute'));
      }),
    ];
    expect(findings.length).toBeGreaterThan(4);
    for (const f of findings) {
      expect(f.rule).toMatch(/^[a-z0-9-]+$/);
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.fix.length).toBeGreaterThan(5);
    }
  });
});

interface Case {
  rule: string;
  severity: Severity;
  path: string;
  message?: RegExp;
  sample: Sample;
  /** mutation before resolution */
  raw?: (p: Profile) => void;
  /** mutation after resolution */
  resolved?: (p: ResolvedProfile) => void;
}

// One failing case per rule (some rules have several); the unchanged sample is the passing case.
const CASES: Case[] = [
  // --- syntax
  {
    rule: 'cidr-syntax',
    severity: 'error',
    path: 'network.podCidr',
    message: /prefix \/33 is larger than 32/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.podCidr = '10.236.0.0/33'),
  },
  {
    rule: 'cidr-syntax',
    severity: 'error',
    path: 'network.managementCidr',
    message: /no prefix length/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.managementCidr = '192.168.100.0'),
  },
  {
    rule: 'cidr-host-bits',
    severity: 'warning',
    path: 'network.managementCidr',
    message: /192\.168\.100\.0\/24/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.managementCidr = '192.168.100.1/24'),
  },
  {
    rule: 'metallb-primary-syntax',
    severity: 'error',
    path: 'network.metallb.primary[1]',
    message: /range end 192\.168\.100\.225 is before start 192\.168\.100\.230/,
    sample: 'hyperconverged-lab',
    raw: (p) => void p.network.metallb.primary.push('192.168.100.230-192.168.100.225'),
  },
  {
    rule: 'metallb-vip-syntax',
    severity: 'error',
    path: 'network.metallb.gatewayVip',
    message: /single IPv4 address/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.metallb.gatewayVip = '192.168.100.250/32'),
  },
  {
    rule: 'host-address-syntax',
    severity: 'error',
    path: 'hosts[2].address',
    message: /IPv6 is not supported yet/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts[2]!.address = 'fd00::12'),
  },
  {
    rule: 'host-address-syntax',
    severity: 'error',
    path: 'hosts[1].address',
    message: /octet 256 is out of range/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts[1]!.address = '192.168.100.256'),
  },
  // --- overlaps
  {
    rule: 'cidr-overlap',
    severity: 'error',
    path: 'network.serviceCidr',
    message: /service network 10\.236\.0\.0\/18.*overlaps pod network 10\.236\.0\.0\/14/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.serviceCidr = '10.236.0.0/18'),
  },
  {
    rule: 'cidr-overlap',
    severity: 'error',
    path: 'network.joinCidr',
    message: /join network 100\.64\.0\.0\/16.*overlaps management network/,
    sample: 'hyperconverged-lab',
    raw: (p) => {
      p.network.managementCidr = '100.64.1.0/24';
    },
  },
  {
    rule: 'metallb-in-cluster-network',
    severity: 'error',
    path: 'network.metallb.primary[0]',
    message: /service network 10\.233\.0\.0\/18/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.metallb.primary = ['10.233.0.10-10.233.0.20']),
  },
  {
    rule: 'metallb-in-cluster-network',
    severity: 'error',
    path: 'network.metallb.gatewayVip',
    message: /pod network/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.metallb.gatewayVip = '10.237.0.1'),
  },
  {
    rule: 'metallb-vip-in-primary',
    severity: 'error',
    path: 'network.metallb.gatewayVip',
    message: /gateway-api-external only/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.metallb.gatewayVip = '192.168.100.210'),
  },
  {
    rule: 'metallb-primary-overlap',
    severity: 'warning',
    path: 'network.metallb.primary[1]',
    message: /overlaps network\.metallb\.primary\[0\]/,
    sample: 'hyperconverged-lab',
    raw: (p) => void p.network.metallb.primary.push('192.168.100.216/29'),
  },
  {
    rule: 'metallb-host-address',
    severity: 'error',
    path: 'network.metallb.primary[0]',
    message: /3 hosts: hc-0.*\(192\.168\.100\.10\), hc-1.*hc-2/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.metallb.primary = ['192.168.100.0/27']),
  },
  {
    rule: 'metallb-host-address',
    severity: 'error',
    path: 'network.metallb.gatewayVip',
    message: /1 host: hc-1\.cloud\.example\.com/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.metallb.gatewayVip = '192.168.100.11'),
  },
  {
    rule: 'metallb-outside-management',
    severity: 'warning',
    path: 'network.metallb.primary[0]',
    message: /is outside the management network 192\.168\.100\.0\/24/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.metallb.primary = ['192.168.101.200-192.168.101.220']),
  },
  {
    rule: 'metallb-outside-management',
    severity: 'warning',
    path: 'network.metallb.primary[0]',
    message: /partly outside/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.metallb.primary = ['192.168.100.240-192.168.101.4']),
  },
  {
    rule: 'metallb-vip-unusable',
    severity: 'error',
    path: 'network.metallb.gatewayVip',
    message: /avoidBuggyIPs/,
    sample: 'full-scale',
    raw: (p) => void (p.network.metallb.gatewayVip = '172.29.238.255'),
  },
  {
    rule: 'host-in-cluster-network',
    severity: 'error',
    path: 'hosts[1].address',
    message: /inside the service network 10\.233\.0\.0\/18/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts[1]!.address = '10.233.0.5'),
  },
  {
    rule: 'host-outside-management',
    severity: 'warning',
    path: 'hosts[2].address',
    message: /192\.168\.101\.12 is outside the management network/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts[2]!.address = '192.168.101.12'),
  },
  // --- hosts
  {
    rule: 'host-name-duplicate',
    severity: 'error',
    path: 'hosts[2].name',
    message: /already used by hosts\[0\]/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts[2]!.name = p.hosts[0]!.name),
  },
  {
    rule: 'host-address-duplicate',
    severity: 'error',
    path: 'hosts[2].address',
    message: /192\.168\.100\.10 is already used by hosts\[0\] \(hc-0/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts[2]!.address = '192.168.100.10'),
  },
  {
    rule: 'host-name-invalid',
    severity: 'error',
    path: 'hosts[1].name',
    message: /contains "_"/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts[1]!.name = 'hc_1.cloud.example.com'),
  },
  {
    rule: 'host-name-not-fqdn',
    severity: 'warning',
    path: 'hosts[0].name',
    message: /hc-0 is not a fully qualified name/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts[0]!.name = 'hc-0'),
  },
  // --- roles
  {
    rule: 'etcd-none',
    severity: 'error',
    path: 'hosts',
    sample: 'hyperconverged-lab',
    resolved: (p) => removeRole(p, 'etcd'),
  },
  {
    rule: 'etcd-odd',
    severity: 'error',
    path: 'hosts',
    message: /4 hosts have the etcd role/,
    sample: 'full-scale',
    resolved: (p) => addRole(p, 3, 'etcd'),
  },
  {
    rule: 'role-missing',
    severity: 'error',
    path: 'hosts',
    message: /no host is in openstack_compute_nodes.*openstack-compute-node=enabled/,
    sample: 'full-scale',
    resolved: (p) => removeRole(p, 'openstack_compute_nodes'),
  },
  {
    rule: 'role-missing',
    severity: 'error',
    path: 'hosts',
    message: /no host is in openstack_control_plane/,
    sample: 'hyperconverged-lab',
    resolved: (p) => removeRole(p, 'openstack_control_plane'),
  },
  {
    rule: 'role-missing',
    severity: 'error',
    path: 'hosts',
    message: /no host is in kube_control_plane/,
    sample: 'full-scale',
    resolved: (p) => removeRole(p, 'kube_control_plane'),
  },
  {
    rule: 'role-missing',
    severity: 'error',
    path: 'hosts',
    message: /no host is in a storage group/,
    sample: 'hyperconverged-lab',
    resolved: (p) => removeRole(p, 'longhorn_storage_nodes'),
  },
  {
    rule: 'interface-same',
    severity: 'error',
    path: 'network.providerInterface',
    message: /both enp3s0/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.providerInterface = 'enp3s0'),
  },
  {
    rule: 'ovn-gateway-none',
    severity: 'error',
    path: 'network.ovn.gatewayHosts',
    sample: 'full-scale',
    raw: (p) => void (p.network.ovn.gatewayHosts = []),
  },
  {
    rule: 'ovn-gateway-unknown-host',
    severity: 'error',
    path: 'network.ovn.gatewayHosts[1]',
    message: /network-09\.env1\.example\.com is not a host/,
    sample: 'full-scale',
    raw: (p) => void (p.network.ovn.gatewayHosts![1] = 'network-09.env1.example.com'),
  },
  {
    rule: 'ovn-gateway-not-network-node',
    severity: 'error',
    path: 'network.ovn.gatewayHosts[2]',
    message: /controller-01\.env1\.example\.com is not in ovn_network_nodes/,
    sample: 'full-scale',
    raw: (p) => void (p.network.ovn.gatewayHosts![2] = 'controller-01.env1.example.com'),
  },
  // --- storage
  {
    rule: 'ceph-too-few-hosts',
    severity: 'error',
    path: 'storage.backend',
    message: /at least 3 hosts.*has 2 such hosts/,
    sample: 'hyperconverged-ceph',
    resolved: (p) => {
      removeRole(p, 'ceph_storage_nodes', /^hc-2/);
      p.hosts[2]!.osdDisks = [];
    },
  },
  {
    rule: 'ceph-too-few-hosts',
    severity: 'warning',
    path: 'storage.backend',
    message: /storage\.rookCeph\.allowFewerHosts is true/,
    sample: 'hyperconverged-ceph',
    resolved: (p) => {
      removeRole(p, 'ceph_storage_nodes', /^hc-2/);
      p.hosts[2]!.osdDisks = [];
      p.storage.rookCeph = { allowFewerHosts: true };
    },
  },
  {
    rule: 'ceph-host-no-disks',
    severity: 'error',
    path: 'hosts[1].osdDisks',
    sample: 'hyperconverged-ceph',
    raw: (p) => void (p.hosts[1]!.osdDisks = []),
  },
  {
    rule: 'osd-disks-unused',
    severity: 'error',
    path: 'hosts[0].osdDisks',
    message: /storage\.backend is longhorn, not rook-ceph/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts[0]!.osdDisks = ['/dev/disk/by-id/wwn-0x1']),
  },
  {
    rule: 'osd-disks-unused',
    severity: 'error',
    path: 'hosts[3].osdDisks',
    message: /not in ceph_storage_nodes/,
    sample: 'full-scale',
    raw: (p) => void (p.hosts[3]!.osdDisks = ['/dev/disk/by-id/wwn-0x1']),
  },
  {
    rule: 'osd-disk-duplicate',
    severity: 'error',
    path: 'hosts[1].osdDisks[2]',
    message: /twice \(also osdDisks\[0\]\)/,
    sample: 'hyperconverged-ceph',
    raw: (p) => {
      const h = p.hosts[1]!;
      const first = h.osdDisks[0]!;
      h.osdDisks.push({ path: typeof first === 'string' ? first : first.path, wipe: false });
    },
  },
  {
    rule: 'ceph-role-unused',
    severity: 'warning',
    path: 'hosts[0].roles',
    sample: 'hyperconverged-lab',
    resolved: (p) => addRole(p, 0, 'ceph_storage_nodes'),
  },
  {
    rule: 'longhorn-role-conflict',
    severity: 'error',
    path: 'hosts[15].roles',
    message: /StorageClass general, which rook-ceph owns/,
    sample: 'full-scale',
    resolved: (p) => addRole(p, 15, 'longhorn_storage_nodes'),
  },
  {
    rule: 'settings-ignored',
    severity: 'warning',
    path: 'storage.longhorn',
    message: /storage\.backend is rook-ceph/,
    sample: 'hyperconverged-ceph',
    raw: (p) => void (p.storage.longhorn = { replicas: 2 }),
  },
  {
    rule: 'settings-ignored',
    severity: 'warning',
    path: 'storage.cinderLvm',
    message: /storage\.cinder is none/,
    sample: 'hyperconverged-lab',
    raw: (p) =>
      void (p.storage.cinderLvm = { volumeGroup: 'cinder-volumes', backendName: 'lvmdriver-1' }),
  },
  {
    rule: 'settings-ignored',
    severity: 'warning',
    path: 'storage.rookCeph',
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.storage.rookCeph = { allowFewerHosts: false }),
  },
  {
    rule: 'external-ceph-missing',
    severity: 'error',
    path: 'storage.externalCeph',
    sample: 'hyperconverged-lab',
    raw: (p) => {
      p.storage.backend = 'external-ceph';
      delete p.storage.longhorn;
    },
  },
  {
    rule: 'topolvm-no-multi-attach',
    severity: 'warning',
    path: 'storage.backend',
    sample: 'hyperconverged-lab',
    raw: (p) => {
      p.storage.backend = 'topolvm';
      delete p.storage.longhorn;
    },
  },
  {
    rule: 'cinder-no-storage-hosts',
    severity: 'error',
    path: 'storage.cinder',
    message: /storage\.cinder is netapp but no host is in cinder_storage_nodes/,
    sample: 'full-scale',
    resolved: (p) => removeRole(p, 'cinder_storage_nodes'),
  },
  {
    rule: 'cinder-backend-without-service',
    severity: 'error',
    path: 'storage.cinder',
    sample: 'full-scale',
    raw: (p) => void (p.openstack.services.cinder = false),
  },
  {
    rule: 'cinder-lvm-longhorn-host',
    severity: 'warning',
    path: 'hosts[1].roles',
    message: /kernel iSCSI/,
    sample: 'hyperconverged-lab',
    raw: (p) => {
      p.storage.cinder = 'lvm';
      p.openstack.services.cinder = true;
    },
  },
  // --- redundancy
  {
    rule: 'ha-too-few-hosts',
    severity: 'warning',
    path: 'hosts',
    message: /1 host has no redundancy.*MariaDB and RabbitMQ.*etcd loses quorum/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.hosts = p.hosts.slice(0, 1)),
  },
  {
    rule: 'ha-openstack-control-plane',
    severity: 'warning',
    path: 'hosts',
    message: /only 1 host in openstack_control_plane.*hard anti-affinity/,
    sample: 'full-scale',
    raw: (p) => void (p.hosts = p.hosts.filter((h) => !/^controller-0[23]/.test(h.name))),
  },
  {
    rule: 'ha-etcd',
    severity: 'warning',
    path: 'hosts',
    message: /quorum/,
    sample: 'full-scale',
    raw: (p) => void (p.hosts = p.hosts.filter((h) => !/^etcd-0[23]/.test(h.name))),
  },
  {
    rule: 'ha-kube-control-plane',
    severity: 'warning',
    path: 'hosts',
    message: /only 2 hosts in kube_control_plane/,
    sample: 'full-scale',
    raw: (p) => void (p.hosts = p.hosts.filter((h) => !/^k8s-03/.test(h.name))),
  },
  // --- gateway
  {
    rule: 'gateway-domain-invalid',
    severity: 'error',
    path: 'network.gateway.domain',
    message: /contains "_"/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.gateway.domain = 'cloud_1.example.com'),
  },
  {
    rule: 'gateway-domain-local',
    severity: 'warning',
    path: 'network.gateway.domain',
    message: /Do NOT use cluster\.local/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.gateway.domain = 'cluster.local'),
  },
  {
    rule: 'gateway-domain-local',
    severity: 'warning',
    path: 'network.gateway.domain',
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.network.gateway.domain = 'lab.local'),
  },
  {
    rule: 'acme-email-invalid',
    severity: 'error',
    path: 'network.gateway.acmeEmail',
    message: /ops-at-example\.com/,
    sample: 'full-scale',
    raw: (p) => void (p.network.gateway.acmeEmail = 'ops-at-example.com'),
  },
  // --- services
  {
    rule: 'keystone-disabled',
    severity: 'error',
    path: 'openstack.services.keystone',
    message: /every OpenStack service needs Keystone \(enabled: glance/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.openstack.services.keystone = false),
  },
  {
    rule: 'service-requirements',
    severity: 'error',
    path: 'openstack.services.nova',
    message: /nova is enabled but needs placement, which is disabled/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.openstack.services.placement = false),
  },
  {
    rule: 'service-requirements',
    severity: 'error',
    path: 'openstack.services.octavia',
    message: /octavia is enabled but needs nova, glance, which are disabled/,
    sample: 'full-scale',
    raw: (p) => {
      p.openstack.services.nova = false;
      p.openstack.services.glance = false;
    },
  },
  {
    rule: 'cinder-volume-backend',
    severity: 'warning',
    path: 'openstack.services.cinder',
    message: /without volume workers/,
    sample: 'hyperconverged-lab',
    raw: (p) => void (p.openstack.services.cinder = true),
  },
];

describe.each(CASES)('rule $rule ($severity at $path)', (c) => {
  it(`does not fire on the unchanged ${c.sample} sample`, () => {
    expect(byRule(raw(c.sample), c.rule)).toEqual([]);
  });

  it('fires on the mutated profile, with the right severity and path', () => {
    const findings = c.raw ? raw(c.sample, c.raw) : resolved(c.sample, c.resolved);
    const hits = byRule(findings, c.rule).filter((f) => f.path === c.path);
    expect(hits, JSON.stringify(byRule(findings, c.rule), null, 2)).toHaveLength(1);
    expect(hits[0]!.severity).toBe(c.severity);
    if (c.message) expect(hits[0]!.message).toMatch(c.message);
    expect(hits[0]!.fix).not.toBe('');
  });
});

describe('rule details', () => {
  it('reports IPv4 syntax errors with the parser’s reason', () => {
    const f = raw('hyperconverged-lab', (p) => void (p.hosts[0]!.address = '192.168.100.010'));
    expect(byRule(f, 'host-address-syntax')[0]?.message).toMatch(/leading zero/);
    // an unparsable address is not reported again by the placement rules
    expect(f.filter((x) => x.path === 'hosts[0].address')).toHaveLength(1);
  });

  it('compares host names case-insensitively', () => {
    const f = raw('hyperconverged-lab', (p) => void (p.hosts[2]!.name = 'HC-0.cloud.example.com'));
    expect(byRule(f, 'host-name-duplicate')).toMatchObject([
      { severity: 'error', path: 'hosts[2].name' },
    ]);
    // upper case is itself invalid for a Kubernetes node name
    expect(byRule(f, 'host-name-invalid')).toMatchObject([{ path: 'hosts[2].name' }]);
  });

  it('suggests a valid name in the fix', () => {
    const f = raw('hyperconverged-lab', (p) => {
      p.hosts[1]!.name = 'HC_1.Cloud.example.com';
      p.hosts[2]!.name = 'hc 2';
    });
    const fixes = byRule(f, 'host-name-invalid').map((x) => x.fix);
    expect(fixes[0]).toMatch(/e\.g\. hc-1\.cloud\.example\.com$/);
    expect(fixes[1]).toMatch(/e\.g\. hc-2\.cluster\.local$/);
  });

  it('compares host addresses numerically after parsing', () => {
    const f = raw('hyperconverged-lab', (p) => void (p.hosts[1]!.address = '192.168.100.10'));
    expect(byRule(f, 'host-address-duplicate')).toMatchObject([{ path: 'hosts[1].address' }]);
  });

  it.each([
    ['hc-0.cloud.example.com', undefined],
    ['a', undefined],
    ['a.b-c.d0', undefined],
    ['-hc.example.com', /starts or ends with "-"/],
    ['hc-.example.com', /starts or ends with "-"/],
    ['hc..example.com', /empty label/],
    ['hc.example.com.', /empty label/],
    [`${'a'.repeat(64)}.example.com`, /64 characters long; the limit is 63/],
    [Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.'), /the limit is 253/],
    ['Hc.example.com', /upper-case/],
  ])('dnsNameProblem(%j)', (name, problem) => {
    if (problem === undefined) expect(dnsNameProblem(name)).toBeUndefined();
    else expect(dnsNameProblem(name)).toMatch(problem);
  });

  it('does not repeat etcd-none as role-missing', () => {
    const f = resolved('hyperconverged-lab', (p) => removeRole(p, 'etcd'));
    expect(byRule(f, 'etcd-none')).toHaveLength(1);
    expect(byRule(f, 'role-missing')).toEqual([]);
  });

  it('accepts 1 or 3 etcd members and rejects 2', () => {
    const count = (n: number) =>
      resolved('full-scale', (p) => {
        removeRole(p, 'etcd');
        for (let i = 0; i < n; i++) addRole(p, i, 'etcd');
      });
    expect(byRule(count(1), 'etcd-odd')).toEqual([]);
    expect(byRule(count(3), 'etcd-odd')).toEqual([]);
    expect(byRule(count(2), 'etcd-odd')).toMatchObject([{ severity: 'error' }]);
    // an even count is an error, not also an HA warning
    expect(byRule(count(2), 'ha-etcd')).toEqual([]);
  });

  it('names every missing group of a profile without compute or storage', () => {
    const f = resolved('full-scale', (p) => {
      removeRole(p, 'openstack_compute_nodes');
      removeRole(p, 'ceph_storage_nodes');
      removeRole(p, 'cinder_storage_nodes');
    });
    const messages = byRule(f, 'role-missing').map((x) => x.message);
    expect(messages).toHaveLength(2);
    expect(messages.join('\n')).toMatch(/openstack_compute_nodes/);
    expect(messages.join('\n')).toMatch(/storage group/);
  });

  it('accepts OVN gateway names case-insensitively', () => {
    const f = raw(
      'full-scale',
      (p) => void (p.network.ovn.gatewayHosts = ['NETWORK-01.env1.example.com']),
    );
    expect(f.filter((x) => x.rule.startsWith('ovn-gateway'))).toEqual([]);
  });

  it('counts only Ceph hosts that have disks, and names the setting to relax it', () => {
    const f = raw('hyperconverged-ceph', (p) => void (p.hosts[2]!.osdDisks = []));
    expect(byRule(f, 'ceph-too-few-hosts')).toMatchObject([
      { severity: 'error', message: expect.stringMatching(/hc-0.*hc-1/) },
    ]);
    expect(byRule(f, 'ceph-too-few-hosts')[0]?.fix).toMatch(/storage\.rookCeph\.allowFewerHosts/);
    expect(byRule(f, 'ceph-host-no-disks')).toMatchObject([{ path: 'hosts[2].osdDisks' }]);
  });

  it('flags a longhorn host under every non-longhorn backend', () => {
    for (const backend of ['rook-ceph', 'external-ceph', 'topolvm'] as const) {
      const f = resolved('hyperconverged-lab', (p) => {
        p.storage.backend = backend;
      });
      expect(byRule(f, 'longhorn-role-conflict').map((x) => x.path)).toEqual([
        'hosts[0].roles',
        'hosts[1].roles',
        'hosts[2].roles',
      ]);
    }
  });

  it('does not warn about Cinder volumes on external Ceph', () => {
    const f = raw('hyperconverged-lab', (p) => {
      p.storage.backend = 'external-ceph';
      delete p.storage.longhorn;
      p.storage.externalCeph = {
        monHosts: ['10.0.0.1'],
        rbdPool: 'general',
        cephfsName: 'general-multi-attach',
        user: 'client.admin',
      };
      p.openstack.services.cinder = true;
    });
    expect(byRule(f, 'cinder-volume-backend')).toEqual([]);
    expect(f.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('does not repeat a missing keystone in every service’s requirements', () => {
    const f = raw('hyperconverged-lab', (p) => void (p.openstack.services.keystone = false));
    expect(byRule(f, 'keystone-disabled')).toHaveLength(1);
    expect(byRule(f, 'service-requirements')).toEqual([]);
  });

  it('a hyperconverged lab on one host gets one HA warning, not three', () => {
    const f = raw('hyperconverged-lab', (p) => void (p.hosts = p.hosts.slice(0, 1)));
    expect(f.filter((x) => x.rule.startsWith('ha-')).map((x) => x.rule)).toEqual([
      'ha-too-few-hosts',
    ]);
    expect(f.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('accepts a CIDR with host bits in pool primary with a warning', () => {
    const f = raw(
      'hyperconverged-lab',
      (p) => void (p.network.metallb.primary = ['192.168.100.201/29']),
    );
    expect(byRule(f, 'cidr-host-bits')).toMatchObject([
      { severity: 'warning', path: 'network.metallb.primary[0]' },
    ]);
    expect(f.filter((x) => x.severity === 'error')).toEqual([]);
  });
});
