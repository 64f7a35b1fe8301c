// Probe output (assets/probe.sh) -> HostFacts. Pure: no I/O, so every kind of hardware is a
// recorded text file in test/fixtures/probe/.
//
// Tolerant by design: any section may be missing, empty or from an older tool (lsblk before
// util-linux 2.33 prints every value as a string; lscpu 2.38+ nests its fields). What cannot
// be read becomes null and a warning; nothing is dropped silently.
import type {
  CpuFacts,
  DiskFacts,
  HolderFacts,
  HostFacts,
  KernelFacts,
  NicFacts,
  NicKind,
  OsRelease,
  ParseResult,
  PartitionFacts,
  TimeSyncFacts,
} from './types';

/** The probe format this parser reads (`version=` in the probe section). */
export const PROBE_VERSION = 1;

const MARKER = /^==> gsi:([A-Za-z0-9_-]+) <==$/;

export interface ProbeSections {
  sections: Map<string, string>;
  /** The end marker was seen: the output is not truncated. */
  complete: boolean;
}

export function splitSections(text: string, warnings: string[] = []): ProbeSections {
  const sections = new Map<string, string>();
  let current: string | null = null;
  let lines: string[] = [];
  let complete = false;
  const flush = () => {
    if (current === null) return;
    if (sections.has(current))
      warnings.push(`probe section "${current}" appears twice; the last one is used`);
    sections.set(current, lines.join('\n'));
  };
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const m = MARKER.exec(line);
    if (m) {
      flush();
      current = m[1] ?? null;
      lines = [];
      if (current === 'end') complete = true;
      continue;
    }
    if (current !== null) lines.push(line);
  }
  flush();
  sections.delete('end');
  return { sections, complete };
}

export function parseProbeOutput(text: string): ParseResult {
  const warnings: string[] = [];
  const { sections, complete } = splitSections(text, warnings);
  if (sections.size === 0) {
    warnings.push('the probe printed nothing this parser understands (no "==> gsi:" sections)');
  } else if (!complete) {
    warnings.push('the probe output is truncated (no end marker): facts may be missing');
  }
  const sec = (name: string): string | null => {
    const s = sections.get(name);
    return s === undefined || s.trim() === '' ? null : s;
  };

  const probe = keyValues(sec('probe') ?? '');
  const probeVersion = toInt(probe.get('version'));
  if (probeVersion !== null && probeVersion > PROBE_VERSION) {
    warnings.push(`probe format ${probeVersion} is newer than this parser (${PROBE_VERSION})`);
  }
  const uid = toInt(probe.get('uid'));
  const privileged = uid === null ? null : uid === 0;
  const udev = probe.get('udev') === undefined ? null : probe.get('udev') === 'yes';

  const [nodename, release, machine] = (sec('uname') ?? '').trim().split(/\s+/);
  const kernel = parseKernel(release ?? null);
  if (kernel.release === null) warnings.push('kernel version unknown (uname gave nothing)');

  const osText = sec('os-release');
  const os = osText === null ? null : parseOsRelease(osText);
  if (os === null) warnings.push('OS release unknown (no /etc/os-release)');

  const fqdnLine = firstLine(sec('fqdn'));
  const hostname = nodename ? nodename : null;

  const cpu = parseCpu(sec('lscpu'), sec('cpuinfo'), sec('cpu-topology'), warnings);
  const kvm = keyValues(sec('kvm') ?? '');
  cpu.facts.kvmDevice = kvm.has('present') ? kvm.get('present') === 'yes' : null;

  const memory = parseMeminfo(sec('meminfo'), warnings);

  const mounts = parseMounts(sec('mounts'));
  const byId = parseById(sec('by-id'));
  const signaturesKnown = !(udev === false && privileged === false);
  const disks = parseLsblk(sec('lsblk'), byId, mounts, warnings);
  if (!signaturesKnown && disks.length > 0) {
    warnings.push(
      'disk signatures could not be read (no udev database and the probe is not root): ' +
        'no disk is judged eligible',
    );
  }

  const defaultRoute = [...parseRoute4(sec('route4')), ...parseRoute6(sec('route6'))];
  const net = parseNics(sec('ip-addr'), sec('net-sys'), defaultRoute, warnings);

  const timeSync = parseTimeSync(sec('timedatectl'), sec('chrony'));
  const modules = keyValues(sec('modules') ?? '');
  const dmi = keyValues(sec('dmi') ?? '');
  const df = parseDf(sec('df'));
  const tmpMount = mountFor('/tmp', mounts);

  const facts: HostFacts = {
    probeVersion,
    hostname,
    fqdn: fqdnLine,
    os,
    kernel,
    arch: machine ? machine : (cpu.arch ?? null),
    cpu: cpu.facts,
    memory,
    disks,
    nics: net.nics,
    nicAddressesKnown: net.addressesKnown,
    defaultRoute,
    timeSync,
    system: { vendor: nonEmpty(dmi.get('sys_vendor')), product: nonEmpty(dmi.get('product_name')) },
    filesystems: {
      rootFreeBytes: freeFor('/', df),
      varLibFreeBytes: freeFor('/var/lib', df),
      tmpNoexec: tmpMount === null ? null : tmpMount.options.includes('noexec'),
    },
    modules: {
      brNetfilter: modules.has('br_netfilter') ? modules.get('br_netfilter') === 'yes' : null,
    },
    privileged,
    signaturesKnown,
  };
  return { facts, warnings };
}

// ---- small helpers ------------------------------------------------------------------------

function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

function firstLine(text: string | null): string | null {
  if (text === null) return null;
  const l = text.split('\n').find((x) => x.trim() !== '');
  return l === undefined ? null : l.trim();
}

function nonEmpty(s: string | undefined | null): string | null {
  if (s === undefined || s === null) return null;
  const t = s.trim();
  return t === '' ? null : t;
}

function toInt(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : null;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

function toBool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1' || v === 'true') return true;
  if (v === 0 || v === '0' || v === 'false') return false;
  return null;
}

function toStr(v: unknown): string | null {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return null;
  const t = v.trim();
  return t === '' ? null : t;
}

function tryJson(text: string | null, what: string, warnings: string[]): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    warnings.push(`${what}: output is not valid JSON (${(e as Error).message})`);
    return null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- OS and kernel ------------------------------------------------------------------------

export function parseKernel(release: string | null): KernelFacts {
  const r = nonEmpty(release);
  if (r === null) return { release: null, version: null };
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(r);
  return {
    release: r,
    version: m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null,
  };
}

/** os-release is shell-quoted KEY=VALUE (systemd os-release(5)). */
export function parseOsRelease(text: string): OsRelease {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    let v = m[2];
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
      v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    } else if (v.startsWith("'") && v.endsWith("'") && v.length >= 2) {
      v = v.slice(1, -1);
    }
    kv.set(m[1], v);
  }
  return {
    id: nonEmpty(kv.get('ID')),
    versionId: nonEmpty(kv.get('VERSION_ID')),
    prettyName: nonEmpty(kv.get('PRETTY_NAME')),
    idLike: (kv.get('ID_LIKE') ?? '').split(/\s+/).filter((x) => x !== ''),
  };
}

// ---- CPU and memory -----------------------------------------------------------------------

/** lscpu -J: flat in util-linux < 2.38, nested under `children` since. */
function flattenLscpu(node: unknown, out: Map<string, string>): void {
  if (Array.isArray(node)) {
    for (const n of node) flattenLscpu(n, out);
    return;
  }
  if (!isObject(node)) return;
  const field = typeof node.field === 'string' ? node.field.replace(/:$/, '').trim() : null;
  const data = toStr(node.data);
  if (field !== null && data !== null && !out.has(field)) out.set(field, data);
  if (node.children !== undefined) flattenLscpu(node.children, out);
  if (node.lscpu !== undefined) flattenLscpu(node.lscpu, out);
}

/** `0-3,8-11` -> 8 */
export function countCpuList(list: string): number | null {
  let n = 0;
  for (const part of list.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m) return null;
    n += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1;
  }
  return n > 0 ? n : null;
}

function parseCpu(
  lscpuText: string | null,
  cpuinfo: string | null,
  topology: string | null,
  warnings: string[],
): { facts: CpuFacts; arch: string | null } {
  const facts: CpuFacts = {
    model: null,
    vendor: null,
    sockets: null,
    cores: null,
    threads: null,
    virtualization: null,
    kvmDevice: null,
    hypervisor: null,
  };
  let arch: string | null = null;
  let flags: string[] | null = null;

  const lscpuJson = tryJson(lscpuText, 'lscpu', warnings);
  if (lscpuJson !== null) {
    const f = new Map<string, string>();
    flattenLscpu(lscpuJson, f);
    arch = f.get('Architecture') ?? null;
    facts.model = f.get('Model name') ?? null;
    facts.vendor = f.get('Vendor ID') ?? null;
    facts.hypervisor = f.get('Hypervisor vendor') ?? null;
    const online = f.get('On-line CPU(s) list');
    facts.threads = (online ? countCpuList(online) : null) ?? toInt(f.get('CPU(s)'));
    facts.sockets = toInt(f.get('Socket(s)')) ?? toInt(f.get('Cluster(s)'));
    const perSocket = toInt(f.get('Core(s) per socket')) ?? toInt(f.get('Core(s) per cluster'));
    if (facts.sockets !== null && perSocket !== null) facts.cores = facts.sockets * perSocket;
    const flagText = f.get('Flags');
    if (flagText !== undefined) flags = flagText.split(/\s+/);
    const virt = f.get('Virtualization');
    if (virt === 'VT-x') facts.virtualization = 'vmx';
    else if (virt === 'AMD-V') facts.virtualization = 'svm';
  }

  if (cpuinfo !== null) {
    const kv = colonValues(cpuinfo);
    facts.model ??= kv.get('model name') ?? kv.get('Model') ?? kv.get('cpu model') ?? null;
    facts.vendor ??= kv.get('vendor_id') ?? kv.get('CPU implementer') ?? null;
    const fl = kv.get('flags') ?? kv.get('Features');
    if (flags === null && fl !== undefined) flags = fl.split(/\s+/);
  }
  if (topology !== null && (facts.threads === null || facts.cores === null)) {
    let threads = 0;
    const sockets = new Set<string>();
    const cores = new Set<string>();
    let phys = '0';
    for (const line of topology.split('\n')) {
      const m = /^(processor|physical id|core id)\s*:\s*(\S+)/.exec(line);
      if (!m) continue;
      if (m[1] === 'processor') threads++;
      else if (m[1] === 'physical id') {
        phys = m[2] ?? '0';
        sockets.add(phys);
      } else cores.add(`${phys}:${m[2]}`);
    }
    if (threads > 0) facts.threads ??= threads;
    if (sockets.size > 0) facts.sockets ??= sockets.size;
    if (cores.size > 0) facts.cores ??= cores.size;
  }

  if (flags !== null && facts.virtualization === null) {
    facts.virtualization = flags.includes('vmx') ? 'vmx' : flags.includes('svm') ? 'svm' : 'none';
  }
  if (lscpuJson === null && cpuinfo === null)
    warnings.push('CPU unknown (neither lscpu nor /proc/cpuinfo)');
  else if (facts.threads === null) warnings.push('CPU thread count unknown');
  return { facts, arch };
}

function colonValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const k = line.slice(0, i).trim();
    if (!out.has(k)) out.set(k, line.slice(i + 1).trim());
  }
  return out;
}

function parseMeminfo(text: string | null, warnings: string[]) {
  const kv = colonValues(text ?? '');
  const kb = (k: string): number | null => {
    const m = /^(\d+)\s*kB$/i.exec(kv.get(k) ?? '');
    return m ? Number(m[1]) * 1024 : null;
  };
  const totalBytes = kb('MemTotal');
  if (totalBytes === null) warnings.push('memory size unknown (no MemTotal in /proc/meminfo)');
  return { totalBytes, availableBytes: kb('MemAvailable'), swapTotalBytes: kb('SwapTotal') };
}

// ---- mounts and df ------------------------------------------------------------------------

export interface MountEntry {
  device: string;
  mountpoint: string;
  fstype: string;
  options: string[];
}

/** /proc/mounts escapes space, tab, newline and backslash as octal (\040). */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMounts(text: string | null): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[0] === undefined || f[1] === undefined) continue;
    out.push({
      device: unescapeMount(f[0]),
      mountpoint: unescapeMount(f[1]),
      fstype: f[2] ?? '',
      options: (f[3] ?? '').split(','),
    });
  }
  return out;
}

function isUnder(path: string, mountpoint: string): boolean {
  return mountpoint === '/' || path === mountpoint || path.startsWith(mountpoint + '/');
}

/** The mount that holds `path` (the last, longest match wins, as the kernel's view does). */
function mountFor(path: string, mounts: MountEntry[]): MountEntry | null {
  let best: MountEntry | null = null;
  for (const m of mounts) {
    if (!isUnder(path, m.mountpoint)) continue;
    if (best === null || m.mountpoint.length >= best.mountpoint.length) best = m;
  }
  return best;
}

interface DfLine {
  mountpoint: string;
  availBytes: number;
}

function parseDf(text: string | null): DfLine[] {
  const out: DfLine[] = [];
  for (const line of (text ?? '').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const avail = toInt(f[3]);
    if (avail === null) continue;
    out.push({ mountpoint: f.slice(5).join(' '), availBytes: avail * 1024 });
  }
  return out;
}

function freeFor(path: string, df: DfLine[]): number | null {
  let best: DfLine | null = null;
  for (const d of df) {
    if (!isUnder(path, d.mountpoint)) continue;
    if (best === null || d.mountpoint.length > best.mountpoint.length) best = d;
  }
  return best?.availBytes ?? null;
}

// ---- disks --------------------------------------------------------------------------------

/**
 * The by-id section, `ls -l /dev/disk/by-id` lines
 * (`lrwxrwxrwx 1 root root 9 Oct  1 12:00 wwn-0x5000c500a1b2c3d4 -> ../../sda`), or the older
 * `NAME TARGET` form: kernel name -> link names. udev escapes spaces in link names (\x20).
 */
export function parseById(text: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of (text ?? '').split('\n')) {
    if (/^total \d+/.test(line)) continue;
    const m = /\s(\S+) -> (\S+)$/.exec(line.trim()) ?? /^(\S+)\s+(\S+)$/.exec(line.trim());
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    const target = m[2].split('/').pop() ?? '';
    if (target === '') continue;
    const list = out.get(target) ?? [];
    list.push(m[1]);
    out.set(target, list);
  }
  return out;
}

// Most stable first. wwn and EUI come from the device itself; model_serial names are stable
// too but can collide on cheap devices that report no serial.
const BY_ID_PREFERENCE = [
  'dm-uuid-mpath-',
  'wwn-',
  'nvme-eui.',
  'nvme-uuid.',
  'nvme-nvme.',
  'scsi-3',
  'nvme-',
  'ata-',
  'scsi-',
  'virtio-',
  'usb-',
  'dm-name-',
];

export function preferredById(links: string[]): string | null {
  const candidates = links.filter((l) => !/-part\d+$/.test(l));
  if (candidates.length === 0) return null;
  const rank = (l: string) => {
    const i = BY_ID_PREFERENCE.findIndex((p) => l.startsWith(p));
    return i === -1 ? BY_ID_PREFERENCE.length : i;
  };
  const sorted = [...candidates].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return `/dev/disk/by-id/${sorted[0]}`;
}

// Devices lsblk calls disks that are not local storage: RAM and compressed swap, loop files,
// network block devices (a Ceph client's rbd, nbd), and DRBD replicas.
const NOT_LOCAL_DISK = /^(zram|ram|loop|fd|nbd|rbd|drbd)\d/;

interface LsblkNode {
  name: string;
  kname: string;
  path: string | null;
  type: string;
  size: number | null;
  rota: boolean | null;
  rm: boolean | null;
  ro: boolean | null;
  model: string | null;
  serial: string | null;
  wwn: string | null;
  tran: string | null;
  fstype: string | null;
  pttype: string | null;
  label: string | null;
  mountpoints: string[];
  children: LsblkNode[];
}

function readLsblkNode(v: unknown): LsblkNode | null {
  if (!isObject(v)) return null;
  const name = toStr(v.name);
  if (name === null) return null;
  let mountpoints: string[] = [];
  if (Array.isArray(v.mountpoints)) {
    mountpoints = v.mountpoints.map(toStr).filter((x): x is string => x !== null);
  } else {
    const mp = toStr(v.mountpoint);
    if (mp !== null) mountpoints = [mp];
  }
  const children = Array.isArray(v.children)
    ? v.children.map(readLsblkNode).filter((x): x is LsblkNode => x !== null)
    : [];
  return {
    name,
    kname: toStr(v.kname) ?? name,
    path: toStr(v.path),
    type: toStr(v.type) ?? 'unknown',
    size: toInt(v.size),
    rota: toBool(v.rota),
    rm: toBool(v.rm),
    ro: toBool(v.ro),
    model: toStr(v.model),
    serial: toStr(v.serial),
    wwn: toStr(v.wwn),
    tran: toStr(v.tran),
    fstype: toStr(v.fstype),
    pttype: toStr(v.pttype),
    label: toStr(v.label),
    mountpoints,
    children,
  };
}

function descendants(n: LsblkNode): LsblkNode[] {
  return n.children.flatMap((c) => [c, ...descendants(c)]);
}

function holder(n: LsblkNode): HolderFacts {
  return { name: n.name, type: n.type, fstype: n.fstype, mountpoints: n.mountpoints };
}

function parseLsblk(
  text: string | null,
  byId: Map<string, string[]>,
  mounts: MountEntry[],
  warnings: string[],
): DiskFacts[] {
  const json = tryJson(text, 'lsblk', warnings);
  if (json === null) {
    if (text === null) warnings.push('disks unknown (lsblk gave nothing)');
    return [];
  }
  if (!isObject(json) || !Array.isArray(json.blockdevices)) {
    warnings.push('lsblk: no "blockdevices" array');
    return [];
  }
  const roots = json.blockdevices.map(readLsblkNode).filter((x): x is LsblkNode => x !== null);

  // The device the root filesystem is mounted from, as /proc/mounts names it: a cross-check
  // for lsblk builds that report no mount points.
  const rootDev = mounts.find((m) => m.mountpoint === '/')?.device.replace(/^\/dev\//, '') ?? null;

  const out: DiskFacts[] = [];
  const mpaths = new Map<string, { node: LsblkNode; paths: string[]; wwn: string | null }>();

  for (const r of roots) {
    if (r.type !== 'disk' || NOT_LOCAL_DISK.test(r.name)) continue;
    const mp = r.children.find((c) => c.type === 'mpath');
    if (mp !== undefined) {
      const entry = mpaths.get(mp.name) ?? { node: mp, paths: [], wwn: r.wwn };
      entry.paths.push(r.name);
      mpaths.set(mp.name, entry);
    }
    out.push(buildDisk(r, byId, rootDev, mp?.name ?? null));
  }
  for (const [name, { node, paths, wwn }] of mpaths) {
    const d = buildDisk(
      { ...node, path: node.path ?? `/dev/mapper/${name}`, wwn: node.wwn ?? wwn },
      byId,
      rootDev,
      null,
    );
    d.multipathPaths = paths;
    out.push(d);
  }
  return out;
}

function buildDisk(
  n: LsblkNode,
  byId: Map<string, string[]>,
  rootDev: string | null,
  multipathOf: string | null,
): DiskFacts {
  const partitions: PartitionFacts[] = [];
  const holders: HolderFacts[] = [];
  for (const c of n.children) {
    if (c.type === 'part') {
      partitions.push({
        name: c.name,
        path: c.path ?? `/dev/${c.name}`,
        sizeBytes: c.size,
        fstype: c.fstype,
        label: c.label,
        mountpoints: c.mountpoints,
        holders: descendants(c).map(holder),
      });
    } else if (c.type === 'mpath' && multipathOf !== null) {
      // A path of a multipath device: what is built on the device is the device's business.
      holders.push(holder(c));
    } else {
      holders.push(holder(c), ...descendants(c).map(holder));
    }
  }
  const all = [n, ...descendants(n)];
  const mountpoints = [...new Set(all.flatMap((x) => x.mountpoints))];
  const names = new Set(all.flatMap((x) => [x.name, x.kname]));
  const holdsRoot =
    mountpoints.includes('/') || (rootDev !== null && rootDev !== 'root' && names.has(rootDev));
  const links = byId.get(n.kname) ?? byId.get(n.name) ?? [];
  return {
    name: n.name,
    path: n.path ?? `/dev/${n.name}`,
    type: n.type,
    sizeBytes: n.size,
    rotational: n.rota,
    model: n.model,
    serial: n.serial,
    wwn: n.wwn,
    transport: n.tran,
    byId: preferredById(links),
    byIdAll: links.filter((l) => !/-part\d+$/.test(l)).map((l) => `/dev/disk/by-id/${l}`),
    removable: n.rm,
    readOnly: n.ro,
    fstype: n.fstype,
    partitionTable: n.pttype,
    partitions,
    holders,
    mountpoints,
    holdsRoot,
    multipathOf,
    multipathPaths: [],
    eligible: false,
    reasonCodes: [],
    reasons: [],
  };
}

// ---- network ------------------------------------------------------------------------------

type RouteEntry = HostFacts['defaultRoute'][number];

function hexToIpv4LittleEndian(hex: string): string | null {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) return null;
  const bytes = [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return bytes.join('.');
}

/** `fe800000000000000000000000000001` -> `fe80::1` (RFC 5952 form). */
export function hexToIpv6(hex: string): string | null {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) return null;
  const groups = Array.from({ length: 8 }, (_, i) =>
    parseInt(hex.slice(i * 4, i * 4 + 4), 16).toString(16),
  );
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart === -1) return groups.join(':');
  const head = groups.slice(0, bestStart).join(':');
  const tail = groups.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

/** /proc/net/route lines whose destination is 0.0.0.0 (the probe keeps only those). */
function parseRoute4(text: string | null): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[0] === undefined) continue;
    const flags = parseInt(f[3] ?? '0', 16);
    if (!(flags & RTF_UP) || flags & RTF_REJECT || f[7] !== '00000000') continue;
    const gw = hexToIpv4LittleEndian(f[2] ?? '');
    out.push({ interface: f[0], gateway: gw === '0.0.0.0' ? null : gw, family: 'inet' });
  }
  return out;
}

/** /proc/net/ipv6_route lines for ::/0. */
function parseRoute6(text: string | null): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[1] !== '00') continue;
    const dev = f[9];
    const flags = parseInt(f[8] ?? '0', 16);
    if (dev === undefined || dev === 'lo' || !(flags & RTF_UP) || flags & RTF_REJECT) continue;
    const gw = hexToIpv6(f[4] ?? '');
    out.push({ interface: dev, gateway: gw === '::' ? null : gw, family: 'inet6' });
  }
  return out;
}

interface SysNic {
  name: string;
  speed: number | null;
  mtu: number | null;
  operstate: string | null;
  mac: string | null;
  master: string | null;
  physical: boolean;
}

function parseNetSys(text: string | null): Map<string, SysNic> {
  const out = new Map<string, SysNic>();
  for (const line of (text ?? '').split('\n')) {
    const [name, ...rest] = line.trim().split(/\s+/);
    if (!name) continue;
    const kv = new Map(
      rest.map((p) => {
        const i = p.indexOf('=');
        return [p.slice(0, i), p.slice(i + 1)] as const;
      }),
    );
    const speed = toInt(kv.get('speed'));
    out.set(name, {
      name,
      // -1 (or a huge unsigned value) means unknown: the link is down or virtual.
      speed: speed !== null && speed > 0 && speed < 10_000_000 ? speed : null,
      mtu: toInt(kv.get('mtu')),
      operstate: nonEmpty(kv.get('operstate')),
      mac: nonEmpty(kv.get('address')),
      master: nonEmpty(kv.get('master')),
      physical: kv.get('physical') === 'yes',
    });
  }
  return out;
}

function nicKind(linkKind: string | null, linkType: string | null, physical: boolean): NicKind {
  if (linkType === 'loopback') return 'loopback';
  switch (linkKind) {
    case 'bond':
      return 'bond';
    case 'bridge':
      return 'bridge';
    case 'vlan':
      return 'vlan';
    case 'openvswitch':
      return 'openvswitch';
    case null:
      return physical ? 'physical' : linkType === null ? 'unknown' : 'virtual';
    default:
      return 'virtual';
  }
}

function parseNics(
  ipText: string | null,
  sysText: string | null,
  routes: RouteEntry[],
  warnings: string[],
): { nics: NicFacts[]; addressesKnown: boolean } {
  const sys = parseNetSys(sysText);
  const routeDevs = new Set(routes.map((r) => r.interface));
  const json = tryJson(ipText, 'ip -j addr', warnings);
  const nics: NicFacts[] = [];
  let addressesKnown = false;

  if (Array.isArray(json)) {
    addressesKnown = true;
    for (const e of json) {
      if (!isObject(e)) continue;
      const name = toStr(e.ifname);
      if (name === null) continue;
      const s = sys.get(name);
      const flags = Array.isArray(e.flags) ? e.flags.map(String) : [];
      const li = isObject(e.linkinfo) ? e.linkinfo : {};
      const data = isObject(li.info_data) ? li.info_data : {};
      const linkKind = toStr(li.info_kind);
      const kind = nicKind(linkKind, toStr(e.link_type), s?.physical ?? false);
      const addrs = Array.isArray(e.addr_info) ? e.addr_info : [];
      const vlanId = kind === 'vlan' ? toInt(data.id) : null;
      nics.push({
        name,
        mac: toStr(e.address),
        state: (toStr(e.operstate) ?? s?.operstate ?? 'unknown').toLowerCase(),
        adminUp: flags.includes('UP'),
        carrier: flags.includes('LOWER_UP'),
        speedMbps: s?.speed ?? null,
        mtu: toInt(e.mtu) ?? s?.mtu ?? null,
        addresses: addrs
          .filter(isObject)
          .map((a) => `${toStr(a.local) ?? '?'}/${toInt(a.prefixlen) ?? '?'}`),
        kind,
        linkKind,
        master: toStr(e.master) ?? s?.master ?? null,
        members: [],
        vlan: vlanId === null ? null : { id: vlanId, parent: toStr(e.link) },
        bondMode: kind === 'bond' ? toStr(data.mode) : null,
        defaultRoute: routeDevs.has(name),
      });
    }
  } else if (sys.size > 0) {
    warnings.push('ip -j is not available: interface addresses and kinds are unknown');
    for (const s of sys.values()) {
      nics.push({
        name: s.name,
        mac: s.mac,
        state: (s.operstate ?? 'unknown').toLowerCase(),
        adminUp: null,
        carrier: null,
        speedMbps: s.speed,
        mtu: s.mtu,
        addresses: [],
        kind: s.name === 'lo' ? 'loopback' : s.physical ? 'physical' : 'unknown',
        linkKind: null,
        master: s.master,
        members: [],
        vlan: null,
        bondMode: null,
        defaultRoute: routeDevs.has(s.name),
      });
    }
  } else {
    warnings.push('network interfaces unknown (neither ip nor /sys/class/net)');
  }
  for (const n of nics) {
    if (n.master === null) continue;
    nics.find((m) => m.name === n.master)?.members.push(n.name);
  }
  return { nics, addressesKnown };
}

// ---- time ---------------------------------------------------------------------------------

function parseTimeSync(timedatectl: string | null, chrony: string | null): TimeSyncFacts {
  if (timedatectl !== null) {
    const kv = keyValues(timedatectl);
    const yn = (k: string) => (kv.has(k) ? kv.get(k) === 'yes' : null);
    return {
      synchronized: yn('NTPSynchronized'),
      ntpEnabled: yn('NTP'),
      source: 'timedatectl',
      timezone: nonEmpty(kv.get('Timezone')),
    };
  }
  if (chrony !== null) {
    const leap = colonValues(chrony).get('Leap status');
    return {
      synchronized:
        leap === undefined
          ? null
          : leap === 'Normal' || leap.startsWith('Insert') || leap.startsWith('Delete'),
      ntpEnabled: true,
      source: 'chrony',
      timezone: null,
    };
  }
  return { synchronized: null, ntpEnabled: null, source: null, timezone: null };
}
