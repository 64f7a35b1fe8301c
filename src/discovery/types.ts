// The typed model of what discovery learns about a host, and of how each attempt ended.
// `HostResult[]` is also the `discover --json` output: other tools read it, so fields are
// added, never renamed. Unknown values are null, never guessed.

export interface OsRelease {
  /** `ID` from os-release, e.g. `ubuntu`, `debian`. */
  id: string | null;
  versionId: string | null;
  prettyName: string | null;
  idLike: string[];
}

export interface KernelFacts {
  /** `uname -r`, e.g. `6.8.0-45-generic`. */
  release: string | null;
  /** Major, minor, patch parsed from the release. */
  version: [number, number, number] | null;
}

export interface CpuFacts {
  model: string | null;
  vendor: string | null;
  sockets: number | null;
  /** Physical cores over all sockets. */
  cores: number | null;
  /** Logical CPUs the kernel runs on (what Kubernetes counts). */
  threads: number | null;
  /** Hardware virtualization offered to this host: Intel VT-x or AMD-V, or none. */
  virtualization: 'vmx' | 'svm' | 'none' | null;
  /** Whether /dev/kvm exists: KVM usable by libvirt. */
  kvmDevice: boolean | null;
  /** The hypervisor this host itself runs on, when it is a virtual machine (lscpu). */
  hypervisor: string | null;
}

export interface MemoryFacts {
  /** MemTotal: what the kernel manages, a little less than the installed memory. */
  totalBytes: number | null;
  availableBytes: number | null;
  swapTotalBytes: number | null;
}

export type DiskIneligibility =
  | 'holdsOs'
  | 'mounted'
  | 'partitions'
  | 'partitionTable'
  | 'filesystem'
  | 'lvm'
  | 'raid'
  | 'ceph'
  | 'crypt'
  | 'multipathMember'
  | 'holders'
  | 'tooSmall'
  | 'sizeUnknown'
  | 'removable'
  | 'readOnly'
  | 'signaturesUnknown';

export interface PartitionFacts {
  name: string;
  path: string;
  sizeBytes: number | null;
  fstype: string | null;
  label: string | null;
  mountpoints: string[];
  /** Devices built on this partition: LVM volumes, md arrays, dm-crypt. */
  holders: HolderFacts[];
}

export interface HolderFacts {
  name: string;
  /** lsblk TYPE: lvm, raid1, crypt, mpath, ... */
  type: string;
  fstype: string | null;
  mountpoints: string[];
}

export interface DiskFacts {
  /** Kernel name, e.g. `nvme0n1`, `sda`, or `mpatha` for a multipath device. */
  name: string;
  /** `/dev/nvme0n1`, `/dev/mapper/mpatha`. */
  path: string;
  /** `disk` or `mpath`. */
  type: string;
  sizeBytes: number | null;
  rotational: boolean | null;
  model: string | null;
  serial: string | null;
  wwn: string | null;
  /** nvme, sata, sas, usb, iscsi, ... */
  transport: string | null;
  /** The preferred stable path (wwn-, nvme-eui., then the others); never /dev/sdX. */
  byId: string | null;
  /** Every /dev/disk/by-id link to the whole disk. */
  byIdAll: string[];
  removable: boolean | null;
  readOnly: boolean | null;
  /** Signature on the whole disk (a filesystem, LVM2_member, linux_raid_member ...). */
  fstype: string | null;
  /** Partition table type (gpt, dos) when there is one. */
  partitionTable: string | null;
  partitions: PartitionFacts[];
  /** Devices built directly on the whole disk (LVM, md, dm-crypt, multipath). */
  holders: HolderFacts[];
  /** Every mount point on the disk, its partitions and what is built on them. */
  mountpoints: string[];
  /** Whether the root filesystem (or /boot) lives on this disk. */
  holdsRoot: boolean;
  /** For a multipath path (sdX), the multipath device it belongs to. */
  multipathOf: string | null;
  /** For a multipath device, its paths. */
  multipathPaths: string[];
  /** Judged by eligibility.ts: true only when nothing on the disk could be data. */
  eligible: boolean;
  reasonCodes: DiskIneligibility[];
  /** One sentence per reason, in the order of reasonCodes. */
  reasons: string[];
}

export type NicKind =
  'physical' | 'bond' | 'bridge' | 'vlan' | 'loopback' | 'openvswitch' | 'virtual' | 'unknown';

export interface NicFacts {
  name: string;
  mac: string | null;
  /** Operational state, lower case: up, down, unknown, dormant, lowerlayerdown ... */
  state: string;
  /** Administratively up (`ip link set up`). */
  adminUp: boolean | null;
  /** Link detected (LOWER_UP). */
  carrier: boolean | null;
  speedMbps: number | null;
  mtu: number | null;
  /** Every address, CIDR form (`192.0.2.5/24`, `fe80::1/64`). */
  addresses: string[];
  kind: NicKind;
  /** Raw `ip -d` kind (bond, bridge, vlan, veth, vxlan ...) when there is one. */
  linkKind: string | null;
  /** Bond or bridge this interface is enslaved to. */
  master: string | null;
  /** Ports of a bond or bridge. */
  members: string[];
  vlan: { id: number; parent: string | null } | null;
  bondMode: string | null;
  /** This interface carries the default route (IPv4 or IPv6). */
  defaultRoute: boolean;
}

export interface TimeSyncFacts {
  synchronized: boolean | null;
  ntpEnabled: boolean | null;
  source: 'timedatectl' | 'chrony' | null;
  timezone: string | null;
}

export interface HostFacts {
  /** Probe format version (assets/probe.sh). */
  probeVersion: number | null;
  hostname: string | null;
  fqdn: string | null;
  os: OsRelease | null;
  kernel: KernelFacts;
  arch: string | null;
  cpu: CpuFacts;
  memory: MemoryFacts;
  disks: DiskFacts[];
  nics: NicFacts[];
  /** False when `ip -j` was missing: addresses are then unknown, not absent. */
  nicAddressesKnown: boolean;
  defaultRoute: { interface: string; gateway: string | null; family: 'inet' | 'inet6' }[];
  timeSync: TimeSyncFacts;
  system: { vendor: string | null; product: string | null };
  filesystems: {
    /** Free bytes of the filesystem holding /var/lib (Longhorn, containerd, etcd). */
    varLibFreeBytes: number | null;
    rootFreeBytes: number | null;
    /** /tmp mounted noexec (Kubespray and Genestack need an executable /tmp). */
    tmpNoexec: boolean | null;
  };
  modules: { brNetfilter: boolean | null };
  /** The probe ran as root (lsblk can then read signatures even without udev). */
  privileged: boolean | null;
  /**
   * False when lsblk could not read filesystem/LVM/RAID signatures (no udev database and not
   * root): a blank-looking disk may then hold data, so none is judged eligible.
   */
  signaturesKnown: boolean;
}

export interface ParseResult {
  facts: HostFacts;
  /** Everything the parser could not read, one sentence each. Never silently dropped. */
  warnings: string[];
}

// ---- outcomes -----------------------------------------------------------------------------

export const FAILURE_KINDS = [
  'unreachable',
  'connectionRefused',
  'authFailed',
  'hostKeyUnknown',
  'hostKeyChanged',
  'probeFailed',
  'timeout',
  'sshFailed',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];
export type HostStatus = 'ok' | FailureKind;

/** What to connect to. `host` is kept exactly as the user wrote it, for display and --json. */
export interface HostTarget {
  host: string;
  /** Name or address handed to ssh (ansible_host for inventory entries). */
  address: string;
  port?: number;
  user?: string;
  /** Inventory groups, when the host came from an inventory. */
  groups?: string[];
}

export interface HostKeyInfo {
  /** e.g. `ED25519`, `ECDSA`, `RSA`. */
  type: string;
  /** `SHA256:...` */
  fingerprint: string;
  /** The known_hosts line that would be recorded if the user accepts it. */
  knownHostsLine: string;
}

interface ResultBase {
  host: string;
  target: HostTarget;
  durationMs: number;
}

export interface HostOk extends ResultBase {
  status: 'ok';
  facts: HostFacts;
  warnings: string[];
}

export interface HostFailed extends ResultBase {
  status: FailureKind;
  /** What went wrong, one line. */
  error: string;
  /** What to do about it, one line. */
  fix: string;
  /** ssh's or the probe's stderr, trimmed. */
  stderr: string;
  /** For hostKeyUnknown: the keys the host offers, with fingerprints to check. */
  hostKeys?: HostKeyInfo[];
}

export type HostResult = HostOk | HostFailed;

export type DiscoveryEvent =
  | { type: 'host-started'; host: string; index: number }
  | { type: 'host-done'; host: string; index: number; result: HostResult };
