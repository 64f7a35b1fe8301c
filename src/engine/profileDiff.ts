// What changed in a profile since a run started, and which phases that changes: field paths
// of the parsed profiles (`network.metallb.gatewayVip`, `hosts[2].address`), then the phases
// whose resolved command, working directory, environment, checks or skip differ between the
// old and the new plan. Only paths and phase ids are shown, never values: a changed secret
// appears as its path.
import type { Plan, PlanPhase } from '../plan/plan';
import { stableJson } from '../plan/plan';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Paths of the leaves that differ between two JSON-like values. */
export function changedPaths(a: unknown, b: unknown, at = ''): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${at}[${i}]`;
      if (i >= a.length || i >= b.length) out.push(p);
      else out.push(...changedPaths(a[i], b[i], p));
    }
    return out;
  }
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => {
      const p = at === '' ? k : `${at}.${k}`;
      if (!(k in a) || !(k in b)) return [p];
      return changedPaths(a[k], b[k], p);
    });
  }
  if (a === b) return [];
  if (stableJson(a) === stableJson(b)) return [];
  return [at === '' ? '(the whole profile)' : at];
}

export interface PhaseChange {
  id: string;
  /** What differs: argv, cwd, env NAME, doneChecks, skipped, needs, added, removed. */
  what: string[];
}

function phaseChange(a: PlanPhase | undefined, b: PlanPhase | undefined): string[] {
  if (!a) return ['added'];
  if (!b) return ['removed'];
  const what: string[] = [];
  if (stableJson(a.argv) !== stableJson(b.argv)) what.push('argv');
  if (a.cwd !== b.cwd) what.push('cwd');
  for (const k of [...new Set([...Object.keys(a.env), ...Object.keys(b.env)])].sort()) {
    if (a.env[k] !== b.env[k]) what.push(`env ${k}`);
  }
  if (stableJson(a.doneChecks) !== stableJson(b.doneChecks)) what.push('done-checks');
  if (Boolean(a.skipped) !== Boolean(b.skipped)) what.push(b.skipped ? 'now skipped' : 'now runs');
  if (stableJson(a.needs) !== stableJson(b.needs)) what.push('needs');
  if (a.builtin !== b.builtin) what.push('builtin');
  return what;
}

/**
 * Phases whose resolved form differs. A builtin phase reads the profile itself (write-config
 * renders it, label-nodes reads its groups), so any profile change affects every builtin that
 * runs: `profileChanged` adds them.
 */
export function planChanges(oldPlan: Plan, newPlan: Plan, profileChanged = true): PhaseChange[] {
  const olds = new Map(oldPlan.phases.map((p) => [p.id, p]));
  const news = new Map(newPlan.phases.map((p) => [p.id, p]));
  const ids = [
    ...newPlan.phases.map((p) => p.id),
    ...oldPlan.phases.map((p) => p.id).filter((id) => !news.has(id)),
  ];
  const out: PhaseChange[] = [];
  for (const id of ids) {
    const what = phaseChange(olds.get(id), news.get(id));
    const b = news.get(id);
    if (profileChanged && b?.builtin && !b.skipped) what.push('builtin reads the profile');
    if (what.length > 0) out.push({ id, what });
  }
  return out;
}

/** The operator's view: changed fields, then affected phases. */
export function formatProfileChange(fields: string[], phases: PhaseChange[]): string {
  const lines = [`The profile changed since the run started (${fields.length} field(s)):`];
  for (const f of fields.slice(0, 50)) lines.push(`  ${f}`);
  if (fields.length > 50) lines.push(`  ... and ${fields.length - 50} more`);
  if (phases.length === 0) lines.push('No phase of the plan changes.');
  else {
    lines.push(`Phases affected (${phases.length}):`);
    for (const p of phases) lines.push(`  ${p.id}: ${p.what.join(', ')}`);
  }
  return lines.join('\n') + '\n';
}
