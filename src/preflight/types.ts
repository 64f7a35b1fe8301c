// The preflight report: per host, per check, pass | warning | fail with a message and a fix.
// `preflight --json` prints a PreflightReport and the deploy's preflight phase writes it to
// preflight.json in the run folder; other tools read both, so fields are added, never renamed.
import type { CheckStatus } from '../discovery/requirements';

export type { CheckStatus };

export const CHECK_IDS = [
  'ssh',
  'sudo',
  'kernel',
  'hardware',
  'management-interface',
  'provider-interface',
  'reachability',
  'time-sync',
  'dns',
  'tmp-exec',
  'container-disk',
  'osd-disk',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface PreflightCheck {
  id: CheckId;
  /** What the check is about when a host has several of one kind (an OSD disk's path). */
  subject?: string;
  status: CheckStatus;
  /** What was found, one line. */
  message: string;
  /** What to do about it, one line; empty when the check passed. */
  fix: string;
  /** Structured detail for --json (role requirement checks, peers, addresses). */
  details?: unknown;
}

export interface HostReport {
  host: string;
  address: string;
  status: CheckStatus;
  durationMs: number;
  checks: PreflightCheck[];
}

export interface PreflightSummary {
  hosts: number;
  pass: number;
  warning: number;
  fail: number;
}

export interface PreflightReport {
  /** Format of this document. */
  version: 1;
  profile: string;
  level: 'lab' | 'production';
  startedAt: string;
  durationMs: number;
  status: CheckStatus;
  /** Counts of checks over every host. */
  summary: PreflightSummary;
  hosts: HostReport[];
}

/** What the preflight script (assets/preflight.sh) learned, beyond the discovery probe. */
export interface SudoFacts {
  /** root: uid 0; sudo: `sudo -n true` worked; off: become is off; missing: no sudo; denied. */
  mode: 'root' | 'sudo' | 'off' | 'missing' | 'denied' | null;
  uid: number | null;
  message: string | null;
}

export interface PeerResult {
  address: string;
  port: number;
  result: 'open' | 'closed' | 'timeout' | 'untested';
  tool: string;
}

export interface DiskProbe {
  /** The path from the profile. */
  path: string;
  exists: boolean;
  /** Where the link leads (/dev/sdb, /dev/nvme0n1). */
  real: string | null;
  /** The device as lsblk sees it, with its children (partitions, LVM, ...). */
  device: BlockNode | null;
  /** Signatures wipefs found on the device itself (`ext4`, `gpt`, `LVM2_member` ...). */
  signatures: string[];
  /** wipefs could read the device: signatures are known. */
  signaturesRead: boolean;
  /** Why they could not be read (wipefs's message), when they could not. */
  signaturesError: string | null;
  privileged: boolean;
  udev: boolean;
}

export interface BlockNode {
  name: string;
  path: string | null;
  type: string;
  sizeBytes: number | null;
  serial: string | null;
  fstype: string | null;
  pttype: string | null;
  mountpoint: string | null;
  children: BlockNode[];
}

export interface PreflightFacts {
  scriptVersion: number | null;
  /** The pf-end marker was seen. */
  complete: boolean;
  sudo: SudoFacts;
  /** findmnt -T /tmp: the mount holding /tmp and its options. */
  tmp: { target: string; options: string[] } | null;
  runtime: { path: string; freeBytes: number | null } | null;
  /** Name -> addresses it resolves to on the host (empty: does not resolve). */
  dns: Map<string, string[]>;
  peers: PeerResult[];
  disks: DiskProbe[];
}
