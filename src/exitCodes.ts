// Exit codes are part of the interface scripts rely on; the README lists them.
export const EXIT = {
  ok: 0,
  /** The profile or another input is invalid; nothing was written. */
  invalid: 1,
  /** Wrong command-line usage: unknown flag, missing argument. */
  usage: 2,
  /** Some hosts could not be discovered. */
  discoveryFailed: 3,
  /** The operator declined a change (for example replacing an edited file). */
  declined: 4,
  /** Preflight checks failed: nothing was changed (`preflight`, and `deploy` stopped at its preflight phase). */
  preflightFailed: 5,
  /** `deploy`: a phase failed (its command, or its done-checks). */
  phaseFailed: 6,
  /** `deploy`: a phase was stopped at its hard timeout. */
  phaseTimedOut: 7,
  /** `deploy`: the run was aborted (`abort`, a signal), or its engine stopped without finishing. */
  aborted: 8,
  /** `deploy`: another run holds the lock of the state or config directory. */
  locked: 9,
  /** A bug in the installer (EX_SOFTWARE); the message asks to re-run with --debug. */
  internal: 70,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
