// What the dashboard shows first when a phase fails: per host, the first error and the task that
// failed, with a hint when the error is a known one; the command, the log path, and the exact
// command that resumes the run. A pure function of RunState so every viewer shows the same.
//
// The known errors and their fixes are data (assets/failure-hints.yaml), parsed and checked once
// on first use: a broken rule is a bug in the installer and throws at once, naming the rule.
import path from 'node:path';
import { parse } from 'yaml';
import hintsText from '../../assets/failure-hints.yaml';
import { resumeCommand } from '../engine/outcome';
import type { PhaseState, RunState } from './runState';

export interface HostFailure {
  host: string;
  status: 'failed' | 'unreachable';
  task: string;
  message: string;
  /** A fix for a known error (unreachable host, apt lock, ...), or null. */
  hint: string | null;
}

export interface FailureSummary {
  phaseId: string;
  title: string;
  status: PhaseState['status'];
  exitCode: number | null;
  /** The command the phase ran (argv), empty for builtins. */
  argv: string[];
  hosts: HostFailure[];
  /** For non-Ansible phases: the last lines of stderr/stdout, the best clue there is. */
  lastLines: string[];
  /** A hint drawn from the phase's own output when no host gave one, or null. */
  hint: string | null;
  /** The phase's log file: under the run folder given in the context. */
  logPath: string;
  /** The command that resumes the run, when the context names the profile. */
  resumeCommand?: string;
}

export interface FailureContext {
  /** Path of the run folder, to name the log file. */
  runDir: string;
  /** The run's profile file, for the resume command (run.json's profilePath). */
  profilePath?: string;
  /** --state-dir as the operator gave it, so the resume command finds the run. */
  stateDirFlag?: string;
}

/** Lines of a phase's output shown when no Ansible host explains the failure. */
export const LAST_LINES = 8;

export function failedPhases(state: RunState): PhaseState[] {
  return state.phases.filter(
    (p) => p.status === 'failed' || p.status === 'timed-out' || p.status === 'aborted',
  );
}

// ---- hints ------------------------------------------------------------------------------------

export interface HintRule {
  id: string;
  /** Host or phase statuses that match by themselves (unreachable, timed-out). */
  status: string[];
  patterns: RegExp[];
  hint: string;
}

/** Parses and checks the hint rules; throws naming the rule and field that is wrong. */
export function parseHintRules(text: string, source = 'assets/failure-hints.yaml'): HintRule[] {
  const doc = parse(text) as unknown;
  const list = (doc as { hints?: unknown } | null)?.hints;
  if (!Array.isArray(list)) throw new Error(`${source}: needs a top-level "hints" list`);
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const where = `${source}: hints[${i}]`;
    if (typeof raw !== 'object' || raw === null) throw new Error(`${where} is not a mapping`);
    const r = raw as Record<string, unknown>;
    if (typeof r.id !== 'string' || r.id === '') throw new Error(`${where}: "id" must be a name`);
    if (seen.has(r.id)) throw new Error(`${where}: id "${r.id}" appears twice`);
    seen.add(r.id);
    if (typeof r.hint !== 'string' || r.hint.trim() === '') {
      throw new Error(`${where} (${r.id}): "hint" must be the text to show`);
    }
    const strings = (field: string): string[] => {
      const v = r[field];
      if (v === undefined) return [];
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
        throw new Error(`${where} (${r.id}): "${field}" must be a list of strings`);
      }
      return v as string[];
    };
    const status = strings('status');
    const patterns = strings('patterns').map((p) => {
      try {
        return new RegExp(p, 'i');
      } catch (e) {
        throw new Error(
          `${where} (${r.id}): pattern ${JSON.stringify(p)}: ${(e as Error).message}`,
        );
      }
    });
    if (status.length === 0 && patterns.length === 0) {
      throw new Error(`${where} (${r.id}): needs "status" or "patterns"`);
    }
    return { id: r.id, status, patterns, hint: r.hint.trim().replace(/\s+/g, ' ') };
  });
}

let rules: HintRule[] | undefined;

export function hintRules(): HintRule[] {
  rules ??= parseHintRules(hintsText);
  return rules;
}

/** The first rule that matches the status or the text, or null. */
export function findHint(
  status: string | null,
  text: string,
  list: readonly HintRule[] = hintRules(),
): HintRule | null {
  for (const r of list) {
    if (status !== null && r.status.includes(status)) return r;
    if (text !== '' && r.patterns.some((p) => p.test(text))) return r;
  }
  return null;
}

// ---- the summary ------------------------------------------------------------------------------

export function phaseLogPath(runDir: string, phaseId: string): string {
  return path.join(runDir, 'logs', `${phaseId}.log`);
}

/** The summary of a failed (or timed-out, or aborted) phase. */
export function summarizeFailure(
  state: RunState,
  phaseId: string,
  ctx: FailureContext,
): FailureSummary {
  const i = Object.hasOwn(state.phaseIndex, phaseId) ? state.phaseIndex[phaseId] : undefined;
  const p = i === undefined ? undefined : state.phases[i];
  const logPath = phaseLogPath(ctx.runDir, phaseId);
  const resume =
    ctx.profilePath !== undefined && state.run !== null
      ? { resumeCommand: resumeCommand(ctx.profilePath, state.run.runId, ctx.stateDirFlag) }
      : {};
  if (p === undefined) {
    return {
      phaseId,
      title: phaseId,
      status: 'pending',
      exitCode: null,
      argv: [],
      hosts: [],
      lastLines: [],
      hint: null,
      logPath,
      ...resume,
    };
  }
  const hosts: HostFailure[] = [];
  for (const [host, h] of Object.entries(p.ansible?.hosts ?? {})) {
    const err = h.firstError;
    if (err === null) continue;
    const text = [err.msg, err.stderr ?? ''].join('\n');
    hosts.push({
      host,
      status: err.status,
      task: err.task,
      message: err.msg !== '' ? err.msg : (err.stderr ?? ''),
      hint: findHint(err.status, text)?.hint ?? null,
    });
  }
  hosts.sort((a, b) => a.host.localeCompare(b.host));
  const lastLines = hosts.length === 0 ? p.logTail.slice(-LAST_LINES).map((l) => l.line) : [];
  let hint: string | null = null;
  if (!hosts.some((h) => h.hint !== null)) {
    // The phase's own output: the last lines when no host failed, else the whole kept tail
    // (Ansible prints the fatal line for every host there too).
    const text = (hosts.length === 0 ? lastLines : p.logTail.map((l) => l.line)).join('\n');
    hint = findHint(p.status, text)?.hint ?? null;
  }
  return {
    phaseId,
    title: p.title,
    status: p.status,
    exitCode: p.exitCode,
    argv: [...p.argv],
    hosts,
    lastLines,
    hint,
    logPath,
    ...resume,
  };
}
