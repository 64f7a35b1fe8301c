// The rendered inventory read by the real ansible-inventory: group membership, host vars, and
// group_vars precedence over Genestack's own files. Needs ansible-core (Debian package); the
// suite fails, never skips, when it is missing.
import { execa } from 'execa';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { applyWrites, planWrites } from '../../src/genestack/apply';
import { inventoryGroups, type HostGroup } from '../../src/genestack/inventory';
import { renderConfigFiles } from '../../src/genestack/render';
import type { ResolvedProfile } from '../../src/profile/normalize';
import { loadSample, SAMPLE_NAMES, samplePath, type SampleName } from '../helpers/samples';

let scratch: string;
let ansibleInventory: string;

beforeAll(async () => {
  const found = await execa('sh', ['-c', 'command -v ansible-inventory'], { reject: false });
  if (found.exitCode !== 0 || found.stdout.trim() === '') {
    const where = process.env.CI ? ' (CI is set: this suite must run)' : '';
    throw new Error(
      `ansible-inventory was not found on PATH${where}. Install ansible-core ` +
        '(apt-get install ansible-core) or run the README test command, which installs it.',
    );
  }
  ansibleInventory = found.stdout.trim();
  scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'genestack-ansible-inventory-'));
});

afterAll(async () => {
  if (scratch) await fsp.rm(scratch, { recursive: true, force: true });
});

async function renderInto(name: SampleName, profile: ResolvedProfile = loadSample(name)) {
  const configDir = await fsp.mkdtemp(path.join(scratch, `${name}-`));
  const files = renderConfigFiles(profile, { profileName: name, profilePath: samplePath(name) });
  await applyWrites(await planWrites(files, configDir));
  return configDir;
}

async function run(args: string[], env: Record<string, string> = {}) {
  const result = await execa(ansibleInventory, args, {
    cwd: scratch, // no stray ansible.cfg from the repository
    env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCAL_TEMP: path.join(scratch, '.ansible-tmp'), ...env },
    reject: false,
  });
  expect(result.exitCode, `${ansibleInventory} ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

type InventoryList = Record<string, { hosts?: string[]; children?: string[] }> & {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
};

async function list(inventory: string, env?: Record<string, string>) {
  const r = await run(['-i', inventory, '--list'], env);
  return { data: JSON.parse(r.stdout) as InventoryList, stderr: r.stderr };
}

/** Every host in a group, through its children; ansible-inventory leaves empty groups out. */
function members(data: InventoryList, group: string): string[] {
  const g = data[group];
  if (g === undefined) return [];
  const all = new Set(g.hosts ?? []);
  for (const child of g.children ?? []) for (const h of members(data, child)) all.add(h);
  return [...all].sort();
}

const HOST_GROUPS: HostGroup[] = [
  'kube_control_plane',
  'etcd',
  'kube_node',
  'openstack_control_plane',
  'ovn_network_nodes',
  'openstack_compute_nodes',
  'ceph_storage_nodes',
  'cinder_storage_nodes',
  'longhorn_storage_nodes',
];

describe.each(SAMPLE_NAMES)('ansible-inventory reads %s', (name) => {
  test('groups, host vars and group_vars', async () => {
    const profile = loadSample(name);
    const configDir = await renderInto(name);
    const inventory = path.join(configDir, 'inventory/inventory.yaml');
    const { data, stderr } = await list(inventory);
    expect(stderr).not.toMatch(/WARNING|ERROR/);

    const expected = inventoryGroups(profile);
    for (const group of HOST_GROUPS) {
      expect(members(data, group), group).toEqual([...expected[group]].sort());
    }
    expect(members(data, 'storage_nodes')).toEqual(
      [
        ...new Set([
          ...expected.ceph_storage_nodes,
          ...expected.cinder_storage_nodes,
          ...expected.longhorn_storage_nodes,
        ]),
      ].sort(),
    );
    expect(members(data, 'k8s_cluster')).toEqual(profile.hosts.map((h) => h.name).sort());
    expect(data['k8s_cluster']?.children).toEqual(
      expect.arrayContaining(['broken_etcd', 'broken_kube_control_plane', 'storage_nodes']),
    );

    for (const host of profile.hosts) {
      const vars = data._meta.hostvars[host.name];
      expect(vars?.ansible_host, host.name).toBe(host.address);
      expect(vars?.cluster_name).toBe(profile.kubernetes.clusterName);
      expect(vars?.ansible_user).toBe(profile.ssh.user);
      expect(vars?.kube_ovn_iface).toBe(profile.network.managementInterface);
      expect(vars?.kube_pods_subnet).toBe(profile.network.podCidr);
    }
  });

  test("the installer's group_vars win over Genestack's own files in the same directory", async () => {
    const profile = loadSample(name);
    const configDir = await renderInto(name);
    const groupVars = path.join(configDir, 'inventory/group_vars');
    // What bootstrap.sh copies from ansible/inventory/genestack/group_vars (reference §2.5),
    // with values that must lose.
    await fsp.writeFile(
      path.join(groupVars, 'k8s_cluster/k8s-cluster.yml'),
      'kube_network_plugin: calico\nkube_pods_subnet: 192.0.2.0/24\nkube_service_addresses: 198.51.100.0/24\nkube_proxy_strict_arp: false\n',
    );
    await fsp.writeFile(path.join(groupVars, 'k8s_cluster/addons.yml'), 'metallb_enabled: false\n');
    await fsp.writeFile(path.join(groupVars, 'all/all.yml'), 'bin_dir: /usr/local/bin\n');

    const host = profile.hosts[0]!.name;
    const r = await run(['-i', path.join(configDir, 'inventory/inventory.yaml'), '--host', host]);
    const vars = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(vars).toMatchObject({
      kube_network_plugin: 'none',
      kube_pods_subnet: profile.network.podCidr,
      kube_service_addresses: profile.network.serviceCidr,
      kube_proxy_strict_arp: true,
      lab_tenant_egress_snat_enabled: false,
      metallb_enabled: false,
      bin_dir: '/usr/local/bin',
      ansible_host: profile.hosts[0]!.address,
    });
  });
});

test('the inventory directory as Genestack loads it, with the example and a backup beside it', async () => {
  const name = 'full-scale';
  const profile = loadSample(name);
  const configDir = await renderInto(name);
  const inventoryDir = path.join(configDir, 'inventory');
  await fsp.writeFile(
    path.join(inventoryDir, 'inventory.yaml.example'),
    'all:\n  hosts:\n    example-host: {}\n',
  );

  // Re-render with a changed address: the old inventory becomes a timestamped backup.
  const moved: ResolvedProfile = {
    ...profile,
    hosts: profile.hosts.map((h, i) => (i === 0 ? { ...h, address: '172.29.236.111' } : h)),
  };
  const plan = await planWrites(
    renderConfigFiles(moved, { profileName: name, profilePath: samplePath(name) }),
    configDir,
  );
  expect(plan.find((p) => p.relativePath === 'inventory/inventory.yaml')?.status).toBe('changed');
  const applied = await applyWrites(plan);
  expect(
    applied.some((a) => a.backupPath?.startsWith(path.join(inventoryDir, 'inventory.yaml.'))),
  ).toBe(true);

  // scripts/genestack.rc: ANSIBLE_INVENTORY is the directory, with this ignore regex (§1.4).
  const { data, stderr } = await list(inventoryDir, {
    ANSIBLE_INVENTORY_IGNORE_REGEX: 'patches|group_vars|artifacts|credentials|.*\\.example',
  });
  // The backup is skipped silently (Ansible ignores *.bak), the example by the regex.
  expect(stderr).not.toMatch(/WARNING|Unable to parse/);
  expect(data._meta.hostvars['example-host']).toBeUndefined();
  expect(data._meta.hostvars[moved.hosts[0]!.name]?.ansible_host).toBe('172.29.236.111');
  expect(members(data, 'kube_node')).toEqual([...inventoryGroups(moved).kube_node].sort());
});

test('ProxyJump reaches the hosts as ssh_common_args', async () => {
  const name = 'hyperconverged-lab';
  const p = loadSample(name);
  const configDir = await renderInto(name, {
    ...p,
    ssh: { ...p.ssh, proxyJump: 'ops@jump.example.com:2222' },
  });
  const r = await run([
    '-i',
    path.join(configDir, 'inventory/inventory.yaml'),
    '--host',
    p.hosts[1]!.name,
  ]);
  const vars = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(vars.ansible_ssh_common_args).toBe('-o ProxyJump=ops@jump.example.com:2222');
  expect(r.stdout).not.toMatch(/StrictHostKeyChecking/);
});
