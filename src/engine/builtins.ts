// The steps the installer performs itself (catalog kind `builtin`, src/plan/catalog.ts BUILTINS).
// Every external command is an argv array built from validated profile values only; output
// goes to the phase log like a command phase's.
//
// Implemented: preflight, write-config, label-nodes, annotate-ovn-nodes, fetch-kubeconfig.
// Not implemented (the phase fails and says what to do by hand): install-kubectl (unless kubectl
// is already installed), prepare-topolvm-volume-group, import-external-ceph. docs/engine.md
// says why.
import { constants, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { applyWrites, backupPathFor, planWrites } from '../genestack/apply';
import { inventoryGroups } from '../genestack/inventory';
import { renderConfigFiles } from '../genestack/render';
import { EXIT } from '../exitCodes';
import { LEVELS, type Level } from '../discovery/requirements';
import { formatReport, PREFLIGHT_FILE } from '../preflight/report';
import { runPreflight } from '../preflight/run';
import type { LogStream } from '../journal/events';
import type { BuiltinName } from '../plan/catalog';
import { displayArgv } from '../plan/checks';
import type { PlanPhase } from '../plan/plan';
import type { ResolvedProfile } from '../profile/normalize';
import { hostsWithRole } from '../profile/normalize';
import { runProcess, type ProcessOutcome, type ProcessSpec } from './process';

export interface BuiltinContext {
  phase: PlanPhase;
  builtin: BuiltinName;
  profile: ResolvedProfile;
  /** Where the profile came from, for the headers of written files. */
  profilePath: string;
  /** --yes: replace changed files (backups kept). */
  yes: boolean;
  /** Working directory and environment of the phase. */
  spec: Omit<ProcessSpec, 'argv'>;
  log: (stream: LogStream, line: string) => void;
  signal: AbortSignal;
  hardDeadline: number;
  graceMs: number;
  onSpawn: (pid: number) => void;
  home?: string;
  /** The run folder (preflight writes preflight.json there). */
  runDir?: string;
}

/** Same shape as a command's outcome, so the phase treats both alike. */
export type BuiltinOutcome = ProcessOutcome;

const say = (ctx: BuiltinContext, text: string) => {
  for (const line of text.split('\n')) ctx.log('stdout', `[installer] ${line}`);
};

function fail(ctx: BuiltinContext, started: number, message: string, exitCode = 1): BuiltinOutcome {
  for (const line of message.split('\n')) ctx.log('stderr', `[installer] ${line}`);
  return { kind: 'exited', exitCode, durationMs: Date.now() - started };
}

export async function runBuiltin(ctx: BuiltinContext): Promise<BuiltinOutcome> {
  const started = Date.now();
  try {
    switch (ctx.builtin) {
      case 'preflight':
        return await preflight(ctx, started);
      case 'write-config':
        return await writeConfig(ctx, started);
      case 'label-nodes':
        return await runAll(ctx, started, labelNodeCommands(ctx.profile));
      case 'annotate-ovn-nodes':
        return await runAll(ctx, started, annotateOvnCommands(ctx.profile));
      case 'fetch-kubeconfig':
        return await fetchKubeconfig(ctx, started);
      case 'install-kubectl':
        return await installKubectl(ctx, started);
      case 'prepare-topolvm-volume-group':
        return fail(
          ctx,
          started,
          'not implemented: this installer does not create the TopoLVM volume group yet (it would have to ' +
            `prove that every disk in storage.topolvm.devices holds no data first). Create volume group ` +
            `"${ctx.profile.storage.topolvm?.volumeGroup ?? 'vg-general'}" on each storage host by hand ` +
            '(vgcreate, reference §5.5), then resume the run with --from topolvm.',
        );
      case 'import-external-ceph':
        return fail(
          ctx,
          started,
          'not implemented: this installer does not import an external Ceph cluster yet. Run ' +
            "Genestack's scripts/import-external-cluster.sh by hand with the cluster's exports in its " +
            'environment (reference §5.4), then resume the run with --from external-ceph-operator-image.',
        );
    }
  } catch (e) {
    return fail(ctx, started, (e as Error).message);
  }
}

// ---- preflight ---------------------------------------------------------------------------------

/** `GENESTACK_INSTALLER_PREFLIGHT_LEVEL` in the phase's environment; default lab. */
export function preflightLevel(env: Record<string, string | undefined>): Level {
  const v = env.GENESTACK_INSTALLER_PREFLIGHT_LEVEL;
  return v !== undefined && (LEVELS as readonly string[]).includes(v) ? (v as Level) : 'lab';
}

/**
 * The read-only checks of docs/preflight.md on every host, with the profile's SSH settings and
 * the operator's known_hosts (host keys checked, never accepted here: there is no terminal to
 * ask on). The report goes to the log and to preflight.json in the run folder; a failed check
 * fails the phase with exit 5, and nothing after it starts.
 */
async function preflight(ctx: BuiltinContext, started: number): Promise<BuiltinOutcome> {
  const level = preflightLevel(ctx.spec.env ?? {});
  say(
    ctx,
    `checking ${ctx.profile.hosts.length} host(s) over SSH at the ${level} level; nothing is changed`,
  );
  const report = await runPreflight(ctx.profile, {
    level,
    signal: ctx.signal,
    timeoutMs: Math.max(5_000, Math.min(120_000, ctx.hardDeadline - Date.now() - 5_000)),
  });
  if (ctx.signal.aborted) return { kind: 'aborted', durationMs: Date.now() - started };
  for (const line of formatReport(report).trimEnd().split('\n')) ctx.log('stdout', line);
  if (ctx.runDir !== undefined) {
    const file = path.join(ctx.runDir, PREFLIGHT_FILE);
    await fsp.writeFile(file, JSON.stringify(report, null, 2) + '\n', { mode: 0o600 });
    say(ctx, `report written to ${file}`);
  }
  if (report.status === 'fail') {
    const failing = report.hosts.filter((h) => h.status === 'fail').map((h) => h.host);
    return fail(
      ctx,
      started,
      `preflight failed on ${failing.join(', ')} (${report.summary.fail} failing check(s), fixes above); ` +
        'nothing was changed. Fix them and resume the run; `genestack-installer preflight PROFILE` ' +
        'checks again (and, on a terminal, shows unknown host keys to accept).',
      EXIT.preflightFailed,
    );
  }
  return { kind: 'exited', exitCode: 0, durationMs: Date.now() - started };
}

// ---- write-config ------------------------------------------------------------------------------

async function writeConfig(ctx: BuiltinContext, started: number): Promise<BuiltinOutcome> {
  const profile = ctx.profile;
  const configDir = profile.genestack.configDir;
  const files = renderConfigFiles(profile, {
    profileName: profile.metadata.name,
    profilePath: ctx.profilePath,
  });
  const plan = await planWrites(files, configDir);
  const changed = plan.filter((p) => p.status === 'changed');
  if (changed.length > 0 && !ctx.yes) {
    for (const p of changed) {
      for (const line of (p.diff ?? '').split('\n')) ctx.log('stdout', line);
    }
    return fail(
      ctx,
      started,
      `${changed.length} file(s) under ${configDir} differ from what the profile generates: ` +
        `${changed.map((p) => p.relativePath).join(', ')} (diffs above). Nothing was written. ` +
        'Resume with --yes to replace them (each is first copied to <file>.<UTC time>.bak), or run ' +
        '`genestack-installer config PROFILE --dry-run` to review.',
    );
  }
  const written = await applyWrites(plan.filter((p) => p.status !== 'unchanged'));
  for (const p of plan.filter((x) => x.status === 'unchanged')) say(ctx, `unchanged ${p.path}`);
  for (const w of written) {
    say(
      ctx,
      `${w.action} ${w.path}${w.backupPath ? ` (previous version kept as ${w.backupPath})` : ''}`,
    );
  }
  return { kind: 'exited', exitCode: 0, durationMs: Date.now() - started };
}

// ---- kubectl label / annotate --------------------------------------------------------------------

/** A kubectl command; `tolerate` matches output that makes a non-zero exit acceptable. */
export interface BuiltinCommand {
  argv: string[];
  tolerate?: RegExp;
}

/** Kubernetes node names are lower case (Kubespray names nodes after the inventory host names). */
const nodeName = (host: string) => host.toLowerCase();

/**
 * The labels of reference §2.3 and §3.4, from the inventory groups the profile resolves to,
 * then Kube-OVN's and setup-infrastructure.sh's (control-plane taint removed, load-balancer
 * exclusion removed). `--overwrite` makes a resume idempotent.
 */
export function labelNodeCommands(profile: ResolvedProfile): BuiltinCommand[] {
  const g = inventoryGroups(profile);
  const out: BuiltinCommand[] = [];
  const label = (hosts: readonly string[], labels: string[]) => {
    const names = [...new Set(hosts.map(nodeName))];
    if (names.length > 0) {
      out.push({ argv: ['kubectl', 'label', 'node', ...names, ...labels, '--overwrite'] });
    }
  };
  const nodes = new Set(g.kube_node);
  label(g.openstack_control_plane, ['openstack-control-plane=enabled']);
  // "With OVN we need the compute nodes to be 'network' nodes as well" (§2.3)
  label(g.openstack_compute_nodes, [
    'openstack-compute-node=enabled',
    'openstack-network-node=enabled',
  ]);
  label(g.ovn_network_nodes, ['openstack-network-node=enabled']);
  // Genestack's group->label table maps only cinder_storage_nodes to openstack-storage-node, but
  // setup-infrastructure.sh refuses to continue unless some node carries it (§2.3) and its
  // hyperconverged mode puts it on every node. Validation (rule role-missing) accepts any storage
  // role, so every storage host carries it: a Longhorn- or Ceph-only layout still passes.
  label(
    [...g.cinder_storage_nodes, ...g.longhorn_storage_nodes, ...g.ceph_storage_nodes],
    ['openstack-storage-node=enabled'],
  );
  label(g.longhorn_storage_nodes, ['longhorn.io/storage-node=enabled']);
  label(g.ceph_storage_nodes, ['ceph-storage-node=enabled', 'role=storage-node']);
  label(g.kube_node, ['node-role.kubernetes.io/worker=worker']);
  // etcd-only hosts are not nodes (src/genestack/inventory.ts isKubeNode)
  label(
    g.etcd.filter((h) => nodes.has(h)),
    ['node-role.kubernetes.io/etcd=etcd'],
  );
  const bySelector = (selector: string, labelArg: string) =>
    out.push({ argv: ['kubectl', 'label', 'node', '-l', selector, labelArg, '--overwrite'] });
  bySelector('beta.kubernetes.io/os=linux', 'kubernetes.io/os=linux');
  bySelector('node-role.kubernetes.io/control-plane', 'kube-ovn/role=master');
  bySelector('ovn.kubernetes.io/ovs_dp_type!=userspace', 'ovn.kubernetes.io/ovs_dp_type=kernel');
  if (profile.storage.backend === 'longhorn') {
    // setup-infrastructure.sh: Longhorn also runs on the control-plane nodes (§3.4)
    bySelector('node-role.kubernetes.io/control-plane', 'longhorn.io/storage-node=enabled');
  }
  out.push({
    argv: [
      'kubectl',
      'label',
      'node',
      '--all',
      'node.kubernetes.io/exclude-from-external-load-balancers-',
    ],
    tolerate: /not found/i,
  });
  out.push({
    argv: [
      'kubectl',
      'taint',
      'nodes',
      '-l',
      'node-role.kubernetes.io/control-plane',
      'node-role.kubernetes.io/control-plane:NoSchedule-',
    ],
    // Already removed (a resume), or never there.
    tolerate: /not found/i,
  });
  return out;
}

/**
 * The OVN annotations of reference §3.5 / §4.3 from the profile: every network node (compute
 * nodes are network nodes too) gets the bridge, port, mapping and zone; the gateway hosts
 * (network.ovn.gatewayHosts, default every network node) get gateway=enabled.
 */
export function annotateOvnCommands(profile: ResolvedProfile): BuiltinCommand[] {
  const ovn = profile.network.ovn;
  const bridge = ovn.bridge;
  const gateways =
    ovn.gatewayHosts ?? hostsWithRole(profile, 'ovn_network_nodes').map((h) => h.name);
  const out: BuiltinCommand[] = [
    {
      argv: [
        'kubectl',
        'annotate',
        'nodes',
        '-l',
        'openstack-network-node=enabled',
        'ovn.openstack.org/int_bridge=br-int',
        `ovn.openstack.org/bridges=${bridge}`,
        `ovn.openstack.org/ports=${bridge}:${profile.network.providerInterface}`,
        `ovn.openstack.org/mappings=${ovn.physnet}:${bridge}`,
        `ovn.openstack.org/availability_zones=${ovn.availabilityZone}`,
        '--overwrite',
      ],
    },
  ];
  const names = [...new Set(gateways.map(nodeName))];
  if (names.length > 0) {
    out.push({
      argv: [
        'kubectl',
        'annotate',
        'node',
        ...names,
        'ovn.openstack.org/gateway=enabled',
        '--overwrite',
      ],
    });
  }
  return out;
}

async function runAll(
  ctx: BuiltinContext,
  started: number,
  commands: BuiltinCommand[],
): Promise<BuiltinOutcome> {
  for (const c of commands) {
    say(ctx, `$ ${displayArgv(c.argv)}`);
    const lines: string[] = [];
    const r = await runProcess(
      { ...ctx.spec, argv: c.argv },
      {
        onLine: (stream, line) => {
          lines.push(line);
          ctx.log(stream, line);
        },
        signal: ctx.signal,
        hardDeadline: ctx.hardDeadline,
        graceMs: ctx.graceMs,
        onSpawn: ctx.onSpawn,
      },
    );
    if (r.kind !== 'exited') {
      if (r.kind === 'spawn-failed') return fail(ctx, started, r.error ?? 'could not start', 127);
      return { ...r, durationMs: Date.now() - started };
    }
    if (r.exitCode !== 0) {
      if (c.tolerate && lines.some((l) => c.tolerate!.test(l))) {
        say(ctx, `(exit ${r.exitCode}: nothing to change)`);
        continue;
      }
      return { kind: 'exited', exitCode: r.exitCode, durationMs: Date.now() - started };
    }
  }
  return { kind: 'exited', exitCode: 0, durationMs: Date.now() - started };
}

// ---- fetch-kubeconfig -------------------------------------------------------------------------------

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

/** Where the kubeconfig goes: genestack.kubeconfig, else ~/.kube/config (the ${kubeconfig} placeholder). */
export function kubeconfigTarget(profile: ResolvedProfile, home: string): string {
  return path.resolve(expandHome(profile.genestack.kubeconfig ?? '~/.kube/config', home));
}

/**
 * ssh to the first control-plane host with the profile's SSH settings (host key checking on)
 * and print Kubespray's admin kubeconfig. Only fixed words reach the remote shell.
 */
export function fetchKubeconfigArgv(
  profile: ResolvedProfile,
  home: string,
): { argv: string[]; host: string; address: string } {
  const cp = hostsWithRole(profile, 'kube_control_plane')[0];
  if (!cp)
    throw new Error('the profile has no kube_control_plane host to fetch the kubeconfig from');
  const ssh = profile.ssh;
  // A host's own SSH port and user (hosts[].ssh) win over the profile's.
  const port = cp.ssh?.port ?? ssh.port;
  const user = cp.ssh?.user ?? ssh.user;
  const argv = [
    'ssh',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'ConnectTimeout=15',
    '-p',
    String(port),
    '-l',
    user,
  ];
  if (ssh.identityFile)
    argv.push('-i', expandHome(ssh.identityFile, home), '-o', 'IdentitiesOnly=yes');
  if (ssh.proxyJump) argv.push('-J', ssh.proxyJump);
  argv.push(cp.address, '--');
  if (ssh.become && user !== 'root') argv.push('sudo', '-n');
  argv.push('cat', '/etc/kubernetes/admin.conf');
  return { argv, host: cp.name, address: cp.address };
}

/**
 * The kubeconfig with every cluster's server pointed at the control-plane host, as Genestack's
 * docs do with sed (reference §3.3). Throws when the text is not a kubeconfig.
 */
export function rewriteKubeconfig(text: string, address: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new Error(`the kubeconfig is not YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const clusters = doc.get('clusters', true) as { items?: unknown[] } | undefined;
  const items = Array.isArray(clusters?.items) ? clusters!.items : [];
  if (doc.get('kind') !== 'Config' || items.length === 0) {
    throw new Error('the file fetched is not a kubeconfig (no kind: Config with clusters)');
  }
  for (let i = 0; i < items.length; i++) {
    doc.setIn(['clusters', i, 'cluster', 'server'], `https://${address}:6443`);
  }
  return doc.toString();
}

async function fetchKubeconfig(ctx: BuiltinContext, started: number): Promise<BuiltinOutcome> {
  const home = ctx.home ?? os.homedir();
  const { argv, host, address } = fetchKubeconfigArgv(ctx.profile, home);
  const target = kubeconfigTarget(ctx.profile, home);
  say(ctx, `fetching /etc/kubernetes/admin.conf from ${host} (${address})`);
  say(ctx, `$ ${displayArgv(argv)}`);
  // stdout is the kubeconfig, with the cluster admin's key: kept in memory, never logged.
  const out: string[] = [];
  const r = await runProcess(
    { ...ctx.spec, argv },
    {
      onLine: (stream, line) => (stream === 'stdout' ? out.push(line) : ctx.log(stream, line)),
      signal: ctx.signal,
      hardDeadline: ctx.hardDeadline,
      graceMs: ctx.graceMs,
      onSpawn: ctx.onSpawn,
    },
  );
  if (r.kind === 'spawn-failed') return fail(ctx, started, r.error ?? 'ssh could not start', 127);
  if (r.kind !== 'exited') return { ...r, durationMs: Date.now() - started };
  if (r.exitCode !== 0) {
    return fail(
      ctx,
      started,
      `ssh to ${address} exited ${r.exitCode} (messages above); check the profile's ssh settings and that the host key is in known_hosts`,
      r.exitCode ?? 1,
    );
  }
  const content = rewriteKubeconfig(out.join('\n') + '\n', address);
  await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  let existing: string | undefined;
  try {
    existing = await fsp.readFile(target, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (existing === content) {
    say(ctx, `unchanged ${target}`);
    return { kind: 'exited', exitCode: 0, durationMs: Date.now() - started };
  }
  let backup: string | undefined;
  if (existing !== undefined) {
    if (!ctx.yes) {
      return fail(
        ctx,
        started,
        `${target} exists and differs from the cluster's kubeconfig; nothing was written. Resume with --yes ` +
          'to replace it (a backup is kept), or point genestack.kubeconfig in the profile at another file.',
      );
    }
    backup = backupPathFor(target, new Date());
    await fsp.copyFile(target, backup, constants.COPYFILE_EXCL);
    await fsp.chmod(backup, 0o600);
  }
  const tmp = `${target}.tmp-${process.pid}`;
  await fsp.writeFile(tmp, content, { mode: 0o600 });
  await fsp.chmod(tmp, 0o600);
  await fsp.rename(tmp, target);
  say(
    ctx,
    `wrote ${target} (mode 0600, server https://${address}:6443)${backup ? `; previous version kept as ${backup}` : ''}`,
  );
  return { kind: 'exited', exitCode: 0, durationMs: Date.now() - started };
}

// ---- install-kubectl ------------------------------------------------------------------------------

async function installKubectl(ctx: BuiltinContext, started: number): Promise<BuiltinOutcome> {
  const lines: string[] = [];
  const r = await runProcess(
    { ...ctx.spec, argv: ['kubectl', 'version', '--client'] },
    {
      onLine: (_s, line) => lines.push(line),
      signal: ctx.signal,
      hardDeadline: Math.min(ctx.hardDeadline, Date.now() + 60_000),
      graceMs: ctx.graceMs,
      onSpawn: ctx.onSpawn,
    },
  );
  if (r.kind === 'exited' && r.exitCode === 0) {
    say(
      ctx,
      `kubectl is already installed: ${lines.find((l) => l.trim() !== '') ?? 'kubectl version --client exits 0'}`,
    );
    return { kind: 'exited', exitCode: 0, durationMs: Date.now() - started };
  }
  if (r.kind === 'aborted' || r.kind === 'timed-out')
    return { ...r, durationMs: Date.now() - started };
  return fail(
    ctx,
    started,
    'not implemented: this installer does not download kubectl yet, and `kubectl version --client` ' +
      `does not work here (${r.kind === 'spawn-failed' ? 'kubectl not found on PATH' : `exit ${r.exitCode}`}). ` +
      "Install kubectl matching the cluster's version, and kubectl-ko (Genestack docs/k8s-tools.md, reference §3.3), " +
      'then resume the run.',
  );
}
