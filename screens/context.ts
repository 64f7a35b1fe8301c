// What every screen gets: the wizard state and its validation (read), dispatch and the
// services (act), and the body size. State and actions are separate contexts (gemini-cli).
import { createContext, useContext, type Dispatch } from 'react';
import type { Validation, WizardAction, WizardState } from '../src/state/wizard';
import type { WizardServices } from './hooks/services';

export type WizardResult =
  | { kind: 'quit' }
  | { kind: 'saved'; profilePath: string; configWritten: boolean }
  | { kind: 'deploy'; profilePath: string }
  | { kind: 'attach'; runId: string }
  | { kind: 'status'; runId: string };

export interface WizardView {
  state: WizardState;
  validation: Validation;
  /** Rows available to a screen's body. */
  bodyRows: number;
  columns: number;
}

export interface WizardActions {
  dispatch: Dispatch<WizardAction>;
  services: WizardServices;
  exit(result: WizardResult): void;
  /** Go to the next step (or a given screen). */
  next(): void;
}

export const ViewContext = createContext<WizardView | null>(null);
export const ActionsContext = createContext<WizardActions | null>(null);

export function useView(): WizardView {
  const v = useContext(ViewContext);
  if (!v) throw new Error('useView outside the wizard');
  return v;
}
export function useActions(): WizardActions {
  const a = useContext(ActionsContext);
  if (!a) throw new Error('useActions outside the wizard');
  return a;
}
