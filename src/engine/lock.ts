// One run per state directory and per config directory at a time. A lock is a small JSON file
// naming its owner, created atomically (written to a temp file, then hard-linked into place:
// link() fails when the name exists, like O_EXCL, and a reader never sees a half-written lock).
//
// A lock whose process is gone is stale: recovered with a warning. "Gone" is judged with the
// process's start time (/proc/<pid>/stat field 22) as well as its pid, so a pid reused by an
// unrelated process after a crash does not keep a dead run's lock alive.
//
// `deploy` takes the locks, then the engine it starts takes them over (same run id, its own
// pid) and releases them on every exit path.
import {
  linkSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../commands/io';
import { EXIT } from '../exitCodes';

export interface LockOwner {
  pid: number;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22). */
  procStart: string | null;
  user: string;
  host: string;
  /** ISO 8601 UTC. */
  startedAt: string;
  runId: string;
}

/** What a stale lock said, for the warning that reports its recovery. */
export interface RecoveredLock {
  path: string;
  owner: LockOwner;
  why: string;
}

export class LockHeldError extends UserError {
  constructor(
    readonly lockPath: string,
    readonly owner: LockOwner,
    readonly what: string,
  ) {
    const since = owner.startedAt.replace(/^\d{4}-\d{2}-\d{2}T(\d{2}:\d{2})[\d:.]*Z$/, '$1 UTC');
    super(
      `another run holds the lock of ${what} (${lockPath}): run ${owner.runId} by ${owner.user}@${owner.host}, ` +
        `pid ${owner.pid}, since ${since}. Attach with \`genestack-installer attach ${owner.runId}\`, ` +
        `or stop it with \`genestack-installer abort ${owner.runId}\`.`,
      EXIT.locked,
    );
    this.name = 'LockHeldError';
  }
}

/** The start time of a process, or null when it does not exist (or /proc cannot tell). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid ... ; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null; // a zombie has finished
    return fields[19] ?? null; // field 22 overall; fields[0] is field 3
  } catch {
    return null;
  }
}

/** Processes of a process group that have not finished (zombies excluded), from /proc. */
export function groupMembers(pgid: number): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid && f[0] !== 'Z' && f[0] !== 'X') out.push(Number(n));
    } catch {
      // ended while we looked
    }
  }
  return out;
}

/** True when the process exists (and, when procStart is known, is the same process). */
export function processAlive(pid: number, procStart?: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = processStartTime(pid);
  if (now === null) {
    // No /proc entry: either gone, or no /proc at all (then kill(0) is all we know).
    try {
      readFileSync('/proc/self/stat');
      return false;
    } catch {
      return true;
    }
  }
  return procStart === undefined || procStart === null || procStart === now;
}

export function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? String(process.getuid?.() ?? '?');
  }
}

export function ownerForThisProcess(runId: string, startedAt = new Date()): LockOwner {
  return {
    pid: process.pid,
    procStart: processStartTime(process.pid),
    user: currentUser(),
    host: os.hostname(),
    startedAt: startedAt.toISOString(),
    runId,
  };
}

function parseOwner(text: string): LockOwner | null {
  try {
    const v = JSON.parse(text) as Partial<LockOwner>;
    if (typeof v.pid !== 'number' || typeof v.runId !== 'string') return null;
    return {
      pid: v.pid,
      procStart: typeof v.procStart === 'string' ? v.procStart : null,
      user: typeof v.user === 'string' ? v.user : '?',
      host: typeof v.host === 'string' ? v.host : '?',
      startedAt: typeof v.startedAt === 'string' ? v.startedAt : '?',
      runId: v.runId,
    };
  } catch {
    return null;
  }
}

/** The lock's owner; null when there is no lock. A lock that cannot be parsed counts as stale. */
export function readLock(file: string): { owner: LockOwner | null; text: string } | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return { owner: parseOwner(text), text };
}

export function ownerAlive(owner: LockOwner): boolean {
  return processAlive(owner.pid, owner.procStart);
}

function tempName(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}`,
  );
}

/** Creates `file` with `text` only if it does not exist; false when it does. */
function createExclusive(file: string, text: string): boolean {
  const tmp = tempName(file);
  writeFileSync(tmp, text, { mode: 0o644, flag: 'wx' });
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
}

/**
 * Takes the lock for `owner`. A stale lock (its process gone) is recovered and returned so the
 * caller can report it; a live one throws LockHeldError.
 */
export function acquireLock(file: string, owner: LockOwner, what: string): RecoveredLock | null {
  mkdirSync(path.dirname(file), { recursive: true });
  const text = JSON.stringify(owner) + '\n';
  let recovered: RecoveredLock | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(file, text)) return recovered;
    const current = readLock(file);
    if (current === null) continue; // released meanwhile: try again
    if (current.owner !== null && ownerAlive(current.owner)) {
      throw new LockHeldError(file, current.owner, what);
    }
    // Stale. Move it aside, and check that what was moved is what was judged stale: another
    // process may have recovered it and taken the lock in between.
    const aside = tempName(file);
    try {
      renameSync(file, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = readFileSync(aside, 'utf8');
    if (moved !== current.text) {
      // We took a live lock away: put it back (link: never over a newer one) and look again.
      try {
        linkSync(aside, file);
      } catch {
        // someone else holds it now; the next round reads it
      }
      unlinkSync(aside);
      continue;
    }
    unlinkSync(aside);
    const old = current.owner ?? {
      pid: 0,
      procStart: null,
      user: '?',
      host: '?',
      startedAt: '?',
      runId: '?',
    };
    recovered = {
      path: file,
      owner: old,
      why:
        current.owner === null
          ? 'the lock file could not be read'
          : `process ${old.pid} (run ${old.runId} by ${old.user}@${old.host}, since ${old.startedAt}) is gone`,
    };
  }
  throw new UserError(`could not take the lock ${file}: it keeps changing; try again`, EXIT.locked);
}

/**
 * Replaces the owner of a lock this run holds (the engine taking over from `deploy`). Throws
 * LockHeldError when the lock now belongs to another run, and a UserError when it is gone.
 */
export function takeOverLock(file: string, owner: LockOwner, what: string): void {
  const current = readLock(file);
  if (current === null || current.owner === null) {
    throw new UserError(`the lock ${file} of run ${owner.runId} is gone; start the run again`);
  }
  if (current.owner.runId !== owner.runId) {
    throw new LockHeldError(file, current.owner, what);
  }
  const tmp = tempName(file);
  writeFileSync(tmp, JSON.stringify(owner) + '\n', { mode: 0o644, flag: 'wx' });
  renameSync(tmp, file);
}

/** Removes the lock if it still belongs to `runId`; quietly does nothing otherwise. */
export function releaseLock(file: string, runId: string): void {
  try {
    const current = readLock(file);
    if (current?.owner?.runId !== runId) return;
    unlinkSync(file);
  } catch {
    // nothing to release
  }
}
