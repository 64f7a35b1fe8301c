// The wizard services' synchronous parts that need YAML, the phase catalog and the hardware
// requirements (a fifth of a megabyte of code, and parsing): loaded by realServices().ready(),
// which the wizard starts once the home screen is drawn and awaits before any step screen
// (screens/App.tsx). The home screen's first frame does not wait for them.
import { builtinRequirements } from '../../src/discovery/assets';
import { expandHostArgs, parseInventory } from '../../src/discovery/hostList';
import type { HostTarget } from '../../src/discovery/index';
import { buildPlan } from '../../src/plan/plan';
import { builtinCatalog } from '../../src/plan/builtinCatalog';
import type { ResolvedProfile } from '../../src/profile/normalize';
import type { PlanPreview } from './services';

export { builtinRequirements };

export function parseHosts(text: string): HostTarget[] {
  return expandHostArgs(text.split(/[\s,]+/).filter(Boolean));
}

export { parseInventory };

export function planPreview(profile: ResolvedProfile): PlanPreview {
  const plan = buildPlan(profile, builtinCatalog());
  return {
    phases: plan.phases.map((p) => ({
      id: p.id,
      title: p.title,
      ...(p.skipped ? { skipped: p.skipped.reason } : {}),
    })),
  };
}
