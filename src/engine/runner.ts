// Which phases a run (or a resume) runs, and in what order: phases whose needs are done start;
// phases of one parallel group run side by side (up to the group's maxConcurrent, else the
// engine's cap), every other phase runs alone. After a failure nothing new starts; what runs
// finishes. An abort stops what runs.
import { UserError } from '../commands/io';
import { EXIT } from '../exitCodes';
import type { PhaseStatus } from '../journal/events';
import { formatSeconds } from '../plan/checks';
import type { Plan, PlanPhase } from '../plan/plan';
import { closest } from '../profile/suggest';
import { executePhase, type EngineContext, type PhaseResult } from './phase';

export const DEFAULT_MAX_PARALLEL = 4;

export interface Selection {
  /** Phase ids to run, in plan order. */
  toRun: string[];
  /** Named by --from/--only: run even when done, and not skipped by skipIfDone. */
  forced: Set<string>;
  /** Phases that will not run because they are done already. */
  done: string[];
  /** Phases neither done nor selected (before --from, outside --only): they stay as they are. */
  notSelected: string[];
}

export interface SelectOptions {
  from?: string;
  only?: string[];
}

/** Phase status from the journal -> done, for a resume. */
export type DoneTest = (phaseId: string) => boolean;

/** Names given to --from/--only must be phases of the plan that run for this profile. */
export function checkPhaseNames(plan: Plan, opts: SelectOptions): void {
  const ids = plan.phases.map((p) => p.id);
  const names = [...(opts.from ? [opts.from] : []), ...(opts.only ?? [])];
  for (const n of names) {
    const p = plan.phases.find((x) => x.id === n);
    if (!p) {
      const hint = closest(n, ids);
      throw new UserError(
        `no phase "${n}" in the plan${hint ? `; did you mean "${hint}"?` : ''} (\`genestack-installer plan PROFILE\` lists them)`,
        EXIT.usage,
      );
    }
    if (p.skipped) {
      throw new UserError(
        `phase "${n}" does not run for this profile: ${p.skipped.reason} (when: ${p.skipped.condition})`,
        EXIT.usage,
      );
    }
  }
  if (opts.from && opts.only && opts.only.length > 0) {
    throw new UserError('--from and --only cannot be used together', EXIT.usage);
  }
}

export function selectPhases(plan: Plan, isDone: DoneTest, opts: SelectOptions = {}): Selection {
  const running = plan.phases.filter((p) => !p.skipped).map((p) => p.id);
  let toRun: string[];
  let forced: Set<string>;
  if (opts.only && opts.only.length > 0) {
    const only = new Set(opts.only);
    toRun = running.filter((id) => only.has(id));
    forced = new Set(toRun);
  } else if (opts.from) {
    const i = running.indexOf(opts.from);
    toRun = i < 0 ? [] : running.slice(i);
    forced = new Set(toRun);
  } else {
    toRun = running.filter((id) => !isDone(id));
    forced = new Set();
  }
  const selected = new Set(toRun);
  return {
    toRun,
    forced,
    done: running.filter((id) => !selected.has(id) && isDone(id)),
    notSelected: running.filter((id) => !selected.has(id) && !isDone(id)),
  };
}

/** A phase counts as done for a resume: it succeeded, or was skipped because its checks passed. */
export function doneFromJournal(
  status: (id: string) => PhaseStatus | undefined,
  conditionSkipped: ReadonlySet<string>,
): DoneTest {
  return (id) => {
    const s = status(id);
    return s === 'succeeded' || (s === 'skipped' && !conditionSkipped.has(id));
  };
}

export interface RunPlanResult {
  status: 'succeeded' | 'failed' | 'aborted';
  /** The first phase that did not succeed. */
  failed?: PhaseResult;
  results: PhaseResult[];
}

export interface RunPlanOptions {
  selection: Selection;
  maxParallel: number;
  /** Runs one phase; tests replace it. */
  execute?: (ctx: EngineContext, phase: PlanPhase, forced: boolean) => Promise<PhaseResult>;
}

export async function runPlan(ctx: EngineContext, opts: RunPlanOptions): Promise<RunPlanResult> {
  const execute = opts.execute ?? executePhase;
  const byId = new Map(ctx.plan.phases.map((p) => [p.id, p]));
  const toRun = new Set(opts.selection.toRun);
  const pending = opts.selection.toRun.map((id) => byId.get(id)!).filter(Boolean);
  const finishedOk = new Set<string>();
  const running = new Map<string, Promise<PhaseResult>>();
  const results: PhaseResult[] = [];
  let failure: PhaseResult | undefined;

  // Parallel group budgets: reported when exceeded, never enforced (the catalog says why).
  const budgetTimers = new Map<string, NodeJS.Timeout>();
  const groupStarted = (g: string) => {
    const budget = ctx.plan.parallelGroups[g]?.budgetSeconds;
    if (!budget || budgetTimers.has(g)) return;
    budgetTimers.set(
      g,
      setTimeout(() => {
        ctx.emit({
          type: 'warning',
          message: `parallel group ${g} is over its budget of ${formatSeconds(budget)}; its phases go on under their own timeouts`,
        });
      }, budget * 1000),
    );
  };

  const ready = (p: PlanPhase) =>
    p.needs.every((n) => !toRun.has(n) || finishedOk.has(n)) && !running.has(p.id);
  const capOf = (g: string | undefined) =>
    g === undefined ? 1 : (ctx.plan.parallelGroups[g]?.maxConcurrent ?? opts.maxParallel);
  const start = (p: PlanPhase) => {
    pending.splice(pending.indexOf(p), 1);
    if (p.parallelGroup) groupStarted(p.parallelGroup);
    const forced = opts.selection.forced.has(p.id);
    running.set(
      p.id,
      execute(ctx, p, forced).catch((e: unknown): PhaseResult => {
        ctx.emit({
          type: 'warning',
          phaseId: p.id,
          message: `internal error in phase ${p.id}: ${(e as Error)?.message ?? String(e)}`,
        });
        ctx.emit({ type: 'phase-finished', phaseId: p.id, status: 'failed', durationMs: 0 });
        return { id: p.id, status: 'failed' };
      }),
    );
  };

  try {
    for (;;) {
      if (!ctx.signal.aborted && failure === undefined) {
        const candidates = pending.filter(ready);
        let group: string | undefined;
        let groupMode = false;
        if (running.size > 0) {
          const first = byId.get([...running.keys()][0]!)!;
          group = first.parallelGroup;
          groupMode = group !== undefined;
        } else if (candidates.length > 0) {
          const first = candidates[0]!;
          start(first);
          group = first.parallelGroup;
          groupMode = group !== undefined;
        }
        if (groupMode) {
          for (const c of candidates) {
            if (running.size >= capOf(group)) break;
            if (c.parallelGroup === group && !running.has(c.id) && pending.includes(c)) start(c);
          }
        }
      }
      if (running.size === 0) break;
      const done = await Promise.race(running.values());
      running.delete(done.id);
      results.push(done);
      if (done.status === 'succeeded' || done.status === 'skipped') finishedOk.add(done.id);
      else failure ??= done;
      // A group's budget ends with its last phase.
      for (const [g, t] of budgetTimers) {
        const left = [...running.keys(), ...pending.map((p) => p.id)].some(
          (id) => byId.get(id)?.parallelGroup === g,
        );
        if (!left) {
          clearTimeout(t);
          budgetTimers.delete(g);
        }
      }
    }
  } finally {
    for (const t of budgetTimers.values()) clearTimeout(t);
  }

  if (ctx.signal.aborted) return { status: 'aborted', failed: failure, results };
  if (failure) return { status: 'failed', failed: failure, results };
  if (pending.length > 0) {
    // Nothing could start: needs that can never be met (should not happen with a valid plan).
    ctx.emit({
      type: 'warning',
      message: `phases ${pending.map((p) => p.id).join(', ')} could not start: their needs were not met`,
    });
    return { status: 'failed', results };
  }
  return { status: 'succeeded', results };
}
