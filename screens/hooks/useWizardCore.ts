// What the step screens need and the home screen does not: the step screens themselves, the
// draft's validation (zod, the profile rules) and the services' synchronous parts (YAML, the
// phase catalog, the hardware requirements). Loaded once the first frame is drawn, so the home
// screen appears without waiting for them (docs/benchmarks.md, Startup); the shell shows a step
// screen only once they are in.
import { useEffect, useMemo, useState } from 'react';
import { draftProfile, type Validation, type WizardState } from '../../src/state/wizard';
import type { ProfileInput } from '../../src/profile/schema';
import type { WizardServices } from './services';

type StepScreens = typeof import('../steps');

interface Core {
  validate(draft: ProfileInput): Validation;
  screens: StepScreens;
}

let core: Core | null = null;
let loading: Promise<void> | null = null;

/** Loads the step screens and the validation code (once per process). */
export function loadWizardCore(): Promise<void> {
  return (loading ??= Promise.all([
    import('../../src/state/wizardValidation'),
    import('../steps'),
  ]).then(([v, screens]) => {
    core = { validate: v.validateDraft, screens };
  }));
}

/** Services without ready() (tests' own) are ready at once. */
function servicesReady(services: WizardServices): boolean {
  const r = services.ready?.() ?? true;
  // Not ready: the effect below waits for it and shows a failure; never an unhandled rejection.
  if (r !== true) r.catch(() => undefined);
  return r === true;
}

export type WizardCore =
  | { ready: true; validation: Validation; screens: StepScreens }
  | { ready: false; /** Why it could not be loaded. */ error?: string };

export function useWizardCore(state: WizardState, services: WizardServices): WizardCore {
  const [loaded, setLoaded] = useState(() => core !== null && servicesReady(services));
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (loaded) return;
    let live = true;
    void Promise.all([loadWizardCore(), services.ready?.()]).then(
      () => live && setLoaded(true),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [loaded, services]);
  const validation = useMemo(
    () => (loaded && core ? core.validate(draftProfile(state)) : null),
    [loaded, state],
  );
  if (validation && core) return { ready: true, validation, screens: core.screens };
  return error === undefined ? { ready: false } : { ready: false, error };
}
