// Probe output -> HostFacts, from recorded probe outputs of varied hardware
// (test/fixtures/probe/*.txt; debian12-vm-virtio.txt is this development VM, recorded as is).
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OSD_POLICY, judgeDisks } from '../../src/discovery/eligibility';
import {
  countCpuList,
  hexToIpv6,
  parseById,
  parseKernel,
  parseOsRelease,
  parseProbeOutput,
  preferredById,
  splitSections,
} from '../../src/discovery/parse';
import type { DiskFacts, HostFacts, NicFacts } from '../../src/discovery/types';

const DIR = join(__dirname, '../fixtures/probe');
const text = (name: string) => readFileSync(join(DIR, name), 'utf8');

function load(name: string) {
  const r = parseProbeOutput(text(name));
  return { ...r, facts: judgeDisks(r.facts, DEFAULT_OSD_POLICY) };
}
const disk = (f: HostFacts, name: string): DiskFacts => {
  const d = f.disks.find((x) => x.name === name);
  if (!d) throw new Error(`no disk ${name} in ${f.disks.map((x) => x.name).join(',')}`);
  return d;
};
const nic = (f: HostFacts, name: string): NicFacts => {
  const n = f.nics.find((x) => x.name === name);
  if (!n) throw new Error(`no nic ${name}`);
  return n;
};

describe('Ubuntu 24.04, OS on a partitioned NVMe, more NVMe (lscpu 2.39 nested JSON)', () => {
  const { facts, warnings } = load('ubuntu2404-nvme-os-partitioned.txt');

  it('reads identity, OS and kernel', () => {
    expect(warnings).toEqual([]);
    expect(facts.hostname).toBe('compute01');
    expect(facts.fqdn).toBe('compute01.lab.example.com');
    expect(facts.os).toEqual({
      id: 'ubuntu',
      versionId: '24.04',
      prettyName: 'Ubuntu 24.04.1 LTS',
      idLike: ['debian'],
    });
    expect(facts.kernel).toEqual({ release: '6.8.0-45-generic', version: [6, 8, 0] });
    expect(facts.arch).toBe('x86_64');
    expect(facts.system).toEqual({ vendor: 'Dell Inc.', product: 'PowerEdge R650' });
    expect(facts.privileged).toBe(false);
    expect(facts.signaturesKnown).toBe(true);
  });

  it('reads CPU topology from nested lscpu, and VT-x with /dev/kvm', () => {
    expect(facts.cpu).toMatchObject({
      model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
      vendor: 'GenuineIntel',
      sockets: 2,
      cores: 32,
      threads: 64,
      virtualization: 'vmx',
      kvmDevice: true,
    });
  });

  it('reads memory in bytes', () => {
    expect(facts.memory.totalBytes).toBe(263742532 * 1024);
    expect(facts.memory.swapTotalBytes).toBe(8388604 * 1024);
  });

  it('the OS disk: partitions, LVM root, every reason listed', () => {
    const d = disk(facts, 'nvme0n1');
    expect(d.holdsRoot).toBe(true);
    expect(d.partitions.map((p) => p.name)).toEqual(['nvme0n1p1', 'nvme0n1p2', 'nvme0n1p3']);
    expect(d.partitions[2]!.holders).toEqual([
      { name: 'ubuntu--vg-ubuntu--lv', type: 'lvm', fstype: 'ext4', mountpoints: ['/'] },
    ]);
    expect(d.mountpoints.sort()).toEqual(['/', '/boot', '/boot/efi']);
    expect(d.eligible).toBe(false);
    expect(d.reasonCodes).toEqual(['holdsOs', 'partitions', 'filesystem', 'lvm']);
    expect(d.byId).toBe('/dev/disk/by-id/nvme-eui.01000000000000005cd2e4b5a2c34d51');
    expect(d.byIdAll.length).toBeGreaterThan(1);
    expect(d.byIdAll.filter((l) => l.includes('-part'))).toEqual([]);
    expect(d).toMatchObject({
      rotational: false,
      transport: 'nvme',
      removable: false,
      readOnly: false,
    });
  });

  it('a blank NVMe is eligible, with its stable path', () => {
    const d = disk(facts, 'nvme1n1');
    expect(d).toMatchObject({
      eligible: true,
      reasons: [],
      sizeBytes: 3840755982336,
      serial: 'PHAB1234001B3P8CGN',
      byId: '/dev/disk/by-id/nvme-eui.01000000000000005cd2e4b5a2c34e62',
    });
  });

  it('a disk of another Ceph cluster is never eligible', () => {
    const d = disk(facts, 'nvme2n1');
    expect(d.eligible).toBe(false);
    expect(d.reasonCodes).toEqual(expect.arrayContaining(['lvm', 'ceph']));
  });

  it('an empty partition table is a data signature', () => {
    expect(disk(facts, 'nvme3n1').reasonCodes).toEqual(['partitionTable']);
  });

  it('reads NICs: addresses, state, speed, default route', () => {
    expect(nic(facts, 'eno1')).toMatchObject({
      kind: 'physical',
      state: 'up',
      addresses: ['10.0.0.21/24', 'fe80::b27b:25ff:fede:1a10/64'],
      speedMbps: 25000,
      mtu: 1500,
      mac: 'b0:7b:25:de:1a:10',
      defaultRoute: true,
    });
    expect(nic(facts, 'eno2')).toMatchObject({
      state: 'up',
      addresses: ['fe80::b27b:25ff:fede:1a11/64'],
    });
    expect(nic(facts, 'ens2f0np0')).toMatchObject({
      state: 'down',
      carrier: false,
      adminUp: true,
      speedMbps: null,
    });
    expect(facts.defaultRoute).toEqual([
      { interface: 'eno1', gateway: '10.0.0.1', family: 'inet' },
    ]);
  });

  it('reads time sync and filesystems', () => {
    expect(facts.timeSync).toEqual({
      synchronized: true,
      ntpEnabled: true,
      source: 'timedatectl',
      timezone: 'Etc/UTC',
    });
    expect(facts.filesystems.tmpNoexec).toBe(false);
    expect(facts.filesystems.varLibFreeBytes).toBe(849291960 * 1024);
    expect(facts.modules.brNetfilter).toBe(true);
  });
});

describe('Debian 12 storage host: SATA md RAID1, LVM, bond + VLANs + bridge (lscpu flat JSON)', () => {
  const { facts, warnings } = load('debian12-sata-mdraid-lvm-bond-vlan-bridge.txt');

  it('flat lscpu, AMD-V, old kernel', () => {
    expect(warnings).toEqual([]);
    expect(facts.cpu).toMatchObject({ sockets: 1, cores: 8, threads: 16, virtualization: 'svm' });
    expect(facts.kernel.version).toEqual([6, 1, 0]);
  });

  it('md RAID members holding / and swap', () => {
    for (const name of ['sda', 'sdb']) {
      const d = disk(facts, name);
      expect(d.holdsRoot).toBe(true);
      expect(d.reasonCodes).toEqual(['holdsOs', 'mounted', 'partitions', 'raid']);
      expect(d.reasons[1]).toBe('is in use, mounted at [SWAP]');
      expect(d.byId).toBe(
        name === 'sda'
          ? '/dev/disk/by-id/wwn-0x5002538f00000001'
          : '/dev/disk/by-id/wwn-0x5002538f00000002',
      );
    }
  });

  it('an LVM data disk, a blank HDD, a leftover filesystem, USB, too small', () => {
    expect(disk(facts, 'sdc').reasonCodes).toEqual(['mounted', 'lvm']);
    expect(disk(facts, 'sdc').mountpoints).toEqual(['/srv/data']);
    expect(disk(facts, 'sdd')).toMatchObject({ eligible: true, rotational: true });
    expect(disk(facts, 'sde').reasons).toEqual(['has a xfs filesystem']);
    expect(disk(facts, 'sdf').reasonCodes).toEqual(['partitions', 'filesystem', 'removable']);
    expect(disk(facts, 'sdg').reasonCodes).toEqual(['tooSmall']);
    expect(disk(facts, 'sdg').reasons[0]).toMatch(/7\.5 GiB, smaller than the 10\.0 GiB/);
  });

  it('leaves out optical drives', () => {
    expect(facts.disks.map((d) => d.name)).not.toContain('sr0');
  });

  it('bond, its members, VLANs and the bridge', () => {
    expect(nic(facts, 'bond0')).toMatchObject({
      kind: 'bond',
      bondMode: '802.3ad',
      members: ['eno1', 'eno2'],
      speedMbps: 50000,
    });
    expect(nic(facts, 'eno1')).toMatchObject({ kind: 'physical', master: 'bond0' });
    expect(nic(facts, 'bond0.100')).toMatchObject({
      kind: 'vlan',
      vlan: { id: 100, parent: 'bond0' },
      master: 'br-host',
    });
    expect(nic(facts, 'bond0.126')).toMatchObject({ kind: 'vlan', state: 'up' });
    expect(nic(facts, 'br-host')).toMatchObject({
      kind: 'bridge',
      members: ['bond0.100'],
      addresses: ['10.1.0.31/24', 'fe80::3eec:efff:fe10:2030/64'],
      defaultRoute: true,
    });
  });

  it('ignores rejected routes, reads the IPv6 default route', () => {
    expect(facts.defaultRoute).toEqual([
      { interface: 'br-host', gateway: '10.1.0.1', family: 'inet' },
      { interface: 'br-host', gateway: '2001:db8::1', family: 'inet6' },
    ]);
  });

  it('noexec /tmp, unsynchronized clock', () => {
    expect(facts.filesystems.tmpNoexec).toBe(true);
    expect(facts.timeSync.synchronized).toBe(false);
  });
});

describe('Ubuntu 22.04 with FC multipath, OVS left over, no lscpu, chrony', () => {
  const { facts, warnings } = load('ubuntu2204-multipath-ovs-no-lscpu.txt');

  it('counts sockets, cores and threads from /proc/cpuinfo', () => {
    expect(warnings).toEqual([]);
    expect(facts.cpu).toMatchObject({
      model: 'Intel(R) Xeon(R) Silver 4110 CPU @ 2.10GHz',
      sockets: 2,
      cores: 8,
      threads: 16,
      virtualization: 'vmx',
    });
  });

  it('lists each multipath device once, with its paths, and marks the paths', () => {
    const a = disk(facts, 'mpatha');
    expect(a).toMatchObject({
      type: 'mpath',
      path: '/dev/mapper/mpatha',
      multipathPaths: ['sdb', 'sdc'],
      eligible: true,
      byId: '/dev/disk/by-id/dm-uuid-mpath-3600a098038314e6f4a5d4f6b54785a31',
    });
    expect(disk(facts, 'sdb')).toMatchObject({ multipathOf: 'mpatha', eligible: false });
    expect(disk(facts, 'sdb').reasonCodes).toEqual(['multipathMember']);
    const b = disk(facts, 'mpathb');
    expect(b.reasonCodes).toEqual(['mounted', 'partitions', 'filesystem']);
    expect(facts.disks.filter((d) => d.name === 'mpathb')).toHaveLength(1);
  });

  it('a local RAID-controller disk with the OS', () => {
    expect(disk(facts, 'sda').reasonCodes[0]).toBe('holdsOs');
  });

  it('OVS ports are enslaved; chrony says synchronized', () => {
    expect(nic(facts, 'ens3f1')).toMatchObject({ master: 'ovs-system' });
    expect(nic(facts, 'br-ex').kind).toBe('openvswitch');
    expect(facts.timeSync).toMatchObject({ synchronized: true, source: 'chrony' });
  });
});

describe('old tools, unprivileged, no udev', () => {
  const { facts, warnings } = load('ubuntu1804-old-tools-unprivileged.txt');

  it('reads lsblk values printed as strings and the singular mountpoint column', () => {
    const vda = disk(facts, 'vda');
    expect(vda.sizeBytes).toBe(42949672960);
    expect(vda.rotational).toBe(true);
    expect(vda.holdsRoot).toBe(true);
    expect(disk(facts, 'vdc').readOnly).toBe(true);
    expect(facts.disks.map((d) => d.name)).toEqual(['vda', 'vdb', 'vdc']);
  });

  it('judges no disk eligible when signatures cannot be read, and says why', () => {
    expect(facts.signaturesKnown).toBe(false);
    expect(disk(facts, 'vdb')).toMatchObject({
      eligible: false,
      reasonCodes: ['signaturesUnknown'],
    });
    expect(warnings).toContain(
      'disk signatures could not be read (no udev database and the probe is not root): no disk is judged eligible',
    );
  });

  it('falls back to sysfs for NICs and says addresses are unknown', () => {
    expect(facts.nicAddressesKnown).toBe(false);
    expect(facts.nics.map((n) => n.name)).toEqual(['ens3', 'ens4', 'lo']);
    expect(nic(facts, 'ens3')).toMatchObject({ kind: 'physical', state: 'up', defaultRoute: true });
    expect(warnings).toContain('ip -j is not available: interface addresses and kinds are unknown');
  });

  it('missing sections become null, never guesses', () => {
    expect(facts.fqdn).toBeNull();
    expect(facts.timeSync).toEqual({
      synchronized: null,
      ntpEnabled: null,
      source: null,
      timezone: null,
    });
    expect(facts.cpu.virtualization).toBe('none');
    expect(facts.cpu.kvmDevice).toBe(false);
  });
});

describe('this development VM, recorded as is', () => {
  const { facts, warnings } = load('debian12-vm-virtio.txt');
  it('parses without warnings', () => {
    expect(warnings).toEqual([]);
    expect(facts.disks.map((d) => d.name)).toEqual(['vda']);
    expect(disk(facts, 'vda').reasonCodes).toEqual(['holdsOs']);
    expect(nic(facts, 'eth0').defaultRoute).toBe(true);
    expect(nic(facts, 'ifb0').kind).toBe('virtual');
  });
});

describe('damaged output', () => {
  it('a truncated output keeps what came and says it is truncated', () => {
    const { facts, warnings } = parseProbeOutput(text('truncated-during-lsblk.txt'));
    expect(facts.cpu.threads).toBe(64);
    expect(facts.disks).toEqual([]);
    expect(warnings[0]).toMatch(/truncated/);
    expect(warnings.some((w) => w.startsWith('lsblk: output is not valid JSON'))).toBe(true);
  });

  it('no sections at all', () => {
    const { facts, warnings } = parseProbeOutput('sh: 1: Syntax error\n');
    expect(facts.probeVersion).toBeNull();
    expect(warnings[0]).toMatch(/printed nothing/);
  });

  it('text printed before the first section (a chatty .bashrc) is ignored', () => {
    const t = 'Welcome!\n' + text('debian12-vm-virtio.txt');
    expect(parseProbeOutput(t).warnings).toEqual([]);
  });

  it('CRLF line ends', () => {
    const t = text('ubuntu2404-nvme-os-partitioned.txt').replace(/\n/g, '\r\n');
    expect(parseProbeOutput(t).facts.hostname).toBe('compute01');
  });

  it('never throws, whatever it is given (cut anywhere, or random text)', () => {
    const all = readdirSync(DIR).map((f) => text(f));
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (i, cut) => {
        const t = all[i % all.length]!;
        parseProbeOutput(t.slice(0, cut % (t.length + 1)));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        parseProbeOutput(
          `==> gsi:lsblk <==\n${s}\n==> gsi:ip-addr <==\n${s}\n==> gsi:lscpu <==\n${s}`,
        );
      }),
    );
  });
});

describe('helpers', () => {
  it('splitSections', () => {
    const w: string[] = [];
    const s = splitSections('x\n==> gsi:a <==\n1\n==> gsi:a <==\n2\n==> gsi:end <==\n', w);
    expect(s.sections.get('a')).toBe('2');
    expect(s.complete).toBe(true);
    expect(w).toEqual(['probe section "a" appears twice; the last one is used']);
  });
  it('kernel versions', () => {
    expect(parseKernel('6.8.0-45-generic').version).toEqual([6, 8, 0]);
    expect(parseKernel('5.14.0-427.el9.x86_64').version).toEqual([5, 14, 0]);
    expect(parseKernel('6.9').version).toEqual([6, 9, 0]);
    expect(parseKernel('weird').version).toBeNull();
    expect(parseKernel('').release).toBeNull();
  });
  it('os-release quoting', () => {
    expect(
      parseOsRelease(
        `ID="rhel"\nPRETTY_NAME='Red Hat "X"'\nVERSION_ID=9.4\nID_LIKE="fedora centos"`,
      ),
    ).toEqual({
      id: 'rhel',
      prettyName: 'Red Hat "X"',
      versionId: '9.4',
      idLike: ['fedora', 'centos'],
    });
  });
  it('CPU lists', () => {
    expect(countCpuList('0-15,32-47')).toBe(32);
    expect(countCpuList('0')).toBe(1);
    expect(countCpuList('x')).toBeNull();
  });
  it('IPv6 from /proc hex', () => {
    expect(hexToIpv6('fe800000000000000000000000000001')).toBe('fe80::1');
    expect(hexToIpv6('20010db8000000010000000000000000')).toBe('2001:db8:0:1::');
    expect(hexToIpv6('00000000000000000000000000000000')).toBe('::');
    expect(hexToIpv6('20010db8000100020003000400050006')).toBe('2001:db8:1:2:3:4:5:6');
  });
  it('by-id preference: wwn over model_serial, never a partition link', () => {
    expect(preferredById(['ata-X_1', 'wwn-0x5', 'wwn-0x5-part1'])).toBe('/dev/disk/by-id/wwn-0x5');
    expect(preferredById(['nvme-Model_SER', 'nvme-eui.0011'])).toBe(
      '/dev/disk/by-id/nvme-eui.0011',
    );
    expect(preferredById(['ata-X-part1'])).toBeNull();
    expect(parseById('wwn-0x5 ../../sda\nbad line here\n').get('sda')).toEqual(['wwn-0x5']);
    const ls = parseById(
      'total 0\nlrwxrwxrwx 1 root root  9 Oct  1 12:00 ata-A\\x20B_1 -> ../../sdb\nlrwxrwxrwx 1 root root 10 Oct  1 12:00 ata-A\\x20B_1-part1 -> ../../sdb1\n',
    );
    expect([...ls.keys()]).toEqual(['sdb', 'sdb1']);
    expect(ls.get('sdb')).toEqual(['ata-A\\x20B_1']);
  });
});
