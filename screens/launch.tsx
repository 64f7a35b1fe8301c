// Starts the full-screen wizard: alternate screen, Ink render, and the result once it ends.
// Loaded with a dynamic import() from src/commands/wizard.ts, so React and Ink are only
// evaluated on the TUI path.
import { restoreFetch } from './yogaWithoutFetch'; // first: before Ink loads yoga
import { render } from 'ink';
import { enterFullScreen } from '../src/terminal/screen';
import { WizardApp } from './App';
import type { WizardResult } from './context';
import type { WizardServices } from './hooks/services';
import { loadWizardCore } from './hooks/useWizardCore';
import type { WizardState } from '../src/state/wizard';

restoreFetch();

export async function launchWizard(
  services: WizardServices,
  initialState: WizardState,
): Promise<WizardResult> {
  // The home screen is drawn before the step screens and checks are loaded (they load behind
  // it); a wizard that opens on a step (--profile) loads them first, so no key typed at its
  // first frame is lost to a loading line.
  if (initialState.screen !== 'home') await Promise.all([loadWizardCore(), services.ready?.()]);
  let resolveResult: (r: WizardResult) => void = () => {};
  const result = new Promise<WizardResult>((r) => (resolveResult = r));
  const ink: { instance?: ReturnType<typeof render> } = {};
  // Raw mode before the first frame: Ink turns it on in an effect after rendering, and a key
  // typed in between would be echoed by the terminal (scrolling the screen) and arrive cooked.
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  const screen = enterFullScreen({ beforeRestore: () => ink.instance?.unmount() });
  ink.instance = render(
    <WizardApp services={services} initialState={initialState} onExit={(r) => resolveResult(r)} />,
    {
      exitOnCtrlC: false,
      patchConsole: false,
      maxFps: 30,
    },
  );
  // Test hook for the e2e suite: a crash after the first frame must still restore the terminal.
  if (process.env.GENESTACK_INSTALLER_TEST_CRASH === '1') {
    setTimeout(() => {
      throw new Error('crash requested by GENESTACK_INSTALLER_TEST_CRASH');
    }, 50);
  }
  const r = await result;
  screen.restore();
  screen.dispose();
  return r;
}
