// Everything the guided setup needs for its first frame, as one module: one dynamic import()
// from src/commands/wizard.ts, so esbuild makes it one chunk (plus the chunks it shares with
// other commands) instead of four, fewer files for Node to resolve, read and link at start.
export { launchWizard } from './launch';
export { realServices } from './hooks/services';
export { memorySettings, openSettings } from '../src/settings/settings';
export { initialWizardState, stateFromProfile } from '../src/state/wizard';
