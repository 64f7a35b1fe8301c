// Disk eligibility, role requirements and provider-interface candidates: the judgement side
// of discovery, on hand-made facts and on recorded probe outputs.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import requirementsYaml from '../../assets/requirements.yaml';
import { builtinRequirements } from '../../src/discovery/assets';
import {
  DEFAULT_OSD_POLICY,
  formatBytes,
  ineligibilityReasons,
  judgeDisk,
  judgeDisks,
} from '../../src/discovery/eligibility';
import { parseProbeOutput } from '../../src/discovery/parse';
import { isLinkLocal, providerInterfaceCandidates } from '../../src/discovery/providerInterfaces';
import {
  checkHost,
  checkRole,
  countUsableNics,
  loadRequirements,
  osdPolicy,
  worst,
} from '../../src/discovery/requirements';
import type { DiskFacts, HostFacts, NicFacts } from '../../src/discovery/types';

const GiB = 1024 ** 3;
const fixture = (name: string): HostFacts =>
  judgeDisks(
    parseProbeOutput(readFileSync(join(__dirname, '../fixtures/probe', name), 'utf8')).facts,
    DEFAULT_OSD_POLICY,
  );

function blankDisk(over: Partial<DiskFacts> = {}): DiskFacts {
  return {
    name: 'sdx',
    path: '/dev/sdx',
    type: 'disk',
    sizeBytes: 500 * GiB,
    rotational: false,
    model: null,
    serial: null,
    wwn: null,
    transport: 'sata',
    byId: '/dev/disk/by-id/wwn-0x1',
    byIdAll: ['/dev/disk/by-id/wwn-0x1'],
    removable: false,
    readOnly: false,
    fstype: null,
    partitionTable: null,
    partitions: [],
    holders: [],
    mountpoints: [],
    holdsRoot: false,
    multipathOf: null,
    multipathPaths: [],
    eligible: false,
    reasonCodes: [],
    reasons: [],
    ...over,
  };
}

describe('disk eligibility', () => {
  it('a blank, big, fixed, writable disk is eligible', () => {
    expect(judgeDisk(blankDisk(), DEFAULT_OSD_POLICY)).toMatchObject({
      eligible: true,
      reasons: [],
    });
  });

  it('lists every reason, not just the first', () => {
    const d = judgeDisk(
      blankDisk({
        sizeBytes: 1 * GiB,
        removable: true,
        readOnly: true,
        fstype: 'ext4',
        mountpoints: ['/mnt/usb'],
      }),
      DEFAULT_OSD_POLICY,
    );
    expect(d.reasonCodes).toEqual(['mounted', 'filesystem', 'tooSmall', 'removable', 'readOnly']);
    expect(d.reasons).toEqual([
      'is in use, mounted at /mnt/usb',
      'has a ext4 filesystem',
      'is 1.0 GiB, smaller than the 10.0 GiB an OSD needs',
      'is removable (USB stick, card reader)',
      'is read-only',
    ]);
  });

  it('whole-disk signatures each have their own reason', () => {
    const code = (fstype: string) =>
      ineligibilityReasons(blankDisk({ fstype }), DEFAULT_OSD_POLICY).map((r) => r.code);
    expect(code('LVM2_member')).toEqual(['lvm']);
    expect(code('linux_raid_member')).toEqual(['raid']);
    expect(code('crypto_LUKS')).toEqual(['crypt']);
    expect(code('ceph_bluestore')).toEqual(['ceph']);
    expect(code('swap')).toEqual(['filesystem']);
  });

  it('holders: LVM, RAID, crypt, other device-mapper users', () => {
    const h = (type: string, name = 'x') =>
      ineligibilityReasons(
        blankDisk({ holders: [{ name, type, fstype: null, mountpoints: [] }] }),
        DEFAULT_OSD_POLICY,
      ).map((r) => r.code);
    expect(h('lvm')).toEqual(['lvm']);
    expect(h('raid1', 'md0')).toEqual(['raid']);
    expect(h('crypt')).toEqual(['crypt']);
    expect(h('dm')).toEqual(['holders']);
    expect(h('lvm', 'ceph--abc-osd--block--def')).toEqual(['ceph']);
  });

  it('size unknown is not "eligible"', () => {
    expect(judgeDisk(blankDisk({ sizeBytes: null }), DEFAULT_OSD_POLICY).reasonCodes).toEqual([
      'sizeUnknown',
    ]);
  });

  it('property: any sign of data means not eligible', () => {
    const data = fc.oneof(
      fc.record({
        fstype: fc.constantFrom('ext4', 'xfs', 'LVM2_member', 'swap', 'ceph_bluestore'),
      }),
      fc.record({ partitionTable: fc.constantFrom('gpt', 'dos') }),
      fc.record({
        mountpoints: fc.array(fc.constantFrom('/', '/srv', '[SWAP]'), { minLength: 1 }),
      }),
      fc.record({ holdsRoot: fc.constant(true) }),
      fc.record({ multipathOf: fc.constant('mpatha') }),
      fc.record({
        holders: fc.constant([{ name: 'vg-lv', type: 'lvm', fstype: null, mountpoints: [] }]),
      }),
      fc.record({
        partitions: fc.constant([
          {
            name: 'sdx1',
            path: '/dev/sdx1',
            sizeBytes: 1,
            fstype: null,
            label: null,
            mountpoints: [],
            holders: [],
          },
        ]),
      }),
    );
    fc.assert(
      fc.property(data, fc.integer({ min: 0, max: 2 ** 45 }), (over, size) => {
        const d = judgeDisk(
          blankDisk({ ...(over as Partial<DiskFacts>), sizeBytes: size }),
          DEFAULT_OSD_POLICY,
        );
        expect(d.eligible).toBe(false);
        expect(d.reasons.length).toBe(d.reasonCodes.length);
      }),
    );
  });

  it('formatBytes', () => {
    expect(formatBytes(null)).toBe('?');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3840755982336)).toBe('3.5 TiB');
    expect(formatBytes(263742532 * 1024)).toBe('252 GiB');
  });
});

describe('requirements.yaml', () => {
  it('the shipped file is valid, and drives the OSD floor', () => {
    const r = loadRequirements(requirementsYaml);
    expect(r.version).toBe(1);
    expect(osdPolicy(r).minSizeBytes).toBe(10 * GiB);
    expect(builtinRequirements()).toEqual(r);
  });

  it('refuses bad data, naming the field', () => {
    expect(() => loadRequirements('version: 2')).toThrow(/version/);
    const bad = requirementsYaml.replace(
      'cpuThreads: { min: 2, recommended: 4 }',
      'cpuThreads: { min: 8, recommended: 4 }',
    );
    expect(() => loadRequirements(bad, 'r.yaml')).toThrow(
      /r\.yaml is invalid: levels\.lab\.roles\.all\.cpuThreads: recommended must not be below min/,
    );
    expect(() => loadRequirements(requirementsYaml.replace('etcd:', 'etcdd:'))).toThrow(/etcdd/);
    expect(() => loadRequirements('a: [')).toThrow(/requirements\.yaml/);
  });
});

describe('role checks', () => {
  const req = builtinRequirements();
  const compute01 = fixture('ubuntu2404-nvme-os-partitioned.txt');
  const storage01 = fixture('debian12-sata-mdraid-lvm-bond-vlan-bridge.txt');
  const legacy = fixture('ubuntu1804-old-tools-unprivileged.txt');

  it('a big 24.04 host passes everything in production as compute and storage', () => {
    const v = checkHost(
      compute01,
      ['openstack_compute_nodes', 'ceph_storage_nodes'],
      'production',
      req,
    );
    expect(v.map((x) => x.role)).toEqual(['all', 'openstack_compute_nodes', 'ceph_storage_nodes']);
    expect(v.find((x) => x.role === 'openstack_compute_nodes')!.status).toBe('pass');
    // one eligible disk: enough, but three are recommended
    const ceph = v.find((x) => x.role === 'ceph_storage_nodes')!;
    expect(ceph.checks.find((c) => c.id === 'osdDisks')).toMatchObject({
      status: 'warning',
      message: '1 disk(s) eligible for a Ceph OSD; ceph_storage_nodes needs 1 (3 recommended)',
    });
    expect(worst(v.map((x) => x.status))).toBe('warning');
  });

  it('kernel below 6.8, noexec /tmp and an unsynchronized clock fail with a fix', () => {
    const all = checkRole(storage01, 'all', 'production', req);
    const byId = Object.fromEntries(all.checks.map((c) => [c.id, c]));
    expect(byId.kernel).toMatchObject({
      status: 'fail',
      message: "kernel 6.1.0-25-amd64 is older than 6.8: Genestack's host setup stops on it",
    });
    expect(byId.kernel!.fix).toMatch(/6\.8\+ kernel/);
    expect(byId.tmpExec!.status).toBe('fail');
    expect(byId.timeSync!.status).toBe('fail');
    expect(
      checkRole(storage01, 'all', 'lab', req).checks.find((c) => c.id === 'timeSync')!.status,
    ).toBe('warning');
    for (const c of all.checks)
      expect(c.status === 'pass' ? c.fix === '' : c.fix !== '').toBe(true);
  });

  it('no hardware virtualization: warning in a lab, fail in production', () => {
    expect(
      checkRole(legacy, 'openstack_compute_nodes', 'lab', req).checks.find(
        (c) => c.id === 'virtualization',
      )!.status,
    ).toBe('warning');
    expect(
      checkRole(legacy, 'openstack_compute_nodes', 'production', req).checks.find(
        (c) => c.id === 'virtualization',
      )!.status,
    ).toBe('fail');
  });

  it('unknown facts are warnings, never a silent pass', () => {
    const c = checkRole(legacy, 'all', 'lab', req).checks.find((x) => x.id === 'timeSync')!;
    expect(c).toMatchObject({ status: 'warning', message: expect.stringMatching(/unknown/) });
  });

  it('memory thresholds against MemTotal', () => {
    const c = checkRole(legacy, 'openstack_compute_nodes', 'lab', req).checks.find(
      (x) => x.id === 'memoryGiB',
    )!;
    expect(c.status).toBe('warning');
    expect(c.message).toBe('7.8 GiB memory; openstack_compute_nodes needs 7.5 (15 recommended)');
  });

  it('counts usable NICs: a bond counts once, its ports not', () => {
    expect(countUsableNics(storage01.nics)).toBe(5); // bond0, 3 VLANs, eno3
    expect(countUsableNics(compute01.nics)).toBe(4);
  });

  it('a CPU with vmx but no /dev/kvm gets a warning to load the module', () => {
    const f = { ...compute01, cpu: { ...compute01.cpu, kvmDevice: false } };
    const c = checkRole(f, 'openstack_compute_nodes', 'lab', req).checks.find(
      (x) => x.id === 'kvmDevice',
    )!;
    expect(c).toMatchObject({ status: 'warning', fix: 'load the kvm_intel kernel module' });
  });
});

describe('provider interface candidates', () => {
  const nicOf = (over: Partial<NicFacts>): NicFacts => ({
    name: 'eth1',
    mac: null,
    state: 'up',
    adminUp: true,
    carrier: true,
    speedMbps: null,
    mtu: 1500,
    addresses: [],
    kind: 'physical',
    linkKind: null,
    master: null,
    members: [],
    vlan: null,
    bondMode: null,
    defaultRoute: false,
    ...over,
  });
  const host = (name: string, nics: NicFacts[], known = true) => ({
    host: name,
    facts: { nics, nicAddressesKnown: known } as HostFacts,
  });

  it('present everywhere, up, no address (link-local ignored) -> usable', () => {
    const c = providerInterfaceCandidates([
      host('a', [
        nicOf({ name: 'eth0', addresses: ['10.0.0.1/24'], defaultRoute: true }),
        nicOf({ addresses: ['fe80::1/64'] }),
      ]),
      host('b', [nicOf({ name: 'eth0', addresses: ['10.0.0.2/24'] }), nicOf({})]),
    ]);
    expect(c.map((x) => [x.name, x.usable])).toEqual([
      ['eth1', true],
      ['eth0', false],
    ]);
    expect(c[1]!.hosts[0]!.reasons.map((r) => r.code)).toEqual(['hasAddress', 'defaultRoute']);
  });

  it('missing on one host, down on another, enslaved, or addresses unknown -> not usable', () => {
    const c = providerInterfaceCandidates([
      host('a', [nicOf({})]),
      host('b', []),
      host('c', [nicOf({ state: 'down' })]),
      host('d', [nicOf({ master: 'bond0' })]),
      host('e', [nicOf({})], false),
    ]);
    expect(c).toHaveLength(1);
    expect(c[0]!.usable).toBe(false);
    expect(c[0]!.hosts.map((h) => h.reasons.map((r) => r.code))).toEqual([
      [],
      ['missing'],
      ['down'],
      ['enslaved'],
      ['addressesUnknown'],
    ]);
    expect(c[0]!.hosts[2]!.reasons[0]!.message).toMatch(/bring it up with no address/);
  });

  it('on recorded hosts: the IP-less VLAN of the bonded host, the spare NIC of the NVMe host', () => {
    const storage = fixture('debian12-sata-mdraid-lvm-bond-vlan-bridge.txt');
    const all = providerInterfaceCandidates([{ host: 'storage01', facts: storage }]);
    expect(all.filter((c) => c.usable).map((c) => c.name)).toEqual(['bond0.126']);
    const reasons = (n: string) =>
      all.find((c) => c.name === n)!.hosts[0]!.reasons.map((r) => r.code);
    expect(reasons('bond0')).toEqual(['vlanParent']);
    expect(reasons('eno1')).toEqual(['enslaved']);
    expect(reasons('bond0.100')).toEqual(['enslaved']);
    expect(reasons('bond0.130')).toEqual(['hasAddress']);
    expect(reasons('eno3')).toEqual(['down']);
    const compute = fixture('ubuntu2404-nvme-os-partitioned.txt');
    expect(
      providerInterfaceCandidates([{ host: 'compute01', facts: compute }])
        .filter((c) => c.usable)
        .map((c) => c.name),
    ).toEqual(['eno2']);
    // The two hosts share no interface name: nothing is usable on both.
    expect(
      providerInterfaceCandidates([
        { host: 'compute01', facts: compute },
        { host: 'storage01', facts: storage },
      ]).filter((c) => c.usable),
    ).toEqual([]);
  });

  it('link-local detection', () => {
    expect(isLinkLocal('fe80::1/64')).toBe(true);
    expect(isLinkLocal('FEBF::1/64')).toBe(true);
    expect(isLinkLocal('fec0::1/64')).toBe(false);
    expect(isLinkLocal('10.0.0.1/8')).toBe(false);
  });
});
