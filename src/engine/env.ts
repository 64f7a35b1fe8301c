// The environment of a phase: the engine's own environment, minus the catalog's
// unsetEnvironment (ANSIBLE_HOST_KEY_CHECKING always), plus the plan's variables for the phase,
// with the catalog's pathPrepend in front of PATH. Pure.
import path from 'node:path';
import type { Plan, PlanPhase } from '../plan/plan';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function phaseEnvironment(
  base: NodeJS.ProcessEnv,
  plan: Pick<Plan, 'pathPrepend' | 'unsetEnvironment'>,
  phase: Pick<PlanPhase, 'env'>,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const unset = new Set(plan.unsetEnvironment);
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !unset.has(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(phase.env)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) env[k] = v;
  const pathValue = env.PATH ?? DEFAULT_PATH;
  env.PATH = [...plan.pathPrepend, pathValue].filter((p) => p !== '').join(path.delimiter);
  // A catalog can only unset, never re-add: the phase's own env cannot bring them back either.
  for (const k of unset) delete env[k];
  return env;
}

/** True for phases whose process is ansible-playbook: they get the callback plugin. */
export function isAnsiblePhase(phase: Pick<PlanPhase, 'kind' | 'argv'>): boolean {
  if (phase.kind === 'ansible-playbook') return true;
  const first = phase.argv[0];
  return first !== undefined && path.posix.basename(first) === 'ansible-playbook';
}
