// Which disks may become Ceph OSDs. Like the Assisted Installer's
// `installation_eligibility.not_eligible_reasons`, every reason is listed, not just the first:
// a user told only "too small" goes on to wipe a disk that also holds a filesystem.
// A disk with any sign of data is never eligible; wiping one is the operator's explicit
// choice (profile `osdDisks[].wipe`), never a default. Rook itself skips such disks silently
// (reference §5.3), which is one more reason to say so here, before deploying.
import type { DiskFacts, DiskIneligibility, HostFacts } from './types';

export interface EligibilityPolicy {
  /** Smallest disk worth an OSD. */
  minSizeBytes: number;
}

const GiB = 1024 ** 3;

export function formatBytes(n: number | null): string {
  if (n === null) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

// Mount points that mean "the running system lives here".
const OS_MOUNTS = ['/', '/boot', '/boot/efi', '/usr', '/var'];

const FS_LVM = 'LVM2_member';
const FS_RAID = new Set(['linux_raid_member', 'isw_raid_member', 'ddf_raid_member']);
const FS_CRYPT = new Set(['crypto_LUKS', 'BitLocker']);
const FS_CEPH = 'ceph_bluestore';

interface Reason {
  code: DiskIneligibility;
  message: string;
}

function list(xs: string[]): string {
  return xs.join(', ');
}

/** Every reason the disk cannot be an OSD; empty when it can. */
export function ineligibilityReasons(
  disk: DiskFacts,
  policy: EligibilityPolicy,
  signaturesKnown = true,
): Reason[] {
  const out: Reason[] = [];
  const add = (code: DiskIneligibility, message: string) => {
    if (!out.some((r) => r.code === code)) out.push({ code, message });
  };

  if (disk.multipathOf !== null) {
    add(
      'multipathMember',
      `is one path of multipath device ${disk.multipathOf}: use /dev/mapper/${disk.multipathOf} instead`,
    );
  }

  const osMounts = disk.mountpoints.filter((m) => OS_MOUNTS.includes(m));
  if (disk.holdsRoot || osMounts.length > 0) {
    add('holdsOs', `holds the operating system (${list(osMounts.length ? osMounts : ['/'])})`);
  }
  const otherMounts = disk.mountpoints.filter((m) => !OS_MOUNTS.includes(m));
  if (otherMounts.length > 0) add('mounted', `is in use, mounted at ${list(otherMounts)}`);

  if (disk.partitions.length > 0) {
    const n = disk.partitions.length;
    add(
      'partitions',
      `has ${n} partition${n === 1 ? '' : 's'} (${list(disk.partitions.map((p) => p.name))})`,
    );
  } else if (disk.partitionTable !== null) {
    add('partitionTable', `has a ${disk.partitionTable} partition table`);
  }

  // Signatures on the disk itself, on its partitions, and on what is built on them.
  const layers: { where: string; fstype: string | null }[] = [
    { where: '', fstype: disk.fstype },
    ...disk.partitions.map((p) => ({ where: ` on ${p.name}`, fstype: p.fstype })),
  ];
  for (const { where, fstype } of layers) {
    if (fstype === null) continue;
    if (fstype === FS_LVM) add('lvm', `is an LVM physical volume${where}`);
    else if (FS_RAID.has(fstype)) add('raid', `is a RAID member${where} (${fstype})`);
    else if (FS_CRYPT.has(fstype)) add('crypt', `holds an encrypted volume${where} (${fstype})`);
    else if (fstype === FS_CEPH)
      add('ceph', `holds a Ceph BlueStore OSD${where} (another cluster's data)`);
    else add('filesystem', `has a ${fstype} filesystem${where}`);
  }
  const holders = [...disk.holders, ...disk.partitions.flatMap((p) => p.holders)].filter(
    (h) => h.type !== 'mpath',
  );
  for (const h of holders) {
    // ceph-volume names its LVs ceph--<uuid>-osd--block--<uuid> (dm doubles the dashes).
    if (/^ceph--/.test(h.name) || h.fstype === FS_CEPH) {
      add('ceph', `holds a Ceph OSD volume (${h.name}: another cluster's data)`);
    } else if (h.type === 'lvm') add('lvm', `is used by LVM (${h.name})`);
    else if (h.type.startsWith('raid') || h.type === 'md')
      add('raid', `is a member of RAID ${h.name}`);
    else if (h.type === 'crypt') add('crypt', `holds an encrypted volume (${h.name})`);
    else add('holders', `is in use by ${h.name} (${h.type})`);
  }

  if (disk.sizeBytes === null) add('sizeUnknown', 'has an unknown size');
  else if (disk.sizeBytes < policy.minSizeBytes) {
    add(
      'tooSmall',
      `is ${formatBytes(disk.sizeBytes)}, smaller than the ${formatBytes(policy.minSizeBytes)} an OSD needs`,
    );
  }
  if (disk.removable === true) add('removable', 'is removable (USB stick, card reader)');
  if (disk.readOnly === true) add('readOnly', 'is read-only');
  if (!signaturesKnown) {
    add(
      'signaturesUnknown',
      'could not be checked for data (no udev database and the probe did not run as root)',
    );
  }
  return out;
}

export function judgeDisk(
  disk: DiskFacts,
  policy: EligibilityPolicy,
  signaturesKnown = true,
): DiskFacts {
  const reasons = ineligibilityReasons(disk, policy, signaturesKnown);
  return {
    ...disk,
    eligible: reasons.length === 0,
    reasonCodes: reasons.map((r) => r.code),
    reasons: reasons.map((r) => r.message),
  };
}

/** The facts with every disk judged. */
export function judgeDisks(facts: HostFacts, policy: EligibilityPolicy): HostFacts {
  return {
    ...facts,
    disks: facts.disks.map((d) => judgeDisk(d, policy, facts.signaturesKnown)),
  };
}

export const DEFAULT_OSD_POLICY: EligibilityPolicy = { minSizeBytes: 10 * GiB };
