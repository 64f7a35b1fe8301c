// What the rendered files say, read back as data: the facts the goldens encode, one by one.
import { describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { firstHostAddress, hostRoute, metallbAddress } from '../../src/genestack/cidr';
import { installerEnvironment } from '../../src/genestack/env';
import { inventoryGroups } from '../../src/genestack/inventory';
import { renderConfigFiles, type RenderedFile } from '../../src/genestack/render';
import type { ResolvedProfile } from '../../src/profile/normalize';
import { OPENSTACK_SERVICES } from '../../src/profile/schema';
import { loadSample, SAMPLE_NAMES, samplePath, type SampleName } from '../helpers/samples';

function render(profile: ResolvedProfile, name = 'test-profile'): Map<string, RenderedFile> {
  const files = renderConfigFiles(profile, {
    profileName: name,
    profilePath: `profiles/${name}.yaml`,
  });
  return new Map(files.map((f) => [f.path, f]));
}

function renderSample(name: SampleName): Map<string, RenderedFile> {
  return new Map(
    renderConfigFiles(loadSample(name), { profileName: name, profilePath: samplePath(name) }).map(
      (f) => [f.path, f],
    ),
  );
}

// Parsed YAML is navigated freely in these tests; a wrong path fails the assertion anyway.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function yamlOf(files: Map<string, RenderedFile>, path: string): Loose {
  const f = files.get(path);
  if (!f) throw new Error(`${path} was not rendered`);
  return parse(f.content, { version: '1.1' });
}

const INVENTORY = 'inventory/inventory.yaml';
const K8S_VARS = 'inventory/group_vars/k8s_cluster/zz-genestack-installer.yml';
const ALL_VARS = 'inventory/group_vars/all/zz-genestack-installer.yml';
const KUBE_OVN = 'helm-configs/kube-ovn/kube-ovn-helm-overrides.yaml';
const METALLB = 'manifests/metallb/metallb-openstack-service-lb.yml';
const COMPONENTS = 'openstack-components.yaml';
const ENDPOINTS = 'helm-configs/global_overrides/endpoints.yaml';
const ENV = 'genestack-installer.env';
const ROOK_OVERLAY = 'kustomize/rook-cluster/overlay/kustomization.yaml';
const ROOK_PATCH = 'kustomize/rook-cluster/overlay/rook-cluster-storage.yaml';
const TOPOLVM = 'helm-configs/topolvm/topolvm-helm-overrides.yaml';

/** group -> host names, from the parsed inventory. */
function groupsOf(inv: Loose): Record<string, string[]> {
  const k8s = inv.all.children.k8s_cluster.children;
  const storage = k8s.storage_nodes.children;
  const hosts = (g: Loose) => Object.keys(g?.hosts ?? {});
  const out: Record<string, string[]> = {};
  for (const [name, group] of Object.entries<Loose>(k8s))
    if (name !== 'storage_nodes') out[name] = hosts(group);
  for (const [name, group] of Object.entries<Loose>(storage)) out[name] = hosts(group);
  return out;
}

const hc = (i: number) => `hc-${i}.cloud.example.com`;
const HC = [hc(0), hc(1), hc(2)];
const fs = (kind: string) => [1, 2, 3].map((i) => `${kind}-0${i}.env1.example.com`);

describe('inventory group membership', () => {
  test('hyperconverged-lab: every host in every group but Ceph and Cinder', () => {
    const g = groupsOf(yamlOf(renderSample('hyperconverged-lab'), INVENTORY));
    expect(g).toEqual({
      broken_etcd: [],
      broken_kube_control_plane: [],
      kube_control_plane: HC,
      etcd: HC,
      kube_node: HC,
      openstack_control_plane: HC,
      ovn_network_nodes: HC,
      openstack_compute_nodes: HC,
      ceph_storage_nodes: [],
      cinder_storage_nodes: [],
      longhorn_storage_nodes: HC,
    });
  });

  test('hyperconverged-ceph: Ceph instead of Longhorn', () => {
    const g = groupsOf(yamlOf(renderSample('hyperconverged-ceph'), INVENTORY));
    expect(g.ceph_storage_nodes).toEqual(HC);
    expect(g.longhorn_storage_nodes).toEqual([]);
    expect(g.kube_node).toEqual(HC);
  });

  test("full-scale: the example inventory's layout, etcd-only hosts are not Kubernetes nodes", () => {
    const g = groupsOf(yamlOf(renderSample('full-scale'), INVENTORY));
    expect(g.etcd).toEqual(fs('etcd'));
    expect(g.kube_control_plane).toEqual(fs('k8s'));
    expect(g.kube_node).toEqual([
      ...fs('k8s'),
      ...fs('controller'),
      ...fs('network'),
      ...fs('compute'),
      ...fs('ceph'),
      ...fs('storage'),
    ]);
    expect(g.kube_node).not.toContain('etcd-01.env1.example.com');
    expect(g.openstack_control_plane).toEqual(fs('controller'));
    expect(g.ovn_network_nodes).toEqual([...fs('network'), ...fs('compute')]);
    expect(g.openstack_compute_nodes).toEqual(fs('compute'));
    expect(g.ceph_storage_nodes).toEqual(fs('ceph'));
    expect(g.cinder_storage_nodes).toEqual(fs('storage'));
    expect(g.longhorn_storage_nodes).toEqual([]);
  });

  test.each(SAMPLE_NAMES)('%s: the parsed inventory agrees with inventoryGroups()', (name) => {
    const g = groupsOf(yamlOf(renderSample(name), INVENTORY));
    expect(g).toEqual(inventoryGroups(loadSample(name)));
  });

  test('all groups exist, empty ones as "hosts: {}"', () => {
    const text = renderSample('hyperconverged-lab').get(INVENTORY)!.content;
    expect(text).toContain('broken_etcd:\n          hosts: {}');
    expect(text).toContain('ceph_storage_nodes:\n              hosts: {}');
    expect(text).toContain(`${hc(0)}: null`);
  });

  test('a host without roles is a plain Kubernetes worker', () => {
    const p = loadSample('full-scale');
    const extra = {
      ...p.hosts[0]!,
      name: 'spare.env1.example.com',
      address: '172.29.236.99',
      roles: [],
    };
    const g = groupsOf(yamlOf(render({ ...p, hosts: [...p.hosts, extra] }), INVENTORY));
    expect(g.kube_node).toContain('spare.env1.example.com');
    expect(g.etcd).not.toContain('spare.env1.example.com');
  });

  test('host vars and cluster vars', () => {
    const inv = yamlOf(renderSample('full-scale'), INVENTORY);
    expect(inv.all.hosts['ceph-02.env1.example.com']).toEqual({ ansible_host: '172.29.236.62' });
    expect(inv.all.vars).toEqual({
      ansible_python_interpreter: '/usr/bin/python3',
      ansible_user: 'ubuntu',
      ansible_port: 22,
      ansible_become: true,
      ansible_ssh_private_key_file: '~/.ssh/id_ed25519',
    });
    expect(inv.all.children.k8s_cluster.vars).toEqual({
      cluster_name: 'cluster.local',
      kube_ovn_iface: 'bond0',
      kube_ovn_default_interface_name: 'bond0',
      kube_ovn_central_hosts: "{{ groups['ovn_network_nodes'] }}",
    });
  });

  test('cinder worker vars follow storage.cinder', () => {
    const netapp = yamlOf(renderSample('full-scale'), INVENTORY).all.children.k8s_cluster.children
      .storage_nodes.children.cinder_storage_nodes;
    expect(netapp.vars).toEqual({
      cinder_backend_name: 'netapp-iscsi-1',
      cinder_worker_name: 'netapp',
      storage_network_multipath: false,
      cinder_enable_storage_ssl: false,
    });

    const p = loadSample('hyperconverged-lab');
    const lvmProfile: ResolvedProfile = {
      ...p,
      storage: {
        ...p.storage,
        cinder: 'lvm',
        cinderLvm: { volumeGroup: 'cinder-volumes', backendName: 'lvm-ssd-1' },
      },
    };
    const lvm = yamlOf(render(lvmProfile), INVENTORY).all.children.k8s_cluster.children
      .storage_nodes.children.cinder_storage_nodes;
    expect(lvm.vars).toEqual({
      cinder_backend_name: 'lvm-ssd-1',
      cinder_worker_name: 'lvm',
      storage_network_multipath: false,
    });

    const none = yamlOf(renderSample('hyperconverged-lab'), INVENTORY).all.children.k8s_cluster
      .children.storage_nodes.children.cinder_storage_nodes;
    expect(none.vars).toBeUndefined();
  });

  test('compute hosts get the iSCSI vars of the lab inventory', () => {
    const compute = yamlOf(renderSample('hyperconverged-lab'), INVENTORY).all.children.k8s_cluster
      .children.openstack_compute_nodes;
    expect(compute.vars).toEqual({ enable_iscsi: true, storage_network_multipath: false });
  });
});

describe('SSH settings', () => {
  test('ProxyJump goes into ansible_ssh_common_args when set', () => {
    const p = loadSample('hyperconverged-lab');
    const withJump = { ...p, ssh: { ...p.ssh, proxyJump: 'ops@bastion.example.com:2222' } };
    const inv = yamlOf(render(withJump), INVENTORY);
    expect(inv.all.vars.ansible_ssh_common_args).toBe('-o ProxyJump=ops@bastion.example.com:2222');
  });

  test('a ProxyJump with shell-special characters is quoted for shlex', () => {
    const p = loadSample('hyperconverged-lab');
    const inv = yamlOf(render({ ...p, ssh: { ...p.ssh, proxyJump: "a b'c" } }), INVENTORY);
    expect(inv.all.vars.ansible_ssh_common_args).toBe(`-o ProxyJump='a b'"'"'c'`);
  });

  test('no ProxyJump, no ssh_common_args', () => {
    expect(yamlOf(renderSample('full-scale'), INVENTORY).all.vars).not.toHaveProperty(
      'ansible_ssh_common_args',
    );
  });

  test.each(SAMPLE_NAMES)('%s: StrictHostKeyChecking appears in no file', (name) => {
    const p = loadSample(name);
    for (const profile of [p, { ...p, ssh: { ...p.ssh, proxyJump: 'bastion' } }]) {
      for (const f of render(profile).values())
        expect(f.content).not.toMatch(/StrictHostKeyChecking/i);
    }
  });
});

describe('Kube-OVN and Kubespray agree', () => {
  test.each(SAMPLE_NAMES)(
    '%s: POD_CIDR/SVC_CIDR equal kube_pods_subnet/kube_service_addresses',
    (name) => {
      const files = renderSample(name);
      const ovn = yamlOf(files, KUBE_OVN);
      const k8s = yamlOf(files, K8S_VARS);
      const p = loadSample(name);
      expect(ovn.ipv4.POD_CIDR).toBe(k8s.kube_pods_subnet);
      expect(ovn.ipv4.SVC_CIDR).toBe(k8s.kube_service_addresses);
      expect(ovn.ipv4.POD_CIDR).toBe(p.network.podCidr);
      expect(ovn.ipv4.JOIN_CIDR).toBe(p.network.joinCidr);
      expect(ovn.ipv4.POD_GATEWAY).toBe('10.236.0.1');
      expect(ovn.networking).toEqual({
        IFACE: p.network.managementInterface,
        vlan: { VLAN_INTERFACE_NAME: p.network.managementInterface },
      });
      expect(yamlOf(files, INVENTORY).all.children.k8s_cluster.vars.kube_ovn_iface).toBe(
        ovn.networking.IFACE,
      );
      expect(k8s).toEqual({
        kube_network_plugin: 'none',
        kube_pods_subnet: p.network.podCidr,
        kube_service_addresses: p.network.serviceCidr,
        kube_proxy_strict_arp: true,
      });
    },
  );

  test('custom CIDRs flow through, gateway is the first address', () => {
    const p = loadSample('hyperconverged-lab');
    const files = render({
      ...p,
      network: {
        ...p.network,
        podCidr: '10.100.8.0/21',
        serviceCidr: '10.96.0.0/16',
        joinCidr: '100.65.0.0/16',
      },
    });
    expect(yamlOf(files, KUBE_OVN).ipv4).toEqual({
      POD_CIDR: '10.100.8.0/21',
      POD_GATEWAY: '10.100.8.1',
      SVC_CIDR: '10.96.0.0/16',
      JOIN_CIDR: '100.65.0.0/16',
    });
    expect(yamlOf(files, K8S_VARS).kube_pods_subnet).toBe('10.100.8.0/21');
  });

  test('lab tenant SNAT is switched off for every host', () => {
    expect(yamlOf(renderSample('full-scale'), ALL_VARS)).toEqual({
      lab_tenant_egress_snat_enabled: false,
    });
  });
});

describe('MetalLB manifest', () => {
  function docs(files: Map<string, RenderedFile>) {
    return parseAllDocuments(files.get(METALLB)!.content).map((d) => d.toJS());
  }

  test("four objects with Genestack's names, in the sample's order", () => {
    const d = docs(renderSample('hyperconverged-lab'));
    expect(d.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'IPAddressPool/gateway-api-external',
      'L2Advertisement/openstack-external-advertisement',
      'IPAddressPool/primary',
      'L2Advertisement/cluster-internal-advertisement',
    ]);
    for (const o of d) expect(o.metadata.namespace).toBe('metallb-system');
    expect(d[0].spec).toEqual({
      addresses: ['192.168.100.250/32'],
      autoAssign: false,
      avoidBuggyIPs: true,
    });
    expect(d[2].spec.addresses).toEqual(['192.168.100.200-192.168.100.220']);
    expect(d[1].spec.ipAddressPools).toEqual(['gateway-api-external']);
    expect(d[3].spec.ipAddressPools).toEqual(['primary']);
    for (const ad of [d[1], d[3]]) {
      expect(ad.spec.nodeSelectors).toEqual([
        { matchLabels: { 'node-role.kubernetes.io/worker': 'worker' } },
      ]);
    }
  });

  test('CIDRs stay, single addresses become /32, ranges lose spaces', () => {
    const p = loadSample('hyperconverged-lab');
    const files = render({
      ...p,
      network: {
        ...p.network,
        metallb: {
          gatewayVip: '10.0.0.9',
          primary: ['10.1.0.0/28', '10.2.0.5', '10.3.0.1 - 10.3.0.9'],
        },
      },
    });
    const d = docs(files);
    expect(d[0].spec.addresses).toEqual(['10.0.0.9/32']);
    expect(d[2].spec.addresses).toEqual(['10.1.0.0/28', '10.2.0.5/32', '10.3.0.1-10.3.0.9']);
  });
});

describe('OpenStack components and endpoints', () => {
  test.each(SAMPLE_NAMES)('%s: every service listed, true exactly when enabled', (name) => {
    const files = renderSample(name);
    const p = loadSample(name);
    const { components } = yamlOf(files, COMPONENTS);
    expect(Object.keys(components).sort()).toEqual([...OPENSTACK_SERVICES].sort());
    for (const s of OPENSTACK_SERVICES) expect(components[s]).toBe(p.openstack.services[s]);
    // setup-openstack.sh's test: grep -qi "^[[:space:]]*<name>:[[:space:]]*true"
    const text = files.get(COMPONENTS)!.content;
    for (const s of OPENSTACK_SERVICES) {
      expect(new RegExp(`^\\s*${s}:\\s*true`, 'mi').test(text)).toBe(p.openstack.services[s]);
    }
  });

  test('endpoints only for enabled services, https on 443 at <host>.<domain>', () => {
    const { endpoints } = yamlOf(renderSample('full-scale'), ENDPOINTS);
    expect(Object.keys(endpoints)).toEqual([
      'identity',
      'image',
      'orchestration',
      'cloudformation',
      'key_manager',
      'volume',
      'volumev2',
      'volumev3',
      'placement',
      'compute',
      'compute_metadata',
      'compute_novnc_proxy',
      'network',
      'load_balancer',
    ]);
    expect(endpoints.identity).toEqual({
      host_fqdn_override: { public: { tls: {}, host: 'keystone.cloud.example.com' } },
      port: { api: { public: 443 } },
      scheme: { public: 'https' },
    });
    expect(endpoints.compute_novnc_proxy.port).toEqual({ novnc_proxy: { public: 443 } });
    expect(endpoints.compute_metadata.host_fqdn_override.public.host).toBe(
      'metadata.cloud.example.com',
    );

    const lab = yamlOf(renderSample('hyperconverged-lab'), ENDPOINTS).endpoints;
    expect(lab).not.toHaveProperty('orchestration');
    expect(lab).not.toHaveProperty('volume');
  });
});

describe('storage files', () => {
  test('longhorn writes no storage file; its replicas go to the environment', () => {
    const files = renderSample('hyperconverged-lab');
    expect(
      [...files.keys()].filter((k) => k.startsWith('kustomize/') || k.includes('topolvm')),
    ).toEqual([]);
    expect(files.get(ENV)!.content).toMatch(/^LONGHORN_STORAGE_REPLICAS=2$/m);
  });

  test("rook-ceph: overlay on ../base with a patch naming each host's disks", () => {
    const files = renderSample('full-scale');
    expect(yamlOf(files, ROOK_OVERLAY)).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['../base'],
      patches: [{ path: 'rook-cluster-storage.yaml' }],
    });
    const patch = yamlOf(files, ROOK_PATCH);
    expect(patch.kind).toBe('CephCluster');
    expect(patch.metadata).toEqual({ name: 'rook-ceph', namespace: 'rook-ceph' });
    expect(patch.spec.storage.useAllNodes).toBe(false);
    expect(patch.spec.storage.useAllDevices).toBe(false);
    expect(patch.spec.storage.nodes).toEqual(
      fs('ceph').map((name, i) => ({
        name,
        devices: [1, 2].map((d) => ({ name: `/dev/disk/by-id/wwn-0x5000c500a0${i + 1}0000${d}` })),
      })),
    );
    expect(files.get(ENV)!.content).not.toMatch(/LONGHORN/);
  });

  test("topolvm: the device class uses the profile's volume group", () => {
    const p = loadSample('hyperconverged-lab');
    const files = render({
      ...p,
      storage: {
        ...p.storage,
        backend: 'topolvm',
        topolvm: { volumeGroup: 'vg-fast', devices: [] },
      },
    });
    expect(yamlOf(files, TOPOLVM)).toEqual({
      lvmd: {
        deviceClasses: [
          { name: 'general', 'volume-group': 'vg-fast', default: true, 'spare-gb': 10 },
        ],
      },
    });
  });

  test('external-ceph writes no storage file (its inputs are secrets)', () => {
    const p = loadSample('hyperconverged-lab');
    const files = render({
      ...p,
      storage: {
        ...p.storage,
        backend: 'external-ceph',
        externalCeph: {
          monHosts: ['10.0.0.1'],
          rbdPool: 'general',
          cephfsName: 'general-multi-attach',
          user: 'client.admin',
          keyring: 'AQD-secret-key==',
        },
      },
    });
    expect(
      [...files.keys()].filter((k) => k.startsWith('kustomize/') || k.includes('topolvm')),
    ).toEqual([]);
    for (const f of files.values()) expect(f.content).not.toContain('AQD-secret-key');
  });
});

describe('environment file', () => {
  test('hyperconverged-lab', () => {
    expect(Object.fromEntries(installerEnvironment(loadSample('hyperconverged-lab')))).toEqual({
      GENESTACK_CONFIG: '/etc/genestack',
      GENESTACK_BASE_DIR: '/opt/genestack',
      GENESTACK_OVERRIDES_DIR: '/etc/genestack',
      ACME_EMAIL: '',
      GATEWAY_DOMAIN: 'cloud.example.com',
      CONTAINER_INTERFACE: 'enp3s0',
      CONTAINER_VLAN_INTERFACE: 'enp3s0',
      COMPUTE_INTERFACE: 'enp4s0',
      OVN_EXTERNAL_INTERFACE: 'enp4s0',
      HYPERCONVERGED: 'true',
      CLUSTER_NAME: 'cluster.local',
      LONGHORN_STORAGE_REPLICAS: '2',
    });
  });

  test('every line is a comment or KEY=value, ACME_EMAIL and GATEWAY_DOMAIN always present', () => {
    for (const name of SAMPLE_NAMES) {
      const text = renderSample(name).get(ENV)!.content;
      for (const line of text.trimEnd().split('\n')) expect(line).toMatch(/^(#.*|[A-Z_]+=.*)$/);
      expect(text).toMatch(/^ACME_EMAIL=/m);
      expect(text).toMatch(/^GATEWAY_DOMAIN=\S+$/m);
    }
    expect(renderSample('full-scale').get(ENV)!.content).toMatch(/^HYPERCONVERGED=false$/m);
    expect(renderSample('full-scale').get(ENV)!.content).toMatch(/^ACME_EMAIL=ops@example.com$/m);
  });

  test('values a shell would split are quoted', () => {
    const p = loadSample('hyperconverged-lab');
    const files = render({ ...p, genestack: { ...p.genestack, repoDir: '/opt/my genestack' } });
    expect(files.get(ENV)!.content).toMatch(/^GENESTACK_BASE_DIR='\/opt\/my genestack'$/m);
  });
});

describe('every file', () => {
  test.each(SAMPLE_NAMES)('%s: header names the profile and the edit rule', (name) => {
    for (const f of renderSample(name).values()) {
      const [first, second] = f.content.split('\n');
      expect(first).toBe(
        `# Generated by genestack-installer from profile "${name}" (profiles/${name}.yaml).`,
      );
      expect(second).toBe(
        '# Edits are kept: the installer shows a diff and asks before replacing this file.',
      );
      expect(f.description).not.toBe('');
      expect(f.content.endsWith('\n')).toBe(true);
    }
  });

  test('header without a path, and a newline in the name cannot end the comment', () => {
    const files = renderConfigFiles(loadSample('hyperconverged-lab'), {
      profileName: 'x\nall: {}',
    });
    for (const f of files) {
      expect(f.content.split('\n')[0]).toBe(
        '# Generated by genestack-installer from profile "x all: {}".',
      );
    }
  });

  test.each(SAMPLE_NAMES)(
    '%s: rendering is deterministic and paths are unique and relative',
    (name) => {
      const a = renderConfigFiles(loadSample(name), { profileName: name });
      const b = renderConfigFiles(loadSample(name), { profileName: name });
      expect(a).toEqual(b);
      const paths = a.map((f) => f.path);
      expect(new Set(paths).size).toBe(paths.length);
      for (const p of paths) expect(p).toMatch(/^[a-z0-9_][a-z0-9_./-]*$/);
    },
  );

  test.each(SAMPLE_NAMES)('%s: every YAML file parses', (name) => {
    for (const f of renderSample(name).values()) {
      if (!/\.ya?ml$/.test(f.path)) continue;
      for (const doc of parseAllDocuments(f.content, { version: '1.1' }))
        expect(doc.errors).toEqual([]);
    }
  });
});

describe('address helpers', () => {
  test('firstHostAddress', () => {
    expect(firstHostAddress('10.236.0.0/14')).toBe('10.236.0.1');
    expect(firstHostAddress('10.237.5.9/14')).toBe('10.236.0.1');
    expect(firstHostAddress('192.168.1.0/24')).toBe('192.168.1.1');
    expect(() => firstHostAddress('fd00::/64')).toThrow(/IPv4/);
    expect(() => firstHostAddress('10.0.0.0/31')).toThrow();
  });

  test('hostRoute and metallbAddress', () => {
    expect(hostRoute('10.0.0.1')).toBe('10.0.0.1/32');
    expect(hostRoute('10.0.0.1/32')).toBe('10.0.0.1/32');
    expect(metallbAddress('10.0.0.1-10.0.0.5')).toBe('10.0.0.1-10.0.0.5');
    expect(metallbAddress(' 10.0.0.0/24 ')).toBe('10.0.0.0/24');
  });
});
