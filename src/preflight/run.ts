// Preflight of a profile's hosts: one `ssh HOST sh -s` per host (the discovery probe plus
// assets/preflight.sh), a bounded number at a time, then the pure checks of checks.ts over what
// came back. Nothing on a host is changed.
//
// SSH is discovery's (src/discovery/ssh.ts): BatchMode, host keys always checked
// (StrictHostKeyChecking=yes, or accept-new when asked), the failure classified from ssh's exit
// code and stderr. No multiplexing: each host is one connection, and nothing is left running
// when preflight ends (the deploy's engine runs it and goes on for hours).
import { execa } from 'execa';
import { PROBE_SCRIPT } from '../discovery/assets';
import {
  DEFAULT_HOST_TIMEOUT_MS,
  DEFAULT_JOBS,
  DEFAULT_JOBS_VIA_JUMP,
} from '../discovery/discover';
import { judgeDisks } from '../discovery/eligibility';
import { parseProbeOutput } from '../discovery/parse';
import {
  checkHost,
  osdPolicy,
  worst,
  type Level,
  type Requirements,
} from '../discovery/requirements';
import {
  buildProbeArgv,
  classifySshFailure,
  fetchHostKeys,
  sshOptionsFromProfile,
  type SshOptions,
} from '../discovery/ssh';
import type { HostFacts, HostFailed, HostTarget } from '../discovery/types';
import { builtinRequirements } from '../discovery/assets';
import type { ResolvedProfile } from '../profile/normalize';
import { osdDiskPath } from '../profile/vocabulary';
import { builtinPreflightConfig, PREFLIGHT_SCRIPT } from './assets';
import {
  checkContainerDisk,
  checkDns,
  checkHardware,
  checkKernel,
  checkManagementInterface,
  checkOsdDisk,
  checkProviderInterface,
  checkReachability,
  checkSsh,
  checkSudo,
  checkTimeSync,
  checkTmpExec,
} from './checks';
import { runtimeThresholds, type PreflightConfig } from './config';
import { parsePreflightOutput } from './parse';
import { buildPreflightInput, isSafeToken, type HostWork } from './script';
import type { HostReport, PreflightCheck, PreflightFacts, PreflightReport } from './types';

export interface PreflightOptions {
  level: Level;
  /** Extra SSH settings on top of the profile's (known_hosts file, accept-new, ssh binary). */
  ssh?: SshOptions;
  /** Hosts in flight at once (default as discovery: 16, 10 through a jump host). */
  jobs?: number;
  /** Per host, connection and scripts together. */
  timeoutMs?: number;
  requirements?: Requirements;
  config?: PreflightConfig;
  /** Fetch the offered host keys (ssh-keyscan) when a key is unknown. Default true. */
  fetchUnknownHostKeys?: boolean;
  signal?: AbortSignal;
  /** Each host as it finishes (completion order). */
  onHostDone?: (host: string, index: number, gathered: Gathered) => void;
}

export type Gathered =
  | { status: 'ok'; target: HostTarget; facts: HostFacts; pf: PreflightFacts; durationMs: number }
  | HostFailed;

/** The SSH target of each profile host: its address, its own user and port or the profile's. */
export function profileTargets(profile: ResolvedProfile): HostTarget[] {
  return profile.hosts.map((h) => ({
    host: h.name,
    address: h.address,
    port: h.ssh?.port ?? profile.ssh.port,
    user: h.ssh?.user ?? profile.ssh.user,
    groups: [...h.roles],
  }));
}

export function sshOptionsFor(profile: ResolvedProfile, extra: SshOptions = {}): SshOptions {
  return { ...sshOptionsFromProfile(profile.ssh), ...extra, multiplex: false };
}

/** What the script on host `index` has to look at. */
export function workFor(
  profile: ResolvedProfile,
  index: number,
  config: PreflightConfig,
): HostWork {
  return {
    become: profile.ssh.become,
    timeoutSeconds: config.reachability.timeoutSeconds,
    runtimeDir: config.containerRuntime.path,
    names: profile.hosts.map((h) => h.name),
    peers: profile.hosts
      .filter((_, i) => i !== index)
      .map((h) => ({ address: h.address, port: h.ssh?.port ?? profile.ssh.port })),
    disks: profile.hosts[index]!.osdDisks.map(osdDiskPath),
  };
}

function failed(
  target: HostTarget,
  started: number,
  kind: HostFailed['status'],
  error: string,
  fix: string,
  stderr: string,
): HostFailed {
  return {
    host: target.host,
    target,
    status: kind,
    error,
    fix,
    stderr: stderr.trim().slice(-4000),
    durationMs: Date.now() - started,
  };
}

/** One host, one round trip. Never throws for a host problem: failures are results. */
export async function gatherHost(
  target: HostTarget,
  input: string,
  ssh: SshOptions,
  opts: Pick<PreflightOptions, 'timeoutMs' | 'signal' | 'fetchUnknownHostKeys' | 'requirements'>,
): Promise<Gathered> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HOST_TIMEOUT_MS;
  const r = await execa(ssh.sshBinary ?? 'ssh', buildProbeArgv(target, ssh), {
    input,
    reject: false,
    timeout: timeoutMs,
    forceKillAfterDelay: 2000,
    stripFinalNewline: false,
    cancelSignal: opts.signal,
  });
  const stderr = typeof r.stderr === 'string' ? r.stderr : '';
  const stdout = typeof r.stdout === 'string' ? r.stdout : '';
  if (r.isCanceled) {
    return failed(target, started, 'timeout', 'preflight was cancelled', 'run it again', stderr);
  }
  const who = {
    host: target.address,
    user: target.user ?? ssh.user ?? null,
    port: target.port ?? ssh.port ?? null,
  };
  const noOutput = r.exitCode === 0 && !stdout.includes('==> gsi:');
  const failure = classifySshFailure({
    exitCode: r.exitCode,
    stderr,
    timedOut: r.timedOut,
    timeoutMs,
    who,
    noOutput,
  });
  if (failure !== null) {
    const result = failed(target, started, failure.kind, failure.error, failure.fix, stderr);
    if (failure.kind === 'hostKeyUnknown' && opts.fetchUnknownHostKeys !== false) {
      const keys = await fetchHostKeys(target, ssh).catch(() => null);
      if (keys && keys.length > 0) {
        result.hostKeys = keys;
        result.error += ` (${keys[0]!.type} ${keys[0]!.fingerprint})`;
      }
    }
    return result;
  }
  const req = opts.requirements ?? builtinRequirements();
  const { facts } = parseProbeOutput(stdout);
  return {
    status: 'ok',
    target,
    facts: judgeDisks(facts, osdPolicy(req)),
    pf: parsePreflightOutput(stdout),
    durationMs: Date.now() - started,
  };
}

/** Gather every host with at most `jobs` in flight; results in profile order. */
export async function gatherAll(
  profile: ResolvedProfile,
  opts: PreflightOptions,
): Promise<Gathered[]> {
  const config = opts.config ?? builtinPreflightConfig();
  const ssh = sshOptionsFor(profile, opts.ssh);
  const targets = profileTargets(profile);
  const jobs = Math.max(
    1,
    Math.min(opts.jobs ?? (ssh.proxyJump ? DEFAULT_JOBS_VIA_JUMP : DEFAULT_JOBS), targets.length),
  );
  const results: Gathered[] = new Array(targets.length);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      results[index] = await gatherOne(profile, index, opts, config, ssh);
      opts.onHostDone?.(targets[index]!.host, index, results[index]!);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return results;
}

/** Gather host `index` again (after its host key was accepted). */
export function gatherOne(
  profile: ResolvedProfile,
  index: number,
  opts: PreflightOptions,
  config: PreflightConfig = opts.config ?? builtinPreflightConfig(),
  ssh: SshOptions = sshOptionsFor(profile, opts.ssh),
): Promise<Gathered> {
  const input = buildPreflightInput(
    PROBE_SCRIPT,
    PREFLIGHT_SCRIPT,
    workFor(profile, index, config),
  );
  return gatherHost(profileTargets(profile)[index]!, input, ssh, opts);
}

/** Every check of host `index`, from what was gathered on every host. */
export function judgeHost(
  profile: ResolvedProfile,
  index: number,
  all: readonly Gathered[],
  level: Level,
  req: Requirements,
  config: PreflightConfig,
): HostReport {
  const host = profile.hosts[index]!;
  const g = all[index]!;
  const report = (checks: PreflightCheck[]): HostReport => ({
    host: host.name,
    address: host.address,
    status: worst(checks.map((c) => c.status)),
    durationMs: g.durationMs,
    checks,
  });
  if (g.status !== 'ok') return report([checkSsh({ ok: false, failure: g })]);

  const { facts, pf } = g;
  const user = host.ssh?.user ?? profile.ssh.user;
  const checks: PreflightCheck[] = [checkSsh({ ok: true, user })];
  if (!pf.complete) {
    checks[0] = {
      ...checks[0]!,
      status: 'warning',
      message: `${checks[0]!.message}, but the preflight script's output is incomplete: some checks show unknown`,
      fix: 'check that /bin/sh on the host runs the script (its stderr: ssh HOST sh -s < script)',
    };
  }
  checks.push(checkSudo(pf.sudo, profile.ssh.become, user));
  const all0 = req.levels[level].roles.all;
  checks.push(checkKernel(facts.kernel, all0?.kernel?.min ?? '6.8'));
  checks.push(checkHardware(checkHost(facts, host.roles, level, req)));
  checks.push(
    checkManagementInterface(
      facts.nics,
      profile.network.managementInterface,
      host.address,
      facts.nicAddressesKnown,
    ),
  );
  checks.push(
    checkProviderInterface(facts.nics, profile.network.providerInterface, facts.nicAddressesKnown),
  );
  checks.push(
    checkReachability(
      profile.hosts
        .map((h, i) => ({
          name: h.name,
          address: h.address,
          port: h.ssh?.port ?? profile.ssh.port,
          downForBastion: all[i]?.status !== 'ok',
        }))
        .filter((_, i) => i !== index),
      pf.peers,
    ),
  );
  checks.push(checkTimeSync(facts.timeSync, all0?.timeSync ?? 'warning'));
  checks.push(checkDns(host.name, profile.hosts, pf.dns, config.dns));
  checks.push(checkTmpExec(pf.tmp, facts.filesystems.tmpNoexec));
  checks.push(
    checkContainerDisk(pf.runtime, config.containerRuntime.path, runtimeThresholds(config, level)),
  );
  for (const entry of host.osdDisks) {
    const path = osdDiskPath(entry);
    const probe = isSafeToken(path)
      ? (pf.disks.find((d) => d.path === path) ?? 'no-answer')
      : 'unsafe';
    checks.push(checkOsdDisk(entry, probe));
  }
  return report(checks);
}

export function buildReport(
  profile: ResolvedProfile,
  gathered: readonly Gathered[],
  opts: { level: Level; requirements?: Requirements; config?: PreflightConfig; startedAt: Date },
): PreflightReport {
  const req = opts.requirements ?? builtinRequirements();
  const config = opts.config ?? builtinPreflightConfig();
  const hosts = profile.hosts.map((_, i) =>
    judgeHost(profile, i, gathered, opts.level, req, config),
  );
  const all = hosts.flatMap((h) => h.checks);
  const count = (s: string) => all.filter((c) => c.status === s).length;
  return {
    version: 1,
    profile: profile.metadata.name,
    level: opts.level,
    startedAt: opts.startedAt.toISOString(),
    durationMs: Date.now() - opts.startedAt.getTime(),
    status: worst(hosts.map((h) => h.status)),
    summary: {
      hosts: hosts.length,
      pass: count('pass'),
      warning: count('warning'),
      fail: count('fail'),
    },
    hosts,
  };
}

/** Gather and judge every host of the profile. */
export async function runPreflight(
  profile: ResolvedProfile,
  opts: PreflightOptions,
): Promise<PreflightReport> {
  const startedAt = new Date();
  const gathered = await gatherAll(profile, opts);
  return buildReport(profile, gathered, { ...opts, startedAt });
}
