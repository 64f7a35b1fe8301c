// Done-checks, as the engine runs them after a phase's command exited 0 (and before it, for
// skipIfDone). A phase is done only when every check passes: Genestack's scripts exit before
// their workloads are ready.
//
// - `command` checks run their argv (phase environment and working directory) every
//   intervalSeconds until one exits 0 or the check's time is up;
// - every other kind is a Kubernetes check, watched live through src/kube's CheckWatcher
//   (list+watch, no polling) with the profile's kubeconfig;
// - a check's time is its timeoutSeconds, else the rest of the phase's hard timeout; when it
//   runs out and the check has `recover`, the recovery command runs once and the check gets
//   recover.timeoutSeconds more;
// - every status or detail change is a check-status event.
import { describeCheck, type DoneCheck } from '../plan/checks';
import { CheckWatcher, isCommandCheck, type CheckResult } from '../kube/checks';
import type { KubeClient } from '../kube/client';
import type { CheckStatus, JournalEventInput, LogStream } from '../journal/events';
import { runProcess, type ProcessSpec } from './process';

export interface CheckContext {
  phaseId: string;
  /** Environment and working directory of the phase. */
  spec: Omit<ProcessSpec, 'argv'>;
  emit: (ev: JournalEventInput) => void;
  /** Writes a line to the phase log (recovery commands' output). */
  log: (stream: LogStream, line: string) => void;
  signal: AbortSignal;
  graceMs: number;
  /** The cluster client; throws (UserError) when the kubeconfig cannot be used. */
  kube: () => KubeClient;
  now?: () => number;
}

export interface ChecksOutcome {
  passed: boolean;
  aborted: boolean;
  /** One line per check that did not pass: its description, status and last detail. */
  problems: string[];
}

interface Entry {
  check: DoneCheck;
  name: string;
  status: CheckStatus;
  detail: string;
  deadline: number;
  recovered: boolean;
  recovering: boolean;
  gaveUp: boolean;
}

/** The name a check-status event carries: what must hold. */
export function checkName(check: DoneCheck): string {
  return describeCheck(check);
}

const COMMAND_CHECK_LIMIT_MS = 5 * 60_000;
const KUBECONFIG_RETRY_MS = 5000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function lastLine(lines: string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (l !== '') return l.length > 300 ? `${l.slice(0, 300)}…` : l;
  }
  return '';
}

/** Runs a command check once: passing on exit 0, failing with why otherwise. */
async function runCommandOnce(
  ctx: CheckContext,
  argv: string[],
  deadline: number,
  signal: AbortSignal,
): Promise<{ status: CheckStatus; detail: string }> {
  const lines: string[] = [];
  const r = await runProcess(
    { ...ctx.spec, argv },
    {
      onLine: (_s, line) => {
        lines.push(line);
        if (lines.length > 20) lines.shift();
      },
      signal,
      hardDeadline: Math.min(deadline, Date.now() + COMMAND_CHECK_LIMIT_MS),
      graceMs: ctx.graceMs,
    },
  );
  const tail = lastLine(lines);
  switch (r.kind) {
    case 'exited':
      return r.exitCode === 0
        ? { status: 'passing', detail: 'exit 0' }
        : { status: 'failing', detail: `exit ${r.exitCode}${tail ? `: ${tail}` : ''}` };
    case 'spawn-failed':
      return { status: 'failing', detail: r.error ?? 'could not start' };
    case 'timed-out':
      return { status: 'failing', detail: 'did not finish in time' };
    case 'aborted':
      return { status: 'failing', detail: 'stopped' };
  }
}

/**
 * Waits until every check passes, one gives up (its time, and its recovery's, ran out), or
 * the run is aborted. `hardDeadline` is the end of the phase's attempt.
 */
export async function waitForDoneChecks(
  ctx: CheckContext,
  checks: readonly DoneCheck[],
  hardDeadline: number,
): Promise<ChecksOutcome> {
  const now = ctx.now ?? Date.now;
  if (checks.length === 0) return { passed: true, aborted: false, problems: [] };
  const start = now();
  const entries: Entry[] = checks.map((check) => ({
    check,
    name: checkName(check),
    status: 'pending',
    detail: 'not started',
    deadline: check.timeoutSeconds ? start + check.timeoutSeconds * 1000 : hardDeadline,
    recovered: false,
    recovering: false,
    gaveUp: false,
  }));
  const local = new AbortController();
  const onAbort = () => local.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let wake: (() => void) | null = null;
  const notify = () => wake?.();

  const set = (e: Entry, status: CheckStatus, detail: string) => {
    if (e.status === status && e.detail === detail) return;
    e.status = status;
    e.detail = detail;
    ctx.emit({ type: 'check-status', phaseId: ctx.phaseId, check: e.name, status, detail });
    notify();
  };
  for (const e of entries) {
    ctx.emit({ type: 'check-status', phaseId: ctx.phaseId, check: e.name, status: 'pending' });
  }

  const recover = async (e: Entry) => {
    const r = e.check.recover!;
    e.recovering = true;
    ctx.log('stdout', `[installer] check not passing: ${e.name}; recovering: ${r.description}`);
    const res = await runProcess(
      { ...ctx.spec, argv: r.argv },
      {
        onLine: (stream, line) => ctx.log(stream, line),
        signal: local.signal,
        hardDeadline: now() + r.timeoutSeconds * 1000,
        graceMs: ctx.graceMs,
      },
    );
    const how =
      res.kind === 'exited'
        ? `exit ${res.exitCode}`
        : res.kind === 'spawn-failed'
          ? res.error
          : res.kind;
    ctx.log('stdout', `[installer] recovery "${r.description}" ended (${how})`);
    e.recovered = true;
    e.recovering = false;
    e.deadline = now() + r.timeoutSeconds * 1000;
    notify();
  };

  /** Past its time: recover once, or give up. */
  const expire = (e: Entry) => {
    if (e.status === 'passing' || e.gaveUp || e.recovering) return;
    if (now() < e.deadline) return;
    if (e.check.recover && !e.recovered) {
      void recover(e);
      return;
    }
    e.gaveUp = true;
    notify();
  };

  // Command checks: each in its own loop.
  const loops = entries
    .filter((e) => isCommandCheck(e.check))
    .map(async (e) => {
      const c = e.check as Extract<DoneCheck, { kind: 'command' }>;
      while (!local.signal.aborted && !e.gaveUp) {
        if (!e.recovering) {
          const r = await runCommandOnce(
            ctx,
            c.argv,
            Math.max(e.deadline, now() + 1000),
            local.signal,
          );
          if (local.signal.aborted) return;
          set(e, r.status, r.detail);
          if (r.status === 'passing') return;
          expire(e);
          if (e.gaveUp) return;
        }
        await sleep(
          Math.min(c.intervalSeconds * 1000, Math.max(0, e.deadline - now()) + 10),
          local.signal,
        );
      }
    });

  // Kubernetes checks: one watcher for all.
  const kubeEntries = entries.filter((e) => !isCommandCheck(e.check));
  let watcher: CheckWatcher | null = null;
  let kubeTimer: NodeJS.Timeout | null = null;
  const startWatcher = () => {
    if (local.signal.aborted || watcher !== null) return;
    let client: KubeClient;
    try {
      client = ctx.kube();
    } catch (err) {
      for (const e of kubeEntries) set(e, 'failing', (err as Error).message);
      kubeTimer = setTimeout(startWatcher, KUBECONFIG_RETRY_MS);
      return;
    }
    watcher = new CheckWatcher(
      client,
      kubeEntries.map((e) => e.check),
    );
    watcher.onChange((results: CheckResult[]) => {
      results.forEach((r, i) => {
        const e = kubeEntries[i];
        if (e && !e.gaveUp) set(e, r.status, r.detail);
      });
    });
    watcher.start();
    for (const [i, r] of watcher.results().entries()) {
      const e = kubeEntries[i];
      if (e) set(e, r.status, r.detail);
    }
  };
  if (kubeEntries.length > 0) startWatcher();
  // Deadlines of kube checks (command checks look at theirs after each run).
  const ticker = setInterval(() => {
    for (const e of kubeEntries) expire(e);
  }, 500);

  try {
    for (;;) {
      if (local.signal.aborted) break;
      if (entries.every((e) => e.status === 'passing')) break;
      if (entries.some((e) => e.gaveUp && e.status !== 'passing')) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(t);
          wake = null;
          resolve();
        };
      });
    }
  } finally {
    clearInterval(ticker);
    if (kubeTimer) clearTimeout(kubeTimer);
    ctx.signal.removeEventListener('abort', onAbort);
    local.abort();
    await Promise.all(loops);
    await (watcher as CheckWatcher | null)?.stop();
  }

  const passed = entries.every((e) => e.status === 'passing');
  return {
    passed,
    aborted: !passed && ctx.signal.aborted,
    problems: entries
      .filter((e) => e.status !== 'passing')
      .map((e) => `${e.name}: ${e.status}${e.detail ? ` (${e.detail})` : ''}`),
  };
}

/**
 * For skipIfDone: do the checks pass right now? Command checks run once; Kubernetes checks are
 * judged after their first list (at most `kubeWaitMs`). No check-status events: the phase has
 * not started.
 */
export async function checksPassNow(
  ctx: CheckContext,
  checks: readonly DoneCheck[],
  kubeWaitMs = 30_000,
): Promise<{ pass: boolean; detail: string }> {
  if (checks.length === 0) return { pass: false, detail: 'the phase has no done-checks' };
  for (const c of checks.filter(isCommandCheck)) {
    const r = await runCommandOnce(ctx, c.argv, Date.now() + 60_000, ctx.signal);
    if (r.status !== 'passing') return { pass: false, detail: `${checkName(c)}: ${r.detail}` };
  }
  const kube = checks.filter((c) => !isCommandCheck(c));
  if (kube.length === 0) return { pass: true, detail: 'every check passes' };
  let client: KubeClient;
  try {
    client = ctx.kube();
  } catch (err) {
    return { pass: false, detail: (err as Error).message };
  }
  const watcher = new CheckWatcher(client, kube).start();
  try {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        ctx.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, kubeWaitMs);
      const off = watcher.onChange((results) => {
        if (results.every((r) => r.status !== 'pending')) done();
      });
      ctx.signal.addEventListener('abort', done, { once: true });
      if (watcher.results().every((r) => r.status !== 'pending')) done();
    });
    const open = watcher.results().find((r) => r.status !== 'passing');
    return open
      ? { pass: false, detail: `${checkName(open.check)}: ${open.status} (${open.detail})` }
      : { pass: true, detail: 'every check passes' };
  } finally {
    await watcher.stop();
  }
}
