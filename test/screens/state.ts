// Wizard states for screen tests: hosts already discovered from recorded probe facts.
import { expandHostArgs } from '../../src/discovery/hostList';
import type { HostFacts } from '../../src/discovery/types';
import {
  initialWizardState,
  STEPS,
  wizardReducer,
  type ScreenId,
  type WizardAction,
  type WizardState,
} from '../../src/state/wizard';
import { fixtureFacts } from '../helpers/fakeDiscovery';

export const NVME = 'ubuntu2404-nvme-os-partitioned.txt';

export function discoveredState(
  opts: { hosts?: string; screen?: ScreenId; facts?: HostFacts; extra?: WizardAction[] } = {},
): WizardState {
  const facts = opts.facts ?? fixtureFacts(NVME);
  const targets = expandHostArgs([opts.hosts ?? '10.0.0.21-10.0.0.23']);
  const actions: WizardAction[] = [
    { type: 'setName', name: 'lab' },
    { type: 'setHostsText', text: opts.hosts ?? '10.0.0.21-10.0.0.23' },
    { type: 'setTargets', targets },
    ...targets.map((t): WizardAction => ({
      type: 'hostDone',
      key: t.host,
      result: { host: t.host, target: t, durationMs: 1, status: 'ok', facts, warnings: [] },
    })),
    { type: 'setTopology', topology: 'hyperconverged' },
    ...(opts.extra ?? []),
  ];
  let s = initialWizardState();
  s = { ...s, screen: 'hosts', history: ['home'] };
  for (const a of actions) s = wizardReducer(s, a);
  const order: readonly ScreenId[] = STEPS;
  const target = opts.screen ?? 'topology';
  for (const sc of order.slice(1, order.indexOf(target) + 1))
    s = wizardReducer(s, { type: 'go', screen: sc });
  return s;
}

export const SIZES = [
  { columns: 80, rows: 24 },
  { columns: 120, rows: 40 },
] as const;
