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
  /** A bug in the installer (EX_SOFTWARE); the message asks to re-run with --debug. */
  internal: 70,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
