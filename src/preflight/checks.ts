// The preflight checks: small pure functions from gathered facts to pass | warning | fail, each
// with a one-line message and a one-line fix. No I/O here: run.ts gathers, these judge.
import { formatBytes } from '../discovery/eligibility';
import { isLinkLocal } from '../discovery/providerInterfaces';
import {
  worst,
  type CheckStatus,
  type RequirementCheck,
  type RoleVerdict,
} from '../discovery/requirements';
import type { HostFailed, KernelFacts, NicFacts, TimeSyncFacts } from '../discovery/types';
import { containsAddress, parseAddress, parseCidr } from '../net/ipv4';
import type { OsdDisk } from '../profile/schema';
import type { BlockNode, CheckId, DiskProbe, PeerResult, PreflightCheck, SudoFacts } from './types';

const GiB = 1024 ** 3;

function pass(id: CheckId, message: string, extra: Partial<PreflightCheck> = {}): PreflightCheck {
  return { id, status: 'pass', message, fix: '', ...extra };
}

function notPass(
  id: CheckId,
  status: 'warning' | 'fail',
  message: string,
  fix: string,
  extra: Partial<PreflightCheck> = {},
): PreflightCheck {
  return { id, status, message, fix, ...extra };
}

// ---- ssh ---------------------------------------------------------------------------------

/** The connection itself: discovery's classification of an ssh failure, or a pass. */
export function checkSsh(
  outcome: { ok: true; user: string | null } | { ok: false; failure: HostFailed },
): PreflightCheck {
  if (outcome.ok) {
    return pass('ssh', `connected${outcome.user ? ` as ${outcome.user}` : ''}`);
  }
  const f = outcome.failure;
  const keys = (f.hostKeys ?? []).map((k) => `${k.type} ${k.fingerprint}`);
  return notPass('ssh', 'fail', `${f.status}: ${f.error}`, f.fix, {
    details: { status: f.status, stderr: f.stderr, ...(keys.length ? { hostKeys: keys } : {}) },
  });
}

// ---- sudo --------------------------------------------------------------------------------

/** Kubespray and host setup run with become: the user must be root or have passwordless sudo. */
export function checkSudo(sudo: SudoFacts, become: boolean, user: string): PreflightCheck {
  const nopasswd = `give ${user} passwordless sudo on the host (a sudoers line "${user} ALL=(ALL) NOPASSWD: ALL"), or connect as root`;
  switch (sudo.mode) {
    case 'root':
      return pass('sudo', 'connected as root: no sudo needed');
    case 'sudo':
      return pass('sudo', `sudo -n works for ${user}`);
    case 'off':
      return notPass(
        'sudo',
        become ? 'warning' : 'fail',
        `ssh.become is off and ${user} is not root: host setup and Kubespray need root`,
        'set ssh.become: true in the profile (with passwordless sudo), or connect as root',
      );
    case 'missing':
      return notPass(
        'sudo',
        'fail',
        `${user} is not root and sudo is not installed`,
        `install sudo (apt-get install sudo) and ${nopasswd}`,
      );
    case 'denied':
      return notPass(
        'sudo',
        'fail',
        `sudo -n true failed for ${user}${sudo.message ? `: ${sudo.message}` : ''}`,
        nopasswd,
      );
    case null:
      return notPass(
        'sudo',
        'warning',
        'whether sudo works is unknown (the preflight script gave no answer)',
        `check by hand: ssh to the host and run sudo -n true as ${user}`,
      );
  }
}

// ---- kernel ------------------------------------------------------------------------------

/** `6.8.0` >= `6.8`: the first differing part decides, missing parts count as 0. */
function versionAtLeast(v: readonly number[], min: string): boolean {
  const diff = min
    .split('.')
    .map((part, i) => (v[i] ?? 0) - Number(part))
    .find((d) => d !== 0);
  return diff === undefined || diff > 0;
}

/** host_setup stops when ansible_kernel < host_required_kernel, 6.8.0 (reference §1.5). */
export function checkKernel(kernel: KernelFacts, min: string): PreflightCheck {
  const fix = `install a ${min} or newer kernel (Ubuntu 24.04, or the HWE kernel on 22.04) and reboot`;
  if (kernel.version === null) {
    return notPass('kernel', 'warning', `kernel version unknown (${min} or newer needed)`, fix);
  }
  if (!versionAtLeast(kernel.version, min)) {
    return notPass(
      'kernel',
      'fail',
      `kernel ${kernel.release} is older than ${min}: Genestack's host setup stops on it`,
      fix,
    );
  }
  return pass('kernel', `kernel ${kernel.release} (${min} or newer needed)`);
}

// ---- hardware ----------------------------------------------------------------------------

/** Requirement ids that preflight judges with checks of its own. */
const OWN_CHECKS = new Set<RequirementCheck['id']>(['kernel', 'tmpExec', 'timeSync']);

/** The role hardware requirements (assets/requirements.yaml) as one check. */
export function checkHardware(verdicts: readonly RoleVerdict[]): PreflightCheck {
  const items = verdicts.flatMap((v) =>
    v.checks.filter((c) => !OWN_CHECKS.has(c.id)).map((c) => ({ role: v.role, ...c })),
  );
  const status = worst(items.map((i) => i.status));
  const roles = verdicts.map((v) => v.role).join(', ');
  const level = verdicts[0]?.level ?? 'lab';
  if (status === 'pass') {
    return pass('hardware', `meets the ${level} requirements of ${roles}`, { details: items });
  }
  const bad = items.filter((i) => i.status !== 'pass');
  const shown = bad.filter((i) => i.status === status);
  return notPass(
    'hardware',
    status,
    shown.map((i) => `${i.message}`).join('; '),
    [...new Set(shown.map((i) => i.fix))].join('; '),
    { details: items },
  );
}

// ---- interfaces --------------------------------------------------------------------------

function listNames(nics: readonly NicFacts[]): string {
  const names = nics.filter((n) => n.kind !== 'loopback').map((n) => n.name);
  return names.length ? names.join(', ') : 'none besides lo';
}

function carries(nic: NicFacts, address: string): boolean {
  const a = parseAddress(address);
  if (!a.ok) return nic.addresses.some((c) => c.split('/')[0] === address);
  return nic.addresses.some((c) => {
    const r = parseCidr(c);
    return r.ok && containsAddress(r.value, a.value);
  });
}

/** The management interface (Kube-OVN's IFACE) exists and is on the host's address's network. */
export function checkManagementInterface(
  nics: readonly NicFacts[],
  name: string,
  address: string,
  addressesKnown: boolean,
): PreflightCheck {
  const nic = nics.find((n) => n.name === name);
  if (nic === undefined) {
    return notPass(
      'management-interface',
      'fail',
      `no interface ${name} (the host has: ${listNames(nics)})`,
      `set network.managementInterface to the interface carrying ${address}, or rename the interface (all hosts must use one name)`,
    );
  }
  if (!addressesKnown) {
    return notPass(
      'management-interface',
      'warning',
      `${name} exists; its addresses are unknown (no \`ip -j\` on the host)`,
      'install iproute2 with JSON output (ip -j) so preflight can check the address',
    );
  }
  if (!carries(nic, address)) {
    const holder = nics.find((n) => n.name !== name && carries(n, address));
    return notPass(
      'management-interface',
      'warning',
      `${name} exists but ${address} is not on its networks (${nic.addresses.join(', ') || 'no address'})${holder ? `; ${holder.name} carries it` : ''}`,
      holder
        ? `set network.managementInterface to ${holder.name} if that is the management network`
        : `check hosts[].address (${address}) and network.managementInterface`,
    );
  }
  return pass('management-interface', `${name} carries ${address}`);
}

/**
 * The provider interface exists and carries no address: Genestack's ovn-setup enslaves it to
 * br-ex and does not move an address (reference §4.3, rackerlabs/genestack#1538).
 */
export function checkProviderInterface(
  nics: readonly NicFacts[],
  name: string,
  addressesKnown: boolean,
): PreflightCheck {
  const nic = nics.find((n) => n.name === name);
  if (nic === undefined) {
    return notPass(
      'provider-interface',
      'fail',
      `no interface ${name} (the host has: ${listNames(nics)})`,
      `set network.providerInterface to an interface every host has with no address, or create ${name} (a netplan entry without addresses)`,
    );
  }
  const addrs = nic.addresses.filter((a) => !isLinkLocal(a));
  if (addressesKnown && addrs.length > 0) {
    return notPass(
      'provider-interface',
      'fail',
      `${name} carries ${addrs.join(', ')}: OVN would take the port and the address would stop working`,
      `remove the address from ${name} (netplan: no addresses, no dhcp), or choose an address-less interface`,
    );
  }
  if (nic.master !== null) {
    return notPass(
      'provider-interface',
      'fail',
      `${name} is a port of ${nic.master}: OVN cannot take it`,
      `use ${nic.master} (or a VLAN on it) as the provider interface, or release ${name}`,
    );
  }
  const problems: string[] = [];
  if (!addressesKnown) problems.push('its addresses are unknown (no `ip -j` on the host)');
  if (nic.state !== 'up' && nic.state !== 'unknown') problems.push(`it is ${nic.state}`);
  if (problems.length > 0) {
    return notPass(
      'provider-interface',
      'warning',
      `${name} exists with no address, but ${problems.join(' and ')}`,
      `bring ${name} up with no address (netplan: an entry with no addresses); OVN needs the link up`,
    );
  }
  return pass('provider-interface', `${name} is up and carries no address`);
}

// ---- reachability ------------------------------------------------------------------------

export interface Peer {
  name: string;
  address: string;
  port: number;
  /** The bastion could not reach this peer either: its own ssh check already fails. */
  downForBastion: boolean;
}

/** Every other host's management address answers on the SSH port. */
export function checkReachability(
  peers: readonly Peer[],
  results: readonly PeerResult[],
): PreflightCheck {
  if (peers.length === 0) return pass('reachability', 'no other hosts in the profile');
  const resultOf = (p: Peer) =>
    results.find((r) => r.address === p.address && r.port === p.port) ?? null;
  const rows = peers.map((p) => ({ ...p, result: resultOf(p)?.result ?? 'untested' }));
  const details = rows.map((r) => ({
    host: r.name,
    address: r.address,
    port: r.port,
    result: r.result,
  }));
  const untested = rows.filter((r) => r.result === 'untested');
  if (untested.length === rows.length) {
    return notPass(
      'reachability',
      'warning',
      'cannot test: the host has none of bash with timeout, nc or python3',
      'install netcat-openbsd (or bash and coreutils), or check by hand that every host reaches the others',
      { details },
    );
  }
  const bad = rows.filter((r) => r.result === 'closed' || r.result === 'timeout');
  const blamed = bad.filter((r) => !r.downForBastion);
  const fmt = (r: (typeof rows)[number]) =>
    `${r.name} (${r.address}:${r.port} ${r.result === 'timeout' ? 'timed out' : 'refused or unreachable'})`;
  if (blamed.length > 0) {
    return notPass(
      'reachability',
      'fail',
      `cannot reach ${blamed.map(fmt).join(', ')}`,
      'check routing and firewalls between the hosts on the management network (every host must reach every other one)',
      { details },
    );
  }
  if (bad.length > 0 || untested.length > 0) {
    const parts = [
      ...bad.map((r) => `${fmt(r)}, which the bastion cannot reach either`),
      ...untested.map((r) => `${r.name} untested`),
    ];
    return notPass(
      'reachability',
      'warning',
      `reaches ${rows.length - bad.length - untested.length}/${rows.length} hosts; ${parts.join('; ')}`,
      'fix the hosts that failed their own ssh check, then run preflight again',
      { details },
    );
  }
  return pass('reachability', `reaches all ${rows.length} other host(s) on port ${rows[0]!.port}`, {
    details,
  });
}

// ---- time, DNS, /tmp, disk space ---------------------------------------------------------

/** Synchronised clocks: etcd, Ceph and TLS need them. */
export function checkTimeSync(t: TimeSyncFacts, severity: 'warning' | 'fail'): PreflightCheck {
  if (t.synchronized === true) {
    return pass('time-sync', `clock synchronised (${t.source})`);
  }
  if (t.synchronized === false) {
    return notPass(
      'time-sync',
      severity,
      `clock not synchronised (${t.source}${t.ntpEnabled === false ? ', NTP off' : ''})`,
      'enable chrony or systemd-timesyncd (timedatectl set-ntp true) and wait until it syncs',
    );
  }
  return notPass(
    'time-sync',
    'warning',
    'clock synchronisation unknown: neither timedatectl (systemd) nor chronyc answered',
    'install chrony (apt-get install chrony), or check the clock by hand: etcd, Ceph and TLS need synchronised clocks',
  );
}

const LOOPBACK = /^(127\.|::1$)/;

/** Every profile host name resolves on this host, to the profile's address. */
export function checkDns(
  self: string,
  hosts: readonly { name: string; address: string }[],
  lookups: ReadonlyMap<string, string[]>,
  severity: { unresolved: 'warning' | 'fail'; otherAddress: 'warning' | 'fail' },
): PreflightCheck {
  const unresolved: string[] = [];
  const elsewhere: string[] = [];
  for (const h of hosts) {
    const addrs = lookups.get(h.name);
    if (addrs === undefined || addrs.length === 0) {
      unresolved.push(h.name);
      continue;
    }
    if (addrs.includes(h.address)) continue;
    // Genestack's hostname phase writes "127.0.0.1 <name>" for the host's own name (P3).
    if (h.name === self && addrs.some((a) => LOOPBACK.test(a))) continue;
    elsewhere.push(`${h.name} -> ${addrs.join(', ')} (profile: ${h.address})`);
  }
  const details = hosts.map((h) => ({ name: h.name, addresses: lookups.get(h.name) ?? [] }));
  if (unresolved.length > 0) {
    return notPass(
      'dns',
      severity.unresolved,
      `${unresolved.join(', ')} ${unresolved.length === 1 ? 'does' : 'do'} not resolve${elsewhere.length ? `; ${elsewhere.join('; ')}` : ''}`,
      'add the names to DNS or /etc/hosts (Kubespray also writes every inventory host into /etc/hosts during the deploy)',
      { details },
    );
  }
  if (elsewhere.length > 0) {
    return notPass(
      'dns',
      severity.otherAddress,
      `resolves to other addresses than the profile's: ${elsewhere.join('; ')}`,
      'correct the DNS record or /etc/hosts line, or hosts[].address in the profile',
      { details },
    );
  }
  return pass('dns', `all ${hosts.length} host name(s) resolve to their profile addresses`, {
    details,
  });
}

/** Kubespray and Genestack run scripts from /tmp (reference §1.5). */
export function checkTmpExec(
  tmp: { target: string; options: string[] } | null,
  probeNoexec: boolean | null,
): PreflightCheck {
  const noexec = tmp !== null ? tmp.options.includes('noexec') : probeNoexec;
  const where =
    tmp !== null ? ` (${tmp.target === '/tmp' ? '/tmp' : `/tmp on ${tmp.target}`})` : '';
  if (noexec === null) {
    return notPass(
      'tmp-exec',
      'warning',
      '/tmp mount options unknown (no findmnt and no /proc/mounts answer)',
      'check by hand: findmnt -T /tmp must not show noexec',
    );
  }
  if (noexec) {
    return notPass(
      'tmp-exec',
      'fail',
      `/tmp is mounted noexec${where}`,
      'remount /tmp without noexec (and drop noexec from its /etc/fstab entry): Kubespray and Genestack run scripts from it',
    );
  }
  return pass('tmp-exec', `/tmp allows executables${where}`);
}

/** Free space where containerd will keep its images. */
export function checkContainerDisk(
  runtime: { path: string; freeBytes: number | null } | null,
  configuredPath: string,
  need: { minFreeGiB: number; recommendedFreeGiB: number },
): PreflightCheck {
  const fix = `free or add space on the filesystem of ${configuredPath} (container images and snapshots live there)`;
  const needText = `${need.minFreeGiB} GiB needed, ${need.recommendedFreeGiB} GiB recommended`;
  if (runtime === null || runtime.freeBytes === null) {
    return notPass(
      'container-disk',
      'warning',
      `free space under ${configuredPath} unknown (${needText})`,
      fix,
    );
  }
  const where =
    runtime.path === configuredPath
      ? configuredPath
      : `${runtime.path} (${configuredPath} does not exist yet)`;
  const message = `${formatBytes(runtime.freeBytes)} free on ${where}; ${needText}`;
  if (runtime.freeBytes < need.minFreeGiB * GiB) {
    return notPass('container-disk', 'fail', message, fix);
  }
  if (runtime.freeBytes < need.recommendedFreeGiB * GiB) {
    return notPass('container-disk', 'warning', message, fix);
  }
  return pass('container-disk', message);
}

// ---- OSD disks ---------------------------------------------------------------------------

function flatten(n: BlockNode): BlockNode[] {
  return [n, ...n.children.flatMap(flatten)];
}

/** Signs of data on a disk: wipefs's signatures, lsblk's filesystems, partitions, holders. */
export function dataSigns(probe: DiskProbe): string[] {
  const signs = probe.signatures.map((s) => `${s} signature`);
  const dev = probe.device;
  if (dev !== null) {
    if (dev.fstype && !probe.signatures.includes(dev.fstype)) signs.push(`${dev.fstype} signature`);
    if (dev.pttype && !probe.signatures.includes(dev.pttype)) {
      signs.push(`${dev.pttype} partition table`);
    }
    for (const c of dev.children.flatMap(flatten)) {
      signs.push(
        c.type === 'part'
          ? `partition ${c.name}${c.fstype ? ` (${c.fstype})` : ''}`
          : `${c.type} ${c.name} built on it`,
      );
    }
  }
  return [...new Set(signs)];
}

const disk = (path: string) => path.replace(/^\/dev\/disk\/by-id\//, '');

/**
 * An OSD disk of the profile is still the disk that was chosen (stable path, size and serial as
 * recorded) and holds no data, unless its wipe was acknowledged (`wipe: true`). A mounted disk
 * fails even then: wiping it would destroy a running system's files.
 */
export function checkOsdDisk(
  entry: OsdDisk,
  probe: DiskProbe | 'unsafe' | 'no-answer',
): PreflightCheck {
  const path = typeof entry === 'string' ? entry : entry.path;
  const recorded: { sizeBytes?: number; serial?: string } = typeof entry === 'string' ? {} : entry;
  const wipe = typeof entry !== 'string' && entry.wipe === true;
  const subject = path;
  const rechoose =
    'run discovery again and choose the disk anew (the wizard records its size and serial), or correct hosts[].osdDisks';
  if (probe === 'unsafe' || probe === 'no-answer') {
    return notPass(
      'osd-disk',
      'fail',
      probe === 'unsafe'
        ? `${path}: cannot be checked (its path has characters preflight does not send to a host)`
        : `${path}: the host gave no answer about it (the preflight output is incomplete)`,
      probe === 'unsafe' ? rechoose : 'run preflight again; if it persists, check the host by hand',
      { subject },
    );
  }
  if (!probe.exists) {
    return notPass(
      'osd-disk',
      'fail',
      `${path} does not exist on this host: the disk was removed, replaced or renamed`,
      rechoose,
      { subject },
    );
  }
  const dev = probe.device;
  const details = {
    real: probe.real,
    sizeBytes: dev?.sizeBytes ?? null,
    serial: dev?.serial ?? null,
    signatures: probe.signatures,
  };
  const extra = { subject, details };
  if (dev === null) {
    return notPass(
      'osd-disk',
      'fail',
      `${disk(path)} -> ${probe.real ?? '?'}: lsblk cannot describe it`,
      `check the device by hand (lsblk ${probe.real ?? path})`,
      extra,
    );
  }
  const name = `${disk(path)} (${dev.path ?? probe.real})`;
  if (dev.type === 'part') {
    return notPass('osd-disk', 'fail', `${name} is a partition, not a whole disk`, rechoose, extra);
  }
  const mismatch: string[] = [];
  if (recorded.sizeBytes !== undefined && dev.sizeBytes !== recorded.sizeBytes) {
    mismatch.push(
      `size ${dev.sizeBytes === null ? 'unknown' : `${dev.sizeBytes} bytes`}, recorded ${recorded.sizeBytes}`,
    );
  }
  if (recorded.serial !== undefined && (dev.serial ?? '') !== recorded.serial) {
    mismatch.push(`serial ${dev.serial ?? 'none'}, recorded ${recorded.serial}`);
  }
  if (mismatch.length > 0) {
    return notPass(
      'osd-disk',
      'fail',
      `${name} is not the disk that was chosen: ${mismatch.join('; ')}`,
      rechoose,
      extra,
    );
  }
  const mounted = flatten(dev).filter((n) => n.mountpoint !== null);
  if (mounted.length > 0) {
    return notPass(
      'osd-disk',
      'fail',
      `${name} is in use: ${mounted.map((n) => `${n.name} mounted at ${n.mountpoint}`).join(', ')}`,
      'choose another disk; a mounted disk is never wiped, even with wipe: true',
      extra,
    );
  }
  const unrecorded = recorded.sizeBytes === undefined || recorded.serial === undefined;
  const signs = dataSigns(probe);
  const known = probe.signaturesRead || (probe.udev && signs.length > 0);
  if (signs.length > 0) {
    if (wipe) {
      return notPass(
        'osd-disk',
        'warning',
        `${name} holds data (${signs.join(', ')}); wipe: true acknowledges it will be wiped`,
        'remove wipe: true from this disk if its data is still needed',
        extra,
      );
    }
    return notPass(
      'osd-disk',
      'fail',
      `${name} holds data (${signs.join(', ')})`,
      'if its data is not needed, set wipe: true on this disk in the profile (it will be wiped); otherwise choose another disk',
      extra,
    );
  }
  if (!known) {
    const why = probe.signaturesError ?? 'no udev database and no root access';
    return notPass(
      'osd-disk',
      wipe ? 'warning' : 'fail',
      `${name}: could not check it for data (${why})`,
      wipe
        ? 'wipe: true is set, so it will be wiped whatever it holds; remove it if unsure'
        : 'give the SSH user passwordless sudo (ssh.become) so preflight can read the disk, or set wipe: true if its data is not needed',
      extra,
    );
  }
  if (unrecorded) {
    return notPass(
      'osd-disk',
      'warning',
      `${name} is blank, but no size and serial were recorded to prove it is the disk that was chosen`,
      'choose the disk again in the wizard (it records sizeBytes and serial), or add them to the profile',
      extra,
    );
  }
  return pass(
    'osd-disk',
    `${name}: same disk (${formatBytes(dev.sizeBytes)}, serial ${dev.serial ?? 'none'}), no data`,
    extra,
  );
}

export { worst };
export type { CheckStatus };
