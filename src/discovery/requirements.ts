// Per-role hardware requirements: the numbers are data (assets/requirements.yaml, validated
// here), the judgement is code. Each check gives pass, warning or fail with a one-line fix,
// per host and role, at a lab or a production level.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ROLES } from '../profile/vocabulary';
import { formatBytes } from './eligibility';
import type { EligibilityPolicy } from './eligibility';
import type { HostFacts, NicFacts } from './types';

export const LEVELS = ['lab', 'production'] as const;
export type Level = (typeof LEVELS)[number];

export const ROLE_KEYS = ['all', ...ROLES] as const;
export type RoleKey = (typeof ROLE_KEYS)[number];

const Severity = z.enum(['fail', 'warning']);
type Severity = z.infer<typeof Severity>;

const Numeric = z
  .strictObject({ min: z.number().nonnegative(), recommended: z.number().nonnegative().optional() })
  .refine((v) => v.recommended === undefined || v.recommended >= v.min, {
    message: 'recommended must not be below min',
  });

const RoleRequirementsSchema = z.strictObject({
  cpuThreads: Numeric.optional(),
  memoryGiB: Numeric.optional(),
  nics: Numeric.optional(),
  osdDisks: Numeric.optional(),
  varLibFreeGiB: Numeric.optional(),
  kernel: z
    .strictObject({ min: z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'a version like 6.8') })
    .optional(),
  tmpExec: Severity.optional(),
  timeSync: Severity.optional(),
  virtualization: Severity.optional(),
  arch: z.strictObject({ allowed: z.array(z.string()).min(1), severity: Severity }).optional(),
});
export type RoleRequirements = z.infer<typeof RoleRequirementsSchema>;

const LevelSchema = z.strictObject({
  description: z.string(),
  roles: z.partialRecord(z.enum(ROLE_KEYS), RoleRequirementsSchema),
});

export const RequirementsSchema = z.strictObject({
  version: z.literal(1),
  osdDisk: z.strictObject({ minSizeGiB: z.number().positive() }),
  levels: z.strictObject({ lab: LevelSchema, production: LevelSchema }),
});
export type Requirements = z.infer<typeof RequirementsSchema>;

/** Parse and validate requirements YAML; throws an Error naming the field on bad data. */
export function loadRequirements(text: string, source = 'requirements.yaml'): Requirements {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  const r = RequirementsSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new Error(`${source} is invalid: ${issues.join('; ')}`);
  }
  return r.data;
}

const GiB = 1024 ** 3;

export function osdPolicy(req: Requirements): EligibilityPolicy {
  return { minSizeBytes: req.osdDisk.minSizeGiB * GiB };
}

// ---- checks -------------------------------------------------------------------------------

export type CheckStatus = 'pass' | 'warning' | 'fail';

export interface RequirementCheck {
  /** The requirement key in requirements.yaml: cpuThreads, memoryGiB, kernel ... */
  id: keyof RoleRequirements | 'kvmDevice';
  status: CheckStatus;
  /** What was found and what is needed, one line. */
  message: string;
  /** One line; empty when the check passed. */
  fix: string;
}

export interface RoleVerdict {
  role: RoleKey;
  level: Level;
  status: CheckStatus;
  checks: RequirementCheck[];
}

const RANK: Record<CheckStatus, number> = { pass: 0, warning: 1, fail: 2 };

export function worst(statuses: Iterable<CheckStatus>): CheckStatus {
  let w: CheckStatus = 'pass';
  for (const s of statuses) if (RANK[s] > RANK[w]) w = s;
  return w;
}

/** Interfaces that count toward "two NICs": usable for traffic, not a bond's member port. */
export function countUsableNics(nics: NicFacts[]): number {
  const bonds = new Set(nics.filter((n) => n.kind === 'bond').map((n) => n.name));
  return nics.filter(
    (n) =>
      (n.kind === 'physical' ||
        n.kind === 'bond' ||
        n.kind === 'vlan' ||
        n.linkKind === 'macvlan' ||
        n.linkKind === 'ipvlan') &&
      !(n.master !== null && bonds.has(n.master)),
  ).length;
}

function versionAtLeast(v: [number, number, number], min: string): boolean {
  const m = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0;
    const b = m[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

function fmtNum(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function numeric(
  id: RequirementCheck['id'],
  spec: z.infer<typeof Numeric>,
  actual: number | null,
  what: (n: number) => string,
  role: RoleKey,
  fix: string,
): RequirementCheck {
  const need =
    spec.recommended !== undefined && spec.recommended > spec.min
      ? `${fmtNum(spec.min)} (${fmtNum(spec.recommended)} recommended)`
      : fmtNum(spec.min);
  const forWhom = role === 'all' ? 'every host needs' : `${role} needs`;
  if (actual === null) {
    return { id, status: 'warning', message: `${what(NaN)} unknown; ${forWhom} ${need}`, fix };
  }
  const message = `${what(actual)}; ${forWhom} ${need}`;
  if (actual < spec.min) return { id, status: 'fail', message, fix };
  if (spec.recommended !== undefined && actual < spec.recommended) {
    return { id, status: 'warning', message, fix };
  }
  return { id, status: 'pass', message, fix: '' };
}

function boolCheck(
  id: RequirementCheck['id'],
  severity: Severity,
  ok: boolean | null,
  okMessage: string,
  badMessage: string,
  unknownMessage: string,
  fix: string,
): RequirementCheck {
  if (ok === true) return { id, status: 'pass', message: okMessage, fix: '' };
  if (ok === null) return { id, status: 'warning', message: unknownMessage, fix };
  return { id, status: severity, message: badMessage, fix };
}

/** Checks one role's requirements (or `all`) against a host's facts. */
export function checkRole(
  facts: HostFacts,
  role: RoleKey,
  level: Level,
  req: Requirements,
): RoleVerdict {
  const spec = req.levels[level].roles[role] ?? {};
  const checks: RequirementCheck[] = [];
  const gib = (b: number | null) => (b === null ? null : b / GiB);

  if (spec.cpuThreads) {
    checks.push(
      numeric(
        'cpuThreads',
        spec.cpuThreads,
        facts.cpu.threads,
        (n) => (Number.isNaN(n) ? 'CPU threads' : `${n} CPU threads`),
        role,
        'add CPUs (vCPUs) to this host, or give the role to a larger host',
      ),
    );
  }
  if (spec.memoryGiB) {
    checks.push(
      numeric(
        'memoryGiB',
        spec.memoryGiB,
        gib(facts.memory.totalBytes),
        (n) => (Number.isNaN(n) ? 'memory' : `${formatBytes(n * GiB)} memory`),
        role,
        'add memory to this host, or give the role to a larger host',
      ),
    );
  }
  if (spec.nics) {
    checks.push(
      numeric(
        'nics',
        spec.nics,
        facts.nics.length === 0 ? null : countUsableNics(facts.nics),
        (n) => (Number.isNaN(n) ? 'network interfaces' : `${n} usable network interface(s)`),
        role,
        'add a NIC or a VLAN interface: Genestack needs a management one and an IP-less provider one',
      ),
    );
  }
  if (spec.osdDisks) {
    checks.push(
      numeric(
        'osdDisks',
        spec.osdDisks,
        facts.disks.filter((d) => d.eligible).length,
        (n) => `${n} disk(s) eligible for a Ceph OSD`,
        role,
        'add empty disks, or wipe listed ones (wipefs -a) if their data is not needed',
      ),
    );
  }
  if (spec.varLibFreeGiB) {
    checks.push(
      numeric(
        'varLibFreeGiB',
        spec.varLibFreeGiB,
        gib(facts.filesystems.varLibFreeBytes),
        (n) =>
          Number.isNaN(n)
            ? 'free space under /var/lib'
            : `${formatBytes(n * GiB)} free under /var/lib`,
        role,
        'grow the filesystem holding /var/lib (containers, etcd and Longhorn live there)',
      ),
    );
  }
  if (spec.kernel) {
    const v = facts.kernel.version;
    const min = spec.kernel.min;
    checks.push(
      boolCheck(
        'kernel',
        'fail',
        v === null ? null : versionAtLeast(v, min),
        `kernel ${facts.kernel.release} (${min} or newer needed)`,
        `kernel ${facts.kernel.release} is older than ${min}: Genestack's host setup stops on it`,
        `kernel version unknown (${min} or newer needed)`,
        `install a ${min}+ kernel (Ubuntu 24.04, or the HWE kernel on 22.04) and reboot`,
      ),
    );
  }
  if (spec.tmpExec) {
    const noexec = facts.filesystems.tmpNoexec;
    checks.push(
      boolCheck(
        'tmpExec',
        spec.tmpExec,
        noexec === null ? null : !noexec,
        '/tmp allows executables',
        '/tmp is mounted noexec',
        '/tmp mount options unknown',
        'remount /tmp without noexec (Kubespray and Genestack run scripts from it)',
      ),
    );
  }
  if (spec.timeSync) {
    checks.push(
      boolCheck(
        'timeSync',
        spec.timeSync,
        facts.timeSync.synchronized,
        'clock synchronized (NTP)',
        'clock not synchronized',
        'clock synchronization unknown (no timedatectl or chronyc)',
        'enable chrony or systemd-timesyncd: etcd, Ceph and TLS need synchronized clocks',
      ),
    );
  }
  if (spec.arch) {
    const { allowed, severity } = spec.arch;
    checks.push(
      boolCheck(
        'arch',
        severity,
        facts.arch === null ? null : allowed.includes(facts.arch),
        `architecture ${facts.arch}`,
        `architecture ${facts.arch}: Genestack's images are built for ${allowed.join(', ')}`,
        'architecture unknown',
        `use ${allowed.join(' or ')} hosts for this role`,
      ),
    );
  }
  if (spec.virtualization) {
    const v = facts.cpu.virtualization;
    checks.push(
      boolCheck(
        'virtualization',
        spec.virtualization,
        v === null ? null : v !== 'none',
        `hardware virtualization (${v})`,
        'no hardware virtualization (VT-x/AMD-V): instances would run in slow emulation',
        'hardware virtualization unknown',
        'enable VT-x/AMD-V in the firmware (nested virtualization for a VM); a lab can use virt_type=qemu',
      ),
    );
    if (v === 'vmx' || v === 'svm') {
      checks.push(
        boolCheck(
          'kvmDevice',
          'warning',
          facts.cpu.kvmDevice,
          '/dev/kvm present',
          `/dev/kvm is missing although the CPU offers ${v}`,
          '/dev/kvm presence unknown',
          `load the kvm_${v === 'vmx' ? 'intel' : 'amd'} kernel module`,
        ),
      );
    }
  }
  return { role, level, status: worst(checks.map((c) => c.status)), checks };
}

/** `all` plus each given role, at one level. */
export function checkHost(
  facts: HostFacts,
  roles: readonly RoleKey[],
  level: Level,
  req: Requirements,
): RoleVerdict[] {
  const keys: RoleKey[] = ['all', ...roles.filter((r) => r !== 'all')];
  return keys.map((r) => checkRole(facts, r, level, req));
}
