// Where runs live. One state directory per installation (root: /var/lib/genestack-installer,
// others: the XDG state directory), one folder per run under runs/, named by a sortable run id.
//
//   <state>/engine.lock                 the lock of the run in progress (lock.ts)
//   <state>/runs/<runId>/               0700
//     run.json                          profile path + hash, plan, options, engine (runRecord.ts)
//     profile.yaml                      the profile as validated when the run (or resume) started
//     events.jsonl, snapshot.json       the journal (src/journal)
//     logs/<phase>.log                  each phase's stdout and stderr, redacted, 0600
//     ansible/<phase>.jsonl             the callback plugin's lines of an ansible phase
//     callback/genestack_events.py      the plugin, written where ANSIBLE_CALLBACK_PLUGINS points
//     procs/<phase>.json                process group of a running phase (for a crash recovery)
//     engine.log                        the engine's own stdout and stderr (crashes land here)
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../commands/io';
import { EXIT } from '../exitCodes';

export const STATE_DIR_ENV = 'GENESTACK_INSTALLER_STATE_DIR';
export const ROOT_STATE_DIR = '/var/lib/genestack-installer';

export const RUN_FILES = {
  record: 'run.json',
  profile: 'profile.yaml',
  logs: 'logs',
  ansible: 'ansible',
  callback: 'callback',
  procs: 'procs',
  engineLog: 'engine.log',
} as const;

export interface StateDirOptions {
  /** --state-dir */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  home?: string;
}

/** --state-dir, else $GENESTACK_INSTALLER_STATE_DIR, else the root or XDG default. Absolute. */
export function resolveStateDir(opts: StateDirOptions = {}): string {
  const env = opts.env ?? process.env;
  if (opts.flag) return path.resolve(opts.flag);
  const fromEnv = env[STATE_DIR_ENV];
  if (fromEnv) return path.resolve(fromEnv);
  const uid = opts.uid ?? process.getuid?.() ?? -1;
  if (uid === 0) return ROOT_STATE_DIR;
  const xdg = env.XDG_STATE_HOME;
  // The XDG spec: a relative XDG_STATE_HOME is invalid and must be ignored.
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'genestack-installer');
  return path.join(opts.home ?? os.homedir(), '.local', 'state', 'genestack-installer');
}

export function runsDir(stateDir: string): string {
  return path.join(stateDir, 'runs');
}

export function runDirOf(stateDir: string, runId: string): string {
  return path.join(runsDir(stateDir), runId);
}

export function stateLockPath(stateDir: string): string {
  return path.join(stateDir, 'engine.lock');
}

export function configLockPath(configDir: string): string {
  return path.join(configDir, '.genestack-installer.lock');
}

export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

/** `YYYYMMDD-HHMMSS-xxxx` in UTC: sorts by start time, unique enough with 4 random hex digits. */
export function newRunId(now: Date = new Date(), random: () => string = randomHex): string {
  const iso = now.toISOString(); // 2026-11-26T22:15:03.123Z
  const date = iso.slice(0, 10).replace(/-/g, '');
  const time = iso.slice(11, 19).replace(/:/g, '');
  return `${date}-${time}-${random()}`;
}

function randomHex(): string {
  return randomBytes(2).toString('hex');
}

/** Run ids in the state directory, newest first. */
export function listRunIds(stateDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(runsDir(stateDir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return names
    .filter((n) => RUN_ID_PATTERN.test(n))
    .filter((n) => {
      try {
        return statSync(runDirOf(stateDir, n)).isDirectory();
      } catch {
        return false;
      }
    })
    .sort()
    .reverse();
}

/**
 * The run a command names: an exact id, or a unique prefix (`20261126-2215`), or the newest run
 * when none is named. Throws a UserError that lists what exists.
 */
export function findRunId(stateDir: string, wanted?: string): string {
  const ids = listRunIds(stateDir);
  if (ids.length === 0) {
    throw new UserError(
      `no runs in ${stateDir}. Start one with \`genestack-installer deploy PROFILE\`` +
        ` (or point --state-dir / ${STATE_DIR_ENV} at the state directory of an earlier run).`,
      EXIT.invalid,
    );
  }
  if (wanted === undefined) return ids[0]!;
  if (ids.includes(wanted)) return wanted;
  const matches = ids.filter((id) => id.startsWith(wanted));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new UserError(
      `run "${wanted}" is ambiguous: ${matches.slice(0, 5).join(', ')}${matches.length > 5 ? ', ...' : ''}; give more of the id`,
      EXIT.invalid,
    );
  }
  throw new UserError(
    `no run "${wanted}" in ${stateDir}; recent runs: ${ids.slice(0, 5).join(', ')} (\`genestack-installer runs\` lists them)`,
    EXIT.invalid,
  );
}
