// run.json: what a run is (profile, catalog, plan, options) and which process runs it. Written by
// `deploy` before the engine starts, updated by a resume and by the engine (its pid); always
// replaced atomically, so a reader sees the old record or the new one.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../commands/io';
import type { Plan } from '../plan/plan';
import type { RecoveredLock } from './lock';
import { RUN_FILES } from './stateDir';

export const RUN_RECORD_FORMAT = 1;

export type LaunchKind = 'systemd-user' | 'systemd-system' | 'setsid' | 'foreground';

export interface EngineInfo {
  pid: number;
  procStart: string | null;
  startedAt: string;
  launchedVia: LaunchKind;
  /** The systemd unit, when started through systemd-run. */
  unit?: string;
}

export interface RunOptions {
  /** --yes: replace changed config files (keeping backups), accept a changed profile. */
  yes: boolean;
  /** --from PHASE */
  from?: string;
  /** --only PHASE,... */
  only?: string[];
  /** Seconds between SIGTERM and SIGKILL when a phase is stopped. */
  killGraceSeconds: number;
  /** Phases of one parallel group running at once, unless the group says otherwise. */
  maxParallel: number;
}

export interface RunRecord {
  format: number;
  runId: string;
  createdAt: string;
  /** Absolute path of the profile file the operator gave. */
  profilePath: string;
  /** sha256 of that file's bytes when the run (or its last resume) started. */
  profileHash: string;
  profileName: string;
  /** The catalog file (--catalog), or undefined for the built-in catalog. */
  catalogPath?: string;
  catalogSource: string;
  configDir: string;
  stateDir: string;
  plan: Plan;
  planHash: string;
  options: RunOptions;
  /** Locks taken when this run started, to release (and to check) later. */
  locks: { state: string; config: string };
  /** Stale locks that `deploy` recovered; the engine reports them as warnings. */
  recoveredLocks: RecoveredLock[];
  /**
   * Phases marked skipped because their `when` did not hold, at the engine's last start. On a
   * resume these are not "done": a changed profile may make them run.
   */
  conditionSkipped: string[];
  /** Number of times `deploy --resume` restarted this run. */
  resumes: number;
  engine?: EngineInfo;
}

export function recordPath(runDir: string): string {
  return path.join(runDir, RUN_FILES.record);
}

export function readRunRecord(runDir: string): RunRecord {
  const file = recordPath(runDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `${file} is missing: ${runDir} is not a run folder (or it was not finished being created)`
        : `cannot read ${file}: ${(e as Error).message}`,
    );
  }
  let v: Partial<RunRecord>;
  try {
    v = JSON.parse(text) as Partial<RunRecord>;
  } catch {
    throw new UserError(`${file} is not valid JSON; the run folder is damaged`);
  }
  if (v.format !== RUN_RECORD_FORMAT || typeof v.runId !== 'string' || !v.plan) {
    throw new UserError(
      `${file} has format ${String(v.format)}; this installer reads format ${RUN_RECORD_FORMAT}`,
    );
  }
  return v as RunRecord;
}

/** Writes run.json atomically (temp file + rename), mode 0600. */
export function writeRunRecord(runDir: string, record: RunRecord): void {
  const file = recordPath(runDir);
  const tmp = path.join(
    runDir,
    `.${RUN_FILES.record}.${process.pid}.${randomBytes(3).toString('hex')}`,
  );
  writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

/** Reads, changes and writes run.json. */
export function updateRunRecord(runDir: string, change: (r: RunRecord) => void): RunRecord {
  const r = readRunRecord(runDir);
  change(r);
  writeRunRecord(runDir, r);
  return r;
}

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}
