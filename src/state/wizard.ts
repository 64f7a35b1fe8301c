// The wizard as a pure reducer: answers typed by the user and facts discovered on the hosts go
// in, a profile draft and its findings come out. Validation runs on every change (the same
// schema + rules `validate` uses, in ./wizardValidation.ts), so every screen can show what is
// wrong as it is typed. No React, no I/O: screens dispatch actions, hooks wrap the services.
// Nothing here loads zod: the home screen needs this module for its first frame.
import type { Finding } from '../profile/findings';
import type { Host, OsdDisk, Profile, ProfileInput } from '../profile/schema';
import {
  API_VERSION,
  OPENSTACK_SERVICE_DEFAULTS,
  osdDiskPath,
  type CinderBackend,
  type OpenStackService,
  type Role,
  type StorageBackend,
  type Topology,
} from '../profile/vocabulary';
import { withDependencies, withoutDependents, type ServiceSelection } from '../profile/services';
import type { DiskFacts, HostFacts, HostResult, HostTarget } from '../discovery/types';
import { formatAddress, parseAddress, parseCidr, parseRange, prefixMask } from '../net/ipv4';
import { dnsNameProblem } from '../profile/rules';

export const STEPS = [
  'hosts',
  'discovery',
  'topology',
  'roles',
  'network',
  'storage',
  'services',
  'review',
] as const;
export type StepId = (typeof STEPS)[number];
export type ScreenId = 'home' | StepId;

export const STEP_TITLES: Record<ScreenId, string> = {
  home: 'Home',
  hosts: 'Hosts',
  discovery: 'Discovery',
  topology: 'Topology',
  roles: 'Roles',
  network: 'Network',
  storage: 'Storage',
  services: 'OpenStack services',
  review: 'Review',
};

export interface SshAnswers {
  user: string;
  port: string;
  identityFile: string;
  proxyJump: string;
}

export interface NetworkAnswers {
  managementInterface: string;
  providerInterface: string;
  managementCidr: string;
  podCidr: string;
  serviceCidr: string;
  joinCidr: string;
  /** Comma-separated MetalLB "primary" pool entries. */
  metallbPrimary: string;
  gatewayVip: string;
  domain: string;
  acmeEmail: string;
}
export type NetworkField = keyof NetworkAnswers;

export interface DiskChoice {
  selected: boolean;
  /** The user acknowledged wiping this disk (by its stable id). */
  wipe: boolean;
}

export type HostProgress =
  | { state: 'pending' }
  | { state: 'running' }
  | { state: 'done'; result: HostResult }
  /** A --profile's host left undiscovered (--no-discover): probed only when retried. */
  | { state: 'idle' };

/** A host the wizard knows: typed (target), discovered (facts), or prefilled from a profile. */
export interface WizardHost {
  key: string;
  target: HostTarget;
  progress: HostProgress;
  /** From a --profile: kept as written when there are no facts. */
  prefilled?: Host;
}

/** LVM volume groups whose disks the Storage screen asks for. */
export const LVM_LISTS = ['topolvm', 'cinderLvm'] as const;
export type LvmList = (typeof LVM_LISTS)[number];

/** Typed storage answers (besides the backend choices). */
export interface StorageText {
  topolvmVolumeGroup: string;
  cinderLvmVolumeGroup: string;
  cinderLvmBackendName: string;
  netappBackendName: string;
}
export type StorageTextField = keyof StorageText;
export type StorageFlag = 'netappMultipath' | 'netappSsl' | 'allowFewerHosts';

export interface WizardState {
  screen: ScreenId;
  /** Screens visited, for Back. Answers are never cleared by going back. */
  history: ScreenId[];
  name: string;
  hostsText: string;
  /** A Genestack inventory.yaml to import hosts from. */
  inventoryPath: string;
  hostsError?: string;
  ssh: SshAnswers;
  hosts: WizardHost[];
  topology?: Topology;
  /** Per-host roles chosen by the user; absent = automatic. */
  roleOverrides: Record<string, Role[]>;
  /** Inventory names given by the user, by host key (absent = typed name or discovered FQDN). */
  hostNames: Record<string, string>;
  network: NetworkAnswers;
  /** Which network fields the user changed (prefills never overwrite those). */
  networkTouched: Partial<Record<NetworkField, true>>;
  storage: {
    backend: StorageBackend;
    cinder: CinderBackend;
    longhornReplicas: number;
    /** hostKey -> disk byId -> choice. */
    disks: Record<string, Record<string, DiskChoice>>;
    externalMonHosts: string;
    allowFewerHosts: boolean;
    text: StorageText;
    netappMultipath: boolean;
    netappSsl: boolean;
    /**
     * Disks for the TopoLVM and Cinder LVM volume groups: list -> host key -> disk byId ->
     * choice. A --profile's devices (a flat list) are under SAVED_ANY_HOST until a host with
     * that disk is discovered.
     */
    lvmDisks: Record<LvmList, Record<string, Record<string, DiskChoice>>>;
  };
  services: ServiceSelection;
  profilePath: string;
  /** Where `config` writes Genestack's files (genestack.configDir). */
  configDir: string;
  /** Untouched parts of a --profile (region, genestack dirs, description...). */
  base?: Profile;
}

export const NETWORK_DEFAULTS = {
  // reference §2.5 (k8s-cluster.yml) and §3.6 (kube-ovn base overrides), as in the schema
  podCidr: '10.236.0.0/14',
  serviceCidr: '10.233.0.0/18',
  joinCidr: '100.64.0.0/16',
} as const;

/** Host key of LVM disk choices read from a profile, before any host is known to have them. */
export const SAVED_ANY_HOST = '*';

export const STORAGE_TEXT_DEFAULTS: StorageText = {
  // the schema's defaults: Genestack's docs (reference §5.5, §3.21, §2.2)
  topolvmVolumeGroup: 'vg-general',
  cinderLvmVolumeGroup: 'cinder-volumes',
  cinderLvmBackendName: 'lvmdriver-1',
  netappBackendName: 'netapp-iscsi-1',
};

export function initialWizardState(
  init: Partial<Pick<WizardState, 'ssh' | 'profilePath'>> = {},
): WizardState {
  return {
    screen: 'home',
    history: [],
    name: '',
    hostsText: '',
    inventoryPath: '',
    ssh: init.ssh ?? { user: 'ubuntu', port: '22', identityFile: '', proxyJump: '' },
    hosts: [],
    roleOverrides: {},
    hostNames: {},
    network: {
      managementInterface: '',
      providerInterface: '',
      managementCidr: '',
      ...NETWORK_DEFAULTS,
      metallbPrimary: '',
      gatewayVip: '',
      domain: '',
      acmeEmail: '',
    },
    networkTouched: {},
    storage: {
      backend: 'longhorn',
      cinder: 'none',
      longhornReplicas: 2,
      disks: {},
      externalMonHosts: '',
      allowFewerHosts: false,
      text: { ...STORAGE_TEXT_DEFAULTS },
      netappMultipath: false,
      netappSsl: false,
      lvmDisks: { topolvm: {}, cinderLvm: {} },
    },
    services: { ...OPENSTACK_SERVICE_DEFAULTS },
    profilePath: init.profilePath ?? '',
    configDir: '/etc/genestack',
  };
}

export type WizardAction =
  | { type: 'go'; screen: ScreenId }
  | { type: 'back' }
  | { type: 'setName'; name: string }
  | { type: 'setHostsText'; text: string }
  | { type: 'setSsh'; field: keyof SshAnswers; value: string }
  | { type: 'setTargets'; targets: HostTarget[] }
  | { type: 'setHostsError'; error: string | undefined }
  | { type: 'hostStarted'; key: string }
  | { type: 'hostDone'; key: string; result: HostResult }
  | { type: 'hostRetry'; keys: string[] }
  | { type: 'setTopology'; topology: Topology }
  | { type: 'toggleRole'; hostKey: string; role: Role }
  | { type: 'resetRoles'; hostKey: string }
  | { type: 'setNetwork'; field: NetworkField; value: string }
  | { type: 'prefillNetwork' }
  | { type: 'setBackend'; backend: StorageBackend }
  | { type: 'setCinder'; cinder: CinderBackend }
  | { type: 'setReplicas'; replicas: number }
  | { type: 'toggleDisk'; hostKey: string; diskId: string }
  | { type: 'ackWipe'; hostKey: string; diskId: string }
  | { type: 'setExternalMons'; value: string }
  | { type: 'setStorageText'; field: StorageTextField; value: string }
  | { type: 'toggleStorageFlag'; flag: StorageFlag }
  | { type: 'toggleLvmDisk'; list: LvmList; hostKey: string; diskId: string }
  | { type: 'ackLvmWipe'; list: LvmList; hostKey: string; diskId: string }
  | { type: 'renameHost'; key: string; name: string }
  | { type: 'toggleService'; service: OpenStackService }
  | { type: 'setProfilePath'; path: string }
  | { type: 'setConfigDir'; path: string }
  | { type: 'setInventoryPath'; path: string }
  | { type: 'load'; state: WizardState };

// ---- host helpers ------------------------------------------------------------------------

export function factsOf(h: WizardHost): HostFacts | undefined {
  return h.progress.state === 'done' && h.progress.result.status === 'ok'
    ? h.progress.result.facts
    : undefined;
}

/**
 * Hosts that take part in the profile: discovered ones, and every host of a --profile (one that
 * cannot be reached keeps its saved answers; the screens that need its facts say so).
 */
export function usableHosts(state: WizardState): WizardHost[] {
  return state.hosts.filter((h) => factsOf(h) !== undefined || h.prefilled !== undefined);
}

/** Why a host has no facts (still probing, or the failure), or undefined when it has them. */
export function missingFacts(h: WizardHost): string | undefined {
  if (factsOf(h)) return undefined;
  if (h.progress.state === 'idle')
    return 'not discovered (--no-discover; r on Discovery probes it)';
  if (h.progress.state !== 'done') return 'not discovered yet';
  // Short: the Discovery screen shows the failure and its fix.
  return h.progress.result.status === 'ok' ? undefined : 'could not be reached (see Discovery)';
}

/** Usable hosts without facts, with the reason: screens that need facts list these. */
export function hostsWithoutFacts(state: WizardState): { name: string; why: string }[] {
  return usableHosts(state).flatMap((h) => {
    const why = missingFacts(h);
    return why ? [{ name: hostName(state, h), why }] : [];
  });
}

/**
 * Why a name typed for a host cannot be its inventory name (the rules `validate` applies:
 * host-name-invalid), or undefined. Not being an FQDN is a warning there: see hostNameWarning.
 */
export function hostNameError(name: string): string | undefined {
  const v = name.trim();
  if (v === '') return 'required: the inventory and Kubernetes node name';
  const p = dnsNameProblem(v);
  return p ? `not a valid DNS name: ${p}` : undefined;
}

export function hostNameWarning(name: string): string | undefined {
  const v = name.trim();
  return hostNameError(v) === undefined && !v.includes('.')
    ? 'not a fully qualified name; Kubespray and Genestack expect FQDNs'
    : undefined;
}

function isIpv4(s: string): boolean {
  return parseAddress(s).ok;
}

/**
 * The inventory name of a host: the name the user gave it (rename); what the user typed when it
 * is a name; for an address, the host's own FQDN/hostname when that is unique among the hosts,
 * else `node-<address>` (loopback test fleets all share one hostname).
 */
export function hostName(state: WizardState, h: WizardHost): string {
  const renamed = state.hostNames[h.key];
  if (renamed !== undefined) return renamed.trim();
  if (h.prefilled) return h.prefilled.name;
  if (!isIpv4(h.target.address)) return h.target.address;
  const own = (x: WizardHost) => {
    const f = factsOf(x);
    return f?.fqdn && f.fqdn.includes('.') ? f.fqdn : (f?.hostname ?? undefined);
  };
  const mine = own(h);
  if (mine) {
    const dupes = state.hosts.filter((x) => own(x) === mine).length;
    if (dupes === 1) return mine;
  }
  return `node-${h.target.address.replace(/\./g, '-')}`;
}

/** Recommended topology: full-scale from 6 hosts up, else hyperconverged. */
export function recommendTopology(state: WizardState): { topology: Topology; why: string } {
  const n = usableHosts(state).length;
  if (n >= 6) {
    return {
      topology: 'full-scale',
      why: `${n} hosts: enough to keep control plane, network and compute apart`,
    };
  }
  return {
    topology: 'hyperconverged',
    why: `${n} host${n === 1 ? '' : 's'}: too few to dedicate hosts to each role (full-scale wants 6 or more)`,
  };
}

function storageRoles(state: WizardState): Role[] {
  const roles: Role[] = [];
  if (state.storage.backend === 'longhorn') roles.push('longhorn_storage_nodes');
  if (state.storage.backend === 'rook-ceph') roles.push('ceph_storage_nodes');
  if (state.storage.cinder !== 'none') roles.push('cinder_storage_nodes');
  return roles.length > 0 ? roles : ['cinder_storage_nodes'];
}

/**
 * Automatic roles. Hyperconverged: as the profile normalizer does (etcd and the Kubernetes
 * control plane on the first three hosts, or the first one below three). Full-scale: the
 * first three hosts run the control planes, the rest are compute (and so network) hosts;
 * storage roles go to hosts with eligible disks, or to every worker when none have any.
 */
export function autoRoles(state: WizardState, index: number): Role[] {
  const hosts = usableHosts(state);
  const n = hosts.length;
  const controlCount = n >= 3 ? 3 : 1;
  const isControl = index < controlCount;
  const out = new Set<Role>();
  if ((state.topology ?? 'hyperconverged') === 'hyperconverged') {
    if (isControl) out.add('kube_control_plane').add('etcd');
    out.add('openstack_control_plane').add('ovn_network_nodes').add('openstack_compute_nodes');
    for (const r of storageRoles(state)) out.add(r);
  } else {
    if (isControl || n <= 3) {
      out.add('kube_control_plane').add('etcd').add('openstack_control_plane');
    }
    if (!isControl || n <= 3) out.add('openstack_compute_nodes').add('ovn_network_nodes');
    const host = hosts[index];
    const f = host ? factsOf(host) : undefined;
    const hasDisk = f?.disks.some((d) => d.eligible) ?? false;
    const anyDisks = hosts.some((h) => factsOf(h)?.disks.some((d) => d.eligible));
    if (hasDisk || (!anyDisks && !isControl) || n <= 3)
      for (const r of storageRoles(state)) out.add(r);
  }
  return [...out];
}

const ROLE_ORDER: readonly Role[] = [
  'kube_control_plane',
  'etcd',
  'openstack_control_plane',
  'ovn_network_nodes',
  'openstack_compute_nodes',
  'ceph_storage_nodes',
  'cinder_storage_nodes',
  'longhorn_storage_nodes',
];
const sortRoles = (roles: Iterable<Role>): Role[] => {
  const s = new Set(roles);
  return ROLE_ORDER.filter((r) => s.has(r));
};

export function rolesOf(state: WizardState, h: WizardHost, index: number): Role[] {
  const over = state.roleOverrides[h.key];
  if (over) return sortRoles(over);
  if (h.prefilled && !factsOf(h) && h.prefilled.roles.length > 0)
    return sortRoles(h.prefilled.roles);
  return sortRoles(autoRoles(state, index));
}

// ---- storage helpers ---------------------------------------------------------------------

export interface DiskRow {
  hostKey: string;
  hostName: string;
  disk: DiskFacts;
  /** Stable id (/dev/disk/by-id/...); disks without one are never offered. */
  id: string | null;
  choice: DiskChoice;
}

/** Every disk of every Ceph storage host, with its current choice. */
export function diskRows(state: WizardState): DiskRow[] {
  const rows: DiskRow[] = [];
  usableHosts(state).forEach((h, i) => {
    if (!rolesOf(state, h, i).includes('ceph_storage_nodes')) return;
    const f = factsOf(h);
    if (!f) return;
    const saved = state.storage.disks[h.key] ?? {};
    // A --profile's host keeps its saved disk list: other disks are not added by rediscovery.
    const preselect = !(h.prefilled && h.prefilled.osdDisks.length > 0);
    for (const d of f.disks) {
      const id = diskIdFor(d, saved);
      const chosen = id ? saved[id] : undefined;
      rows.push({
        hostKey: h.key,
        hostName: hostName(state, h),
        disk: d,
        id,
        choice: chosen ?? { selected: preselect && d.eligible && id !== null, wipe: false },
      });
    }
  });
  return rows;
}

/** The id a disk is recorded under: a saved choice's by-id link when one matches, else byId. */
function diskIdFor(d: DiskFacts, saved: Record<string, DiskChoice>): string | null {
  return d.byIdAll.find((p) => saved[p] !== undefined) ?? d.byId;
}

/** Hosts whose disks may go into an LVM volume group. */
function lvmHosts(state: WizardState, list: LvmList): WizardHost[] {
  const hosts = usableHosts(state);
  // TopoLVM runs wherever Kubernetes schedules volumes; Cinder LVM on cinder_storage_nodes.
  if (list === 'topolvm') return hosts;
  return hosts.filter((h, i) => rolesOf(state, h, i).includes('cinder_storage_nodes'));
}

/** Every disk of the hosts of an LVM volume group, with its choice. Nothing is preselected. */
export function lvmDiskRows(state: WizardState, list: LvmList): DiskRow[] {
  const all = state.storage.lvmDisks[list];
  return lvmHosts(state, list).flatMap((h) => {
    const f = factsOf(h);
    if (!f) return [];
    // This host's own choices win over the profile's host-less list.
    const saved = { ...(all[SAVED_ANY_HOST] ?? {}), ...(all[h.key] ?? {}) };
    return f.disks.map((d): DiskRow => {
      const id = diskIdFor(d, saved);
      return {
        hostKey: h.key,
        hostName: hostName(state, h),
        disk: d,
        id,
        choice: (id ? saved[id] : undefined) ?? { selected: false, wipe: false },
      };
    });
  });
}

/** Whether a disk of a host is chosen in an LVM list. */
export function lvmChosen(state: WizardState, list: LvmList, hostKey: string, id: string): boolean {
  const all = state.storage.lvmDisks[list];
  return (all[hostKey]?.[id] ?? all[SAVED_ANY_HOST]?.[id])?.selected ?? false;
}

/** Whether an LVM list is asked: TopoLVM as the backend, LVM as the Cinder backend. */
export function lvmListActive(state: WizardState, list: LvmList): boolean {
  return list === 'topolvm' ? state.storage.backend === 'topolvm' : state.storage.cinder === 'lvm';
}

/** Saved disks of an LVM list that no discovered host has (kept as answers, shown as such). */
export function lvmDisksNotFound(state: WizardState, list: LvmList): string[] {
  const seen = new Set(lvmDiskRows(state, list).flatMap((r) => (r.id ? [r.id] : [])));
  return Object.entries(state.storage.lvmDisks[list][SAVED_ANY_HOST] ?? {})
    .filter(([id, c]) => c.selected && !seen.has(id))
    .map(([id]) => id);
}

/** LVM volume group names (lvm(8): letters, digits, + _ . -; not starting with -). */
export function volumeGroupError(v: string): string | undefined {
  const t = v.trim();
  if (t === '') return 'required: the volume group name';
  if (t.length > 127) return 'at most 127 characters';
  if (t === '.' || t === '..' || t.startsWith('-') || !/^[A-Za-z0-9+_.-]+$/.test(t))
    return `"${t}" is not a volume group name: letters, digits, + _ . - and not starting with -`;
  return undefined;
}

/** Cinder backend names are keys of conf.backends and part of host@backend. */
export function backendNameError(v: string): string | undefined {
  const t = v.trim();
  if (t === '') return 'required: a key of conf.backends in the Cinder overrides';
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(t)
    ? undefined
    : `"${t}" is not a backend name: letters, digits, _ . - (e.g. lvmdriver-1)`;
}

export function storageTextError(field: StorageTextField, v: string): string | undefined {
  return field === 'topolvmVolumeGroup' || field === 'cinderLvmVolumeGroup'
    ? volumeGroupError(v)
    : backendNameError(v);
}

/** Raw bytes selected, and what Ceph's 3-way replication leaves usable. */
export function diskSummary(state: WizardState): {
  disks: number;
  rawBytes: number;
  usableBytes: number;
  replicas: number;
} {
  const chosen = diskRows(state).filter((r) => r.choice.selected);
  const rawBytes = chosen.reduce((s, r) => s + (r.disk.sizeBytes ?? 0), 0);
  // Genestack's CephBlockPool "general" uses replicated size 3 (reference §5.2).
  const replicas = 3;
  return { disks: chosen.length, rawBytes, usableBytes: Math.floor(rawBytes / replicas), replicas };
}

// ---- network helpers ---------------------------------------------------------------------

/** A per-field message while typing, before the profile rules run. */
export function networkFieldError(field: NetworkField, value: string): string | undefined {
  const v = value.trim();
  switch (field) {
    case 'managementInterface':
    case 'providerInterface':
      return v === '' ? 'choose an interface' : undefined;
    case 'managementCidr':
    case 'podCidr':
    case 'serviceCidr':
    case 'joinCidr': {
      if (v === '') return 'required: a.b.c.d/n';
      const p = parseCidr(v);
      return p.ok ? undefined : p.reason;
    }
    case 'metallbPrimary': {
      const parts = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (parts.length === 0) return 'required: a range a.b.c.d-e.f.g.h or a CIDR';
      for (const p of parts) {
        const r = parseRange(p);
        if (!r.ok) return r.reason;
      }
      return undefined;
    }
    case 'gatewayVip': {
      if (v === '') return 'required: one address for the gateway';
      const p = parseAddress(v);
      return p.ok ? undefined : p.reason;
    }
    case 'domain':
      if (v === '') return 'required: endpoints become <service>.<domain>';
      return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(v)
        ? undefined
        : `"${v}" is not a DNS domain (e.g. cloud.example.com)`;
    case 'acmeEmail':
      return v === '' || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v)
        ? undefined
        : `"${v}" is not an email address`;
  }
}

function networkOf(address: string): string | undefined {
  const [a, p] = address.split('/');
  const addr = parseAddress(a ?? '');
  const prefix = Number(p);
  if (!addr.ok || !Number.isInteger(prefix)) return undefined;
  return `${formatAddress((addr.value & prefixMask(prefix)) >>> 0)}/${prefix}`;
}

/**
 * Prefills from the facts: the management interface is the one holding the address the host
 * was reached on (else its default route); its network is the management CIDR.
 */
export function networkPrefill(state: WizardState): Partial<NetworkAnswers> {
  const first = usableHosts(state).find((h) => factsOf(h));
  const f = first ? factsOf(first) : undefined;
  if (!first || !f) return {};
  const target = parseAddress(first.target.address);
  const holds = (a: string) => {
    if (a.split('/')[0] === first.target.address) return true;
    const c = parseCidr(a);
    return target.ok && c.ok && target.value >= c.value.start && target.value <= c.value.end;
  };
  const byAddr = f.nics.find((n) => n.addresses.some(holds));
  const nic = byAddr ?? f.nics.find((n) => n.defaultRoute);
  if (!nic) return {};
  const addr =
    nic.addresses.find(holds) ?? nic.addresses.find((a) => isIpv4(a.split('/')[0] ?? ''));
  const cidr = addr ? networkOf(addr) : undefined;
  return { managementInterface: nic.name, ...(cidr ? { managementCidr: cidr } : {}) };
}

// ---- the draft -------------------------------------------------------------------------

function osdDisksFor(state: WizardState, h: WizardHost, index: number): OsdDisk[] {
  if (state.storage.backend !== 'rook-ceph') return [];
  const f = factsOf(h);
  if (!f) return h.prefilled?.osdDisks ?? [];
  if (!rolesOf(state, h, index).includes('ceph_storage_nodes')) return [];
  const out: OsdDisk[] = [];
  const rows = diskRows(state).filter((r) => r.hostKey === h.key);
  for (const r of rows) if (r.choice.selected && r.id) out.push(diskEntry(r));
  // A saved disk the host no longer reports is kept (the Storage screen says it is missing).
  const seen = new Set(rows.map((r) => r.id));
  for (const d of h.prefilled?.osdDisks ?? []) {
    const p = osdDiskPath(d);
    if (!seen.has(p) && state.storage.disks[h.key]?.[p]?.selected) out.push(d);
  }
  return out;
}

function diskEntry(r: DiskRow): OsdDisk {
  const entry: Exclude<OsdDisk, string> = {
    path: r.id ?? r.disk.path,
    wipe: !r.disk.eligible && r.choice.wipe,
  };
  if (r.disk.sizeBytes !== null) entry.sizeBytes = r.disk.sizeBytes;
  if (r.disk.serial) entry.serial = r.disk.serial;
  return entry;
}

/** The disks of an LVM volume group for the profile: chosen rows, then saved ones not found. */
function lvmDevicesFor(state: WizardState, list: LvmList): OsdDisk[] {
  // The profile's list is flat: a disk id reported by two hosts is written once.
  const seen = new Set<string>();
  const rows = lvmDiskRows(state, list).filter(
    (r) => r.choice.selected && r.id && !seen.has(r.id) && seen.add(r.id),
  );
  const missing = lvmDisksNotFound(state, list).map((id): OsdDisk => {
    const c = state.storage.lvmDisks[list][SAVED_ANY_HOST]?.[id];
    return c?.wipe ? { path: id, wipe: true } : id;
  });
  return [...rows.map(diskEntry), ...missing];
}

/** Per-host SSH settings: what the host was typed or saved with, when it differs. */
function hostSsh(state: WizardState, h: WizardHost): { port?: number; user?: string } | undefined {
  const out: { port?: number; user?: string } = {};
  if (h.target.port !== undefined && String(h.target.port) !== state.ssh.port.trim())
    out.port = h.target.port;
  if (h.target.user !== undefined && h.target.user !== state.ssh.user.trim())
    out.user = h.target.user;
  return out.port !== undefined || out.user !== undefined ? out : undefined;
}

/** The profile the answers describe (schema input form: defaults may still be missing). */
export function draftProfile(state: WizardState): ProfileInput {
  const base = state.base;
  const port = Number(state.ssh.port);
  const ssh: Record<string, unknown> = {
    user: state.ssh.user,
    port: Number.isInteger(port) ? port : state.ssh.port,
    become: base?.ssh.become ?? true,
  };
  if (state.ssh.identityFile.trim()) ssh.identityFile = state.ssh.identityFile.trim();
  if (state.ssh.proxyJump.trim()) ssh.proxyJump = state.ssh.proxyJump.trim();
  const hosts = usableHosts(state).map((h, i) => {
    const own = hostSsh(state, h);
    return {
      name: hostName(state, h),
      address: h.prefilled && !factsOf(h) ? h.prefilled.address : h.target.address,
      ...(own ? { ssh: own } : {}),
      roles: rolesOf(state, h, i),
      osdDisks: osdDisksFor(state, h, i),
    };
  });
  const n = state.network;
  const gateway: Record<string, string> = { domain: n.domain.trim() };
  if (n.acmeEmail.trim()) gateway.acmeEmail = n.acmeEmail.trim();
  const storage: Record<string, unknown> = {
    backend: state.storage.backend,
    cinder: state.storage.cinder,
  };
  if (state.storage.backend === 'longhorn')
    storage.longhorn = { replicas: state.storage.longhornReplicas };
  if (
    state.storage.backend === 'rook-ceph' &&
    (base?.storage.rookCeph || state.storage.allowFewerHosts)
  ) {
    storage.rookCeph = { allowFewerHosts: state.storage.allowFewerHosts };
  }
  if (state.storage.backend === 'external-ceph') {
    storage.externalCeph = {
      ...(base?.storage.externalCeph ?? {}),
      monHosts: state.storage.externalMonHosts
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    };
  }
  const t = state.storage.text;
  if (state.storage.backend === 'topolvm') {
    storage.topolvm = {
      volumeGroup: t.topolvmVolumeGroup.trim(),
      devices: lvmDevicesFor(state, 'topolvm'),
    };
  }
  if (state.storage.cinder === 'lvm') {
    const devices = lvmDevicesFor(state, 'cinderLvm');
    storage.cinderLvm = {
      volumeGroup: t.cinderLvmVolumeGroup.trim(),
      backendName: t.cinderLvmBackendName.trim(),
      ...(devices.length > 0 ? { devices } : {}),
    };
  }
  if (state.storage.cinder === 'netapp') {
    storage.cinderNetapp = {
      backendName: t.netappBackendName.trim(),
      storageNetworkMultipath: state.storage.netappMultipath,
      enableStorageSsl: state.storage.netappSsl,
    };
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Profile',
    metadata: { name: state.name.trim(), description: base?.metadata.description ?? '' },
    topology: state.topology ?? 'hyperconverged',
    ssh: ssh as ProfileInput['ssh'],
    hosts,
    network: {
      managementInterface: n.managementInterface.trim(),
      providerInterface: n.providerInterface.trim(),
      managementCidr: n.managementCidr.trim(),
      podCidr: n.podCidr.trim(),
      serviceCidr: n.serviceCidr.trim(),
      joinCidr: n.joinCidr.trim(),
      metallb: {
        primary: n.metallbPrimary
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        gatewayVip: n.gatewayVip.trim(),
      },
      gateway: gateway as { domain: string },
      ...(base ? { ovn: base.network.ovn } : {}),
    },
    storage: storage as ProfileInput['storage'],
    kubernetes: base?.kubernetes ?? { clusterName: 'cluster.local' },
    openstack: { region: base?.openstack.region ?? 'RegionOne', services: { ...state.services } },
    genestack: {
      ...(base?.genestack ?? { repoDir: '/opt/genestack' }),
      configDir: state.configDir.trim(),
    },
  };
}

export type { Validation } from './wizardValidation';

/** Which step asks for the answer at a profile path. */
export function stepForPath(path: string): StepId {
  if (path.startsWith('metadata') || path.startsWith('ssh')) return 'hosts';
  if (path.startsWith('topology')) return 'topology';
  if (/^hosts\[\d+\]\.osdDisks/.test(path)) return 'storage';
  if (/^hosts\[\d+\]\.name/.test(path)) return 'discovery';
  if (/^hosts\[\d+\]\.ssh/.test(path)) return 'hosts';
  if (path.startsWith('hosts')) return 'roles';
  if (path.startsWith('network')) return 'network';
  if (path.startsWith('storage')) return 'storage';
  if (path.startsWith('openstack')) return 'services';
  return 'review';
}

/** Findings that belong to one step. */
export function findingsFor(findings: readonly Finding[], step: StepId): Finding[] {
  return findings.filter((f) => stepForPath(f.path) === step);
}

// ---- prefill from a saved profile ------------------------------------------------------

/** A --profile's answers: complete answers are kept, the wizard opens at the first problem. */
export function stateFromProfile(
  profile: Profile,
  profilePath: string,
  findings: readonly Finding[],
  opts: { discover?: boolean } = {},
): WizardState {
  const discover = opts.discover ?? true;
  const s = initialWizardState({ profilePath });
  const n = profile.network;
  const disks: WizardState['storage']['disks'] = {};
  const targets = profile.hosts.map((h) => savedTarget(h));
  const hosts: WizardHost[] = profile.hosts.map((h, i) => {
    const target = targets[i]!;
    const key = target.host;
    for (const d of h.osdDisks) {
      (disks[key] ??= {})[osdDiskPath(d)] = {
        selected: true,
        wipe: typeof d === 'string' ? false : d.wipe,
      };
    }
    // pending: the shell rediscovers the hosts in the background (screens/hooks/useDiscovery).
    return {
      key,
      target,
      progress: discover ? { state: 'pending' } : { state: 'idle' },
      prefilled: h,
    };
  });
  const lvmChoices = (devices: readonly OsdDisk[] | undefined): Record<string, DiskChoice> =>
    Object.fromEntries(
      (devices ?? []).map((d) => [
        osdDiskPath(d),
        { selected: true, wipe: typeof d === 'string' ? false : d.wipe },
      ]),
    );
  const st = profile.storage;
  const state: WizardState = {
    ...s,
    base: profile,
    name: profile.metadata.name,
    hostsText: targets.map((t) => t.host).join(' '),
    ssh: {
      user: profile.ssh.user,
      port: String(profile.ssh.port),
      identityFile: profile.ssh.identityFile ?? '',
      proxyJump: profile.ssh.proxyJump ?? '',
    },
    hosts,
    topology: profile.topology,
    roleOverrides: Object.fromEntries(
      profile.hosts.flatMap((h, i) => (h.roles.length > 0 ? [[targets[i]!.host, h.roles]] : [])),
    ),
    network: {
      managementInterface: n.managementInterface,
      providerInterface: n.providerInterface,
      managementCidr: n.managementCidr,
      podCidr: n.podCidr,
      serviceCidr: n.serviceCidr,
      joinCidr: n.joinCidr,
      metallbPrimary: n.metallb.primary.join(', '),
      gatewayVip: n.metallb.gatewayVip,
      domain: n.gateway.domain,
      acmeEmail: n.gateway.acmeEmail ?? '',
    },
    networkTouched: Object.fromEntries(
      (Object.keys(s.network) as NetworkField[]).map((k) => [k, true]),
    ) as WizardState['networkTouched'],
    storage: {
      ...s.storage,
      backend: profile.storage.backend,
      cinder: profile.storage.cinder,
      longhornReplicas: profile.storage.longhorn?.replicas ?? 2,
      allowFewerHosts: profile.storage.rookCeph?.allowFewerHosts ?? false,
      externalMonHosts: profile.storage.externalCeph?.monHosts.join(', ') ?? '',
      disks,
      text: {
        topolvmVolumeGroup: st.topolvm?.volumeGroup ?? STORAGE_TEXT_DEFAULTS.topolvmVolumeGroup,
        cinderLvmVolumeGroup:
          st.cinderLvm?.volumeGroup ?? STORAGE_TEXT_DEFAULTS.cinderLvmVolumeGroup,
        cinderLvmBackendName:
          st.cinderLvm?.backendName ?? STORAGE_TEXT_DEFAULTS.cinderLvmBackendName,
        netappBackendName: st.cinderNetapp?.backendName ?? STORAGE_TEXT_DEFAULTS.netappBackendName,
      },
      netappMultipath: st.cinderNetapp?.storageNetworkMultipath ?? false,
      netappSsl: st.cinderNetapp?.enableStorageSsl ?? false,
      lvmDisks: {
        topolvm: { [SAVED_ANY_HOST]: lvmChoices(st.topolvm?.devices) },
        cinderLvm: { [SAVED_ANY_HOST]: lvmChoices(st.cinderLvm?.devices) },
      },
    },
    services: { ...profile.openstack.services },
    configDir: profile.genestack.configDir,
  };
  const firstError = findings.find((f) => f.severity === 'error');
  const screen: ScreenId = firstError ? stepForPath(firstError.path) : 'review';
  return { ...state, screen, history: ['home'] };
}

/** How a saved host is reached: its address, with its own port/user when it has them. */
export function savedTarget(h: Host): HostTarget {
  const user = h.ssh?.user;
  const port = h.ssh?.port;
  const t: HostTarget = {
    host: `${user !== undefined ? `${user}@` : ''}${h.address}${port !== undefined ? `:${port}` : ''}`,
    address: h.address,
  };
  if (user !== undefined) t.user = user;
  if (port !== undefined) t.port = port;
  return t;
}

// ---- the reducer -----------------------------------------------------------------------

function setHost(state: WizardState, key: string, f: (h: WizardHost) => WizardHost): WizardState {
  return { ...state, hosts: state.hosts.map((h) => (h.key === key ? f(h) : h)) };
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case 'go':
      if (action.screen === state.screen) return state;
      return { ...state, screen: action.screen, history: [...state.history, state.screen] };
    case 'back': {
      const prev = state.history.at(-1);
      if (prev === undefined) return state;
      return { ...state, screen: prev, history: state.history.slice(0, -1) };
    }
    case 'setName':
      return { ...state, name: action.name };
    case 'setHostsText':
      return { ...state, hostsText: action.text, hostsError: undefined };
    case 'setHostsError':
      return { ...state, hostsError: action.error };
    case 'setSsh':
      return { ...state, ssh: { ...state.ssh, [action.field]: action.value } };
    case 'setTargets': {
      // Keep what is known about hosts that stay in the list.
      const old = new Map(state.hosts.map((h) => [h.key, h]));
      const hosts = action.targets.map(
        (t): WizardHost =>
          old.get(t.host) ?? { key: t.host, target: t, progress: { state: 'pending' } },
      );
      return { ...state, hosts };
    }
    case 'hostStarted':
      return setHost(state, action.key, (h) => ({ ...h, progress: { state: 'running' } }));
    case 'hostDone':
      return setHost(state, action.key, (h) => ({
        ...h,
        progress: { state: 'done', result: action.result },
      }));
    case 'hostRetry': {
      const keys = new Set(action.keys);
      return {
        ...state,
        hosts: state.hosts.map((h) =>
          keys.has(h.key) ? { ...h, progress: { state: 'pending' } } : h,
        ),
      };
    }
    case 'setTopology':
      return { ...state, topology: action.topology };
    case 'toggleRole': {
      const idx = usableHosts(state).findIndex((h) => h.key === action.hostKey);
      const h = usableHosts(state)[idx];
      if (!h) return state;
      const cur = new Set(rolesOf(state, h, idx));
      if (cur.has(action.role)) cur.delete(action.role);
      else cur.add(action.role);
      return {
        ...state,
        roleOverrides: { ...state.roleOverrides, [action.hostKey]: sortRoles(cur) },
      };
    }
    case 'resetRoles': {
      const { [action.hostKey]: _dropped, ...rest } = state.roleOverrides;
      return { ...state, roleOverrides: rest };
    }
    case 'setNetwork':
      return {
        ...state,
        network: { ...state.network, [action.field]: action.value },
        networkTouched: { ...state.networkTouched, [action.field]: true },
      };
    case 'prefillNetwork': {
      const pre = networkPrefill(state);
      const next = { ...state.network };
      for (const [k, v] of Object.entries(pre) as [NetworkField, string][]) {
        if (!state.networkTouched[k] && next[k] === '') next[k] = v;
      }
      return { ...state, network: next };
    }
    case 'setBackend':
      return { ...state, storage: { ...state.storage, backend: action.backend } };
    case 'setCinder':
      return { ...state, storage: { ...state.storage, cinder: action.cinder } };
    case 'setReplicas':
      return {
        ...state,
        storage: { ...state.storage, longhornReplicas: Math.max(1, Math.min(10, action.replicas)) },
      };
    case 'toggleDisk':
    case 'ackWipe': {
      const row = diskRows(state).find(
        (r) => r.hostKey === action.hostKey && r.id === action.diskId,
      );
      if (!row || !row.id) return state;
      let choice = row.choice;
      if (action.type === 'ackWipe') {
        if (row.disk.eligible) return state;
        choice = { selected: !choice.wipe, wipe: !choice.wipe };
      } else {
        // A disk that holds something is selectable only after its wipe was acknowledged.
        if (!row.disk.eligible && !choice.wipe && !choice.selected) return state;
        choice = { ...choice, selected: !choice.selected };
      }
      const hostDisks = { ...(state.storage.disks[action.hostKey] ?? {}), [row.id]: choice };
      return {
        ...state,
        storage: {
          ...state.storage,
          disks: { ...state.storage.disks, [action.hostKey]: hostDisks },
        },
      };
    }
    case 'setExternalMons':
      return { ...state, storage: { ...state.storage, externalMonHosts: action.value } };
    case 'setStorageText':
      return {
        ...state,
        storage: {
          ...state.storage,
          text: { ...state.storage.text, [action.field]: action.value },
        },
      };
    case 'toggleStorageFlag':
      return {
        ...state,
        storage: { ...state.storage, [action.flag]: !state.storage[action.flag] },
      };
    case 'toggleLvmDisk':
    case 'ackLvmWipe': {
      const row = lvmDiskRows(state, action.list).find(
        (r) => r.hostKey === action.hostKey && r.id === action.diskId,
      );
      if (!row || !row.id) return state;
      const other = action.list === 'topolvm' ? 'cinderLvm' : 'topolvm';
      // One disk cannot hold both volume groups.
      if (lvmListActive(state, other) && lvmChosen(state, other, row.hostKey, row.id)) return state;
      let choice = row.choice;
      if (action.type === 'ackLvmWipe') {
        if (row.disk.eligible) return state;
        choice = { selected: !choice.wipe, wipe: !choice.wipe };
      } else {
        // Same rule as Ceph OSD disks: a disk holding data needs its wipe acknowledged first.
        if (!row.disk.eligible && !choice.wipe && !choice.selected) return state;
        choice = { ...choice, selected: !choice.selected };
      }
      return {
        ...state,
        storage: {
          ...state.storage,
          lvmDisks: {
            ...state.storage.lvmDisks,
            [action.list]: {
              ...state.storage.lvmDisks[action.list],
              [row.hostKey]: {
                ...(state.storage.lvmDisks[action.list][row.hostKey] ?? {}),
                [row.id]: choice,
              },
            },
          },
        },
      };
    }
    case 'renameHost':
      return { ...state, hostNames: { ...state.hostNames, [action.key]: action.name } };
    case 'toggleService':
      return {
        ...state,
        services: state.services[action.service]
          ? withoutDependents(state.services, action.service)
          : withDependencies(state.services, action.service),
      };
    case 'setProfilePath':
      return { ...state, profilePath: action.path };
    case 'setConfigDir':
      return { ...state, configDir: action.path };
    case 'setInventoryPath':
      return { ...state, inventoryPath: action.path, hostsError: undefined };
    case 'load':
      return action.state;
  }
}
