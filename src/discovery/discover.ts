// Discovery of many hosts: one ssh round trip per host, a bounded number at a time, each
// with its own time limit; results stream as events so a screen can show each host as it
// arrives. The probe text is passed in (never imported here) so tools that cannot load the
// .sh asset, like the benchmark under tsx, can use this module.
import { execa } from 'execa';
import { setMaxListeners } from 'node:events';
import { judgeDisks, DEFAULT_OSD_POLICY, type EligibilityPolicy } from './eligibility';
import { parseProbeOutput } from './parse';
import {
  buildProbeArgv,
  classifySshFailure,
  closeMaster,
  fetchHostKeys,
  type SshOptions,
} from './ssh';
import type { DiscoveryEvent, HostFailed, HostResult, HostTarget } from './types';

/**
 * Default concurrency. On a real bastion a host costs mostly waiting: about 6 network round
 * trips (TCP, key exchange, authentication, session), the target's own key exchange and the
 * probe (~20 ms). The bastion's part is the ssh client's share of the key exchange (132 ms of
 * CPU per host on the 2-core development VM with OpenSSH 9.2, far less with newer key
 * exchanges; docs/benchmarks.md). 16 in flight hide a LAN's latency without queueing many
 * more key exchanges than a bastion has cores; more only helps with idle cores and long round
 * trips. Through a jump host the CLI uses 10: the jump host's sshd (MaxStartups 10:30:100)
 * starts dropping unauthenticated connections above 10.
 */
export const DEFAULT_JOBS = 16;
export const DEFAULT_HOST_TIMEOUT_MS = 60_000;
/** Jobs through a single jump host: its sshd's MaxStartups (10:30:100) starts dropping above 10. */
export const DEFAULT_JOBS_VIA_JUMP = 10;

export interface DiscoverOptions {
  /** assets/probe.sh, as text. */
  probeScript: string;
  ssh?: SshOptions;
  /** Hosts in flight at once. */
  jobs?: number;
  /** Per host, connection and probe together; the ssh process is killed after it. */
  timeoutMs?: number;
  /** Ceph OSD disk floor (requirements.yaml osdDisk). */
  osdPolicy?: EligibilityPolicy;
  /** Fetch the offered host keys (ssh-keyscan) when a key is unknown. Default true. */
  fetchUnknownHostKeys?: boolean;
  signal?: AbortSignal;
}

function who(target: HostTarget, ssh: SshOptions) {
  return {
    host: target.address,
    user: target.user ?? ssh.user ?? null,
    port: target.port ?? ssh.port ?? null,
  };
}

/** Parse + judge a successful probe's output into a result. */
function okOrProbeFailed(
  target: HostTarget,
  stdout: string,
  stderr: string,
  started: number,
  policy: EligibilityPolicy,
): HostResult {
  const { facts, warnings } = parseProbeOutput(stdout);
  if (
    facts.probeVersion === null &&
    warnings.some((w) => w.startsWith('the probe printed nothing'))
  ) {
    const f = classifySshFailure({
      exitCode: 0,
      stderr,
      timedOut: false,
      timeoutMs: 0,
      who: { host: target.address, user: null, port: null },
      noOutput: true,
    })!;
    return {
      host: target.host,
      target,
      status: f.kind,
      error: f.error,
      fix: f.fix,
      stderr: stderr.trim(),
      durationMs: Date.now() - started,
    };
  }
  return {
    host: target.host,
    target,
    status: 'ok',
    facts: judgeDisks(facts, policy),
    warnings,
    durationMs: Date.now() - started,
  };
}

/** Discover one host over SSH. Never throws for a host problem: failures are results. */
export async function discoverOne(target: HostTarget, opts: DiscoverOptions): Promise<HostResult> {
  const ssh = opts.ssh ?? {};
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HOST_TIMEOUT_MS;
  const started = Date.now();
  // Our own time limit rather than execa's: with multiplexing the master holds the session's
  // stdio (ssh passes it the client's file descriptors), so killing the client alone leaves
  // the pipes open while the remote command hangs. The master is told to exit first.
  const kill = new AbortController();
  let timedOut = false;
  const onOuterAbort = () => kill.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const proc = execa(ssh.sshBinary ?? 'ssh', buildProbeArgv(target, ssh), {
    input: opts.probeScript,
    reject: false,
    forceKillAfterDelay: 2000,
    stripFinalNewline: false,
    cancelSignal: kill.signal,
  });
  let stuck: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    void closeMaster(target, ssh)
      .catch(() => undefined)
      .finally(() => {
        kill.abort();
        // Last resort: stop waiting for output nobody will read.
        stuck = setTimeout(() => {
          proc.stdout?.destroy();
          proc.stderr?.destroy();
        }, 3000);
      });
  }, timeoutMs);
  const r = await proc;
  clearTimeout(timer);
  clearTimeout(stuck);
  opts.signal?.removeEventListener('abort', onOuterAbort);

  const stderr = typeof r.stderr === 'string' ? r.stderr : '';
  if (r.isCanceled && !timedOut) {
    return failed(target, started, 'timeout', 'discovery was cancelled', 'run it again', stderr);
  }
  const failure = classifySshFailure({
    exitCode: r.exitCode,
    stderr,
    timedOut,
    timeoutMs,
    who: who(target, ssh),
  });
  if (failure === null) {
    return okOrProbeFailed(target, r.stdout, stderr, started, opts.osdPolicy ?? DEFAULT_OSD_POLICY);
  }
  const result = failed(target, started, failure.kind, failure.error, failure.fix, stderr);
  if (failure.kind === 'hostKeyUnknown' && opts.fetchUnknownHostKeys !== false) {
    const keys = await fetchHostKeys(target, ssh).catch(() => null);
    if (keys && keys.length > 0) {
      result.hostKeys = keys;
      result.error += ` (${keys[0]!.type} ${keys[0]!.fingerprint})`;
    } else if (keys === null) {
      result.fix =
        'connect once by hand (ssh through the jump host) to check and record the key, or re-run with --accept-new-host-keys';
    }
  }
  result.durationMs = Date.now() - started;
  return result;
}

function failed(
  target: HostTarget,
  started: number,
  status: HostFailed['status'],
  error: string,
  fix: string,
  stderr: string,
): HostFailed {
  return {
    host: target.host,
    target,
    status,
    error,
    fix,
    stderr: stderr.trim().slice(-4000),
    durationMs: Date.now() - started,
  };
}

/** The bastion itself: the same probe, run locally with sh, no SSH. */
export async function discoverLocal(
  opts: Pick<DiscoverOptions, 'probeScript' | 'osdPolicy' | 'timeoutMs' | 'signal'> & {
    host?: string;
  },
): Promise<HostResult> {
  const target: HostTarget = { host: opts.host ?? 'bastion', address: 'localhost' };
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_HOST_TIMEOUT_MS;
  const r = await execa('sh', ['-s'], {
    input: opts.probeScript,
    reject: false,
    timeout: timeoutMs,
    stripFinalNewline: false,
    cancelSignal: opts.signal,
  });
  if (r.timedOut || r.exitCode !== 0) {
    const f = classifySshFailure({
      exitCode: r.exitCode === 255 ? 1 : r.exitCode,
      stderr: r.stderr,
      timedOut: r.timedOut,
      timeoutMs,
      who: { host: 'localhost', user: null, port: null },
    });
    if (f !== null) return failed(target, started, f.kind, f.error, f.fix, r.stderr);
  }
  return okOrProbeFailed(target, r.stdout, r.stderr, started, opts.osdPolicy ?? DEFAULT_OSD_POLICY);
}

// ---- many hosts ---------------------------------------------------------------------------

function jobsFor(opts: DiscoverOptions, n: number): number {
  return Math.max(1, Math.min(opts.jobs ?? DEFAULT_JOBS, n || 1));
}

/**
 * Discover hosts with at most `jobs` in flight. Events arrive as hosts start and finish;
 * `host-done` events come in completion order, `index` is the target's position.
 * Breaking out of the loop cancels the hosts still running.
 */
export async function* discoverHosts(
  targets: readonly HostTarget[],
  opts: DiscoverOptions,
): AsyncGenerator<DiscoveryEvent, void, undefined> {
  const controller = new AbortController();
  // Every running ssh listens for the abort.
  setMaxListeners(jobsFor(opts, targets.length) + 8, controller.signal);
  const queue: DiscoveryEvent[] = [];
  let wake: (() => void) | null = null;
  const onOuterAbort = () => controller.abort();
  controller.signal.addEventListener('abort', () => wake?.(), { once: true });
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const inner: DiscoverOptions = { ...opts, signal: controller.signal };
  const jobs = jobsFor(opts, targets.length);

  const push = (e: DiscoveryEvent) => {
    queue.push(e);
    wake?.();
    wake = null;
  };
  let next = 0;
  let running = 0;
  let finished = 0;
  const worker = async () => {
    while (next < targets.length && !controller.signal.aborted) {
      const index = next++;
      const target = targets[index]!;
      running++;
      push({ type: 'host-started', host: target.host, index });
      const result = await discoverOne(target, inner);
      running--;
      finished++;
      push({ type: 'host-done', host: target.host, index, result });
    }
  };
  const all = Promise.all(Array.from({ length: jobs }, worker));
  try {
    while (finished < targets.length || queue.length > 0) {
      if (queue.length === 0) {
        if (controller.signal.aborted && running === 0) break;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      yield queue.shift()!;
    }
    await all;
  } finally {
    controller.abort();
    opts.signal?.removeEventListener('abort', onOuterAbort);
    await all.catch(() => undefined);
  }
}

/** All results in the order of `targets`; `onEvent` sees the stream as it happens. */
export async function discoverAll(
  targets: readonly HostTarget[],
  opts: DiscoverOptions,
  onEvent?: (e: DiscoveryEvent) => void,
): Promise<HostResult[]> {
  const results: HostResult[] = new Array(targets.length);
  for await (const e of discoverHosts(targets, opts)) {
    onEvent?.(e);
    if (e.type === 'host-done') results[e.index] = e.result;
  }
  return results;
}

/** Close every multiplexed connection discovery left open (ControlPersist). */
export async function closeMasters(targets: readonly HostTarget[], ssh: SshOptions): Promise<void> {
  await Promise.all(targets.map((t) => closeMaster(t, ssh).catch(() => undefined)));
}
