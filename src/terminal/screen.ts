// The alternate screen, entered by hand (ink 6 has no option for it; ink 7 does) and left on
// every exit path: normal exit, Ctrl+C, SIGTERM, SIGHUP, an uncaught exception. SIGKILL cannot
// be caught: after it, `reset` (or `tput rmcup`) restores the terminal (docs/wizard.md).
// Writes are best-effort: after SIGHUP the terminal may be gone and a write can throw EIO.

export const ENTER_ALT = '\x1b[?1049h\x1b[H';
export const LEAVE_ALT = '\x1b[?1049l';
export const HIDE_CURSOR = '\x1b[?25l';
export const SHOW_CURSOR = '\x1b[?25h';

/** Exit codes for signals (128 + signal number). */
export const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number> = {
  SIGINT: 130,
  SIGTERM: 143,
  SIGHUP: 129,
};

interface Writable {
  write(s: string): unknown;
}

export interface FullScreen {
  /** Leave the alternate screen and show the cursor; idempotent. */
  restore(): void;
  /** Remove the process handlers (tests). */
  dispose(): void;
}

export interface FullScreenOptions {
  stdout?: Writable;
  /** Runs before the terminal is restored (e.g. unmount Ink). Best-effort. */
  beforeRestore?: () => void;
  /** Process to attach to (tests may pass a stub). */
  proc?: NodeJS.Process;
}

export function enterFullScreen(opts: FullScreenOptions = {}): FullScreen {
  const out = opts.stdout ?? process.stdout;
  const proc = opts.proc ?? process;
  let restored = false;
  const write = (s: string) => {
    try {
      out.write(s);
    } catch {
      // the terminal is gone (SIGHUP): nothing left to restore
    }
  };
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      opts.beforeRestore?.();
    } catch {
      // restoring the terminal matters more than a clean unmount
    }
    write(SHOW_CURSOR + LEAVE_ALT);
  };
  const onSignal = (sig: keyof typeof SIGNAL_EXIT) => () => {
    restore();
    proc.exit(SIGNAL_EXIT[sig]);
  };
  const handlers = {
    SIGINT: onSignal('SIGINT'),
    SIGTERM: onSignal('SIGTERM'),
    SIGHUP: onSignal('SIGHUP'),
  };
  const onExit = () => restore();
  const onCrash = (e: unknown) => {
    restore();
    const err = e as Error;
    try {
      process.stderr.write(
        `internal error: ${err?.message ?? String(e)}\nrun again with --debug and report it\n`,
      );
      if (process.argv.includes('--debug') && err?.stack) process.stderr.write(err.stack + '\n');
    } catch {
      // stderr gone too
    }
    proc.exit(70);
  };
  for (const [sig, h] of Object.entries(handlers)) proc.on(sig as NodeJS.Signals, h);
  proc.on('exit', onExit);
  proc.on('uncaughtException', onCrash);
  proc.on('unhandledRejection', onCrash);
  write(ENTER_ALT + HIDE_CURSOR);
  return {
    restore,
    dispose() {
      for (const [sig, h] of Object.entries(handlers)) proc.off(sig as NodeJS.Signals, h);
      proc.off('exit', onExit);
      proc.off('uncaughtException', onCrash);
      proc.off('unhandledRejection', onCrash);
    },
  };
}

/**
 * Whether a full-screen UI can run: both ends are terminals and no CI variable is set (Ink
 * paints nothing under CI; is-in-ci treats any value but '0'/'false' as set, even '').
 */
export function terminalProblem(
  env: NodeJS.ProcessEnv = process.env,
  stdin: { isTTY?: boolean } = process.stdin,
  stdout: { isTTY?: boolean } = process.stdout,
): string | undefined {
  if (!stdout.isTTY) return 'standard output is not a terminal';
  if (!stdin.isTTY) return 'standard input is not a terminal';
  const ci = env.CI ?? env.CONTINUOUS_INTEGRATION;
  if (ci !== undefined && ci !== '0' && ci !== 'false') return 'the CI environment variable is set';
  if (env.TERM === 'dumb') return 'TERM is "dumb"';
  return undefined;
}
