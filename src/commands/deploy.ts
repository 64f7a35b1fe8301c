// `genestack-installer deploy PROFILE`: starts the run (src/engine/start.ts: validates the
// profile, builds the plan, takes the locks, creates the run or reopens it with --resume, starts
// the engine detached from this terminal), then follows it until it finishes (unless
// --no-attach): the dashboard on a terminal, else plain lines or, with --json, the journal's
// events. Also the hidden `__engine RUNDIR` command the detached process runs.
import path from 'node:path';
import { EXIT } from '../exitCodes';
import { thisViewer } from '../engine/control';
import type { Launched } from '../engine/detach';
import { engineAlive } from '../engine/alive';
import { chooseView, followRun, jsonPrinter, plainPrinter } from '../engine/follow';
import { exitCodeFor } from '../engine/outcome';
import { startRun, type StartOptions } from '../engine/start';
import { RUN_FILES } from '../engine/stateDir';
import type { CommandIO } from './io';

export { DEFAULT_KILL_GRACE_SECONDS, KILL_GRACE_ENV } from '../engine/start';

/**
 * GENESTACK_INSTALLER_CATALOG=FILE is `--catalog FILE` (the flag wins), for testing or a custom
 * catalog: it reaches the deploy the wizard starts ("deploy now"), which takes no flags.
 */
export const CATALOG_ENV = 'GENESTACK_INSTALLER_CATALOG';

export interface DeployOptions extends StartOptions {
  /** false with --no-attach. */
  attach?: boolean;
  json?: boolean;
  /** Plain lines even on a terminal. */
  plain?: boolean;
}

export interface DeployDeps {
  env?: NodeJS.ProcessEnv;
  /** Starts the engine; default: detached (systemd-run or setsid). */
  launch?: (runDir: string, runId: string) => Promise<Launched>;
  /** Cancels following (the engine goes on); default: SIGINT. */
  signal?: AbortSignal;
  /** Whether stdin is a terminal (default: process.stdin.isTTY): no prompt without one. */
  stdinIsTTY?: boolean;
}

export async function runDeploy(
  file: string,
  opts: DeployOptions,
  io: CommandIO,
  deps: DeployDeps = {},
): Promise<number> {
  const env = deps.env ?? process.env;
  // With --json, stdout carries only events: everything for people goes to stderr.
  const say = (t: string) => (opts.json ? io.err(t) : io.out(t));
  const catalog = opts.catalog ?? (env[CATALOG_ENV] || undefined);
  const r = await startRun(
    file,
    catalog === undefined ? opts : { ...opts, catalog },
    {
      say,
      err: io.err,
      canAsk: io.isTTY && (deps.stdinIsTTY ?? Boolean(process.stdin.isTTY)),
      confirm: (q) => io.confirm(q),
    },
    { env, ...(deps.launch ? { launch: deps.launch } : {}), startedBy: thisViewer() },
  );
  if ('exitCode' in r) return r.exitCode;
  const { runId, runDir, stateDir, position: pos, resumeCommand: resume } = r.started;

  if (opts.attach === false) {
    say(
      `The run goes on in the background. Follow it: genestack-installer attach ${runId}${r.started.stateDirFlag ? ` --state-dir ${r.started.stateDirFlag}` : ''}\n`,
    );
    return EXIT.ok;
  }

  const view = chooseView(opts, { isTTY: io.isTTY }, env);
  if (view === 'dashboard') {
    // The starter follows in full screen, in control; leaving it (d/q) leaves the run going.
    const { runDashboard } = await import('../../screens/dashboard/runDashboard');
    return runDashboard({ stateDir, runId, control: true });
  }
  const cancel = new AbortController();
  const onSigint = () => cancel.abort();
  if (deps.signal) deps.signal.addEventListener('abort', onSigint, { once: true });
  else process.on('SIGINT', onSigint);
  try {
    const result = await followRun({
      runDir,
      fromOffset: pos.offset,
      lastSeq: pos.lastSeq,
      initial: pos.state,
      printer:
        view === 'json'
          ? jsonPrinter(io.out)
          : plainPrinter({ out: io.out, runDir, resumeCommand: resume }),
      alive: () => engineAlive(runDir, stateDir, runId),
      signal: cancel.signal,
    });
    if (result.cancelled) {
      say(
        `\nDetached from run ${runId}; it goes on. Attach again: genestack-installer attach ${runId}; stop it: genestack-installer abort ${runId}\n`,
      );
      return EXIT.ok;
    }
    if (result.engineGone) {
      io.err(
        `the engine of run ${runId} stopped without finishing (its log: ${path.join(runDir, RUN_FILES.engineLog)}).\nresume with: ${resume}\n`,
      );
      return EXIT.aborted;
    }
    return exitCodeFor(result.state, false);
  } finally {
    if (deps.signal) deps.signal.removeEventListener('abort', onSigint);
    else process.off('SIGINT', onSigint);
  }
}
