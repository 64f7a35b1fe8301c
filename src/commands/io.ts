// What a command needs from the outside world, passed in so commands stay testable.
import { EXIT, type ExitCode } from '../exitCodes';

export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal: colour and prompts are allowed. */
  isTTY: boolean;
  /** Ask a yes/no question; resolves false when there is no terminal to ask on. */
  confirm(question: string): Promise<boolean>;
}

/** An error the user can fix: printed as one message, never with a stack trace (unless --debug). */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.invalid,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A whole-number flag within [min, max], or a usage error naming the flag and the range. */
export function intFlag(
  v: number | string | undefined,
  flag: string,
  min: number,
  max: number,
): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UserError(
      `${flag} must be a whole number from ${min} to ${max} (got "${v}")`,
      EXIT.usage,
    );
  }
  return n;
}
