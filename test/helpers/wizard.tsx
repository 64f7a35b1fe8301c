// Renders the wizard with real services pointed at temp dirs, or with discovery replaced.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WizardApp } from '../../screens/App';
import type { WizardResult } from '../../screens/context';
import { realServices, type WizardServices } from '../../screens/hooks/services';
import { loadWizardCore } from '../../screens/hooks/useWizardCore';
import { openSettings } from '../../src/settings/settings';
import { initialWizardState, type WizardState } from '../../src/state/wizard';
import { renderTui, type Rendered } from './render';

export interface WizardHarness extends Rendered {
  services: WizardServices;
  results: WizardResult[];
  dir: string;
}

export async function renderWizard(
  opts: {
    size?: { columns: number; rows: number };
    state?: WizardState;
    services?: (s: WizardServices) => WizardServices;
    ssh?: Parameters<typeof realServices>[0]['ssh'];
  } = {},
): Promise<WizardHarness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gsi-wizard-'));
  const base = realServices({
    settings: openSettings({ cwd: path.join(dir, 'conf') }),
    env: { GENESTACK_INSTALLER_STATE_DIR: path.join(dir, 'state') },
    ...(opts.ssh ? { ssh: opts.ssh } : {}),
  });
  const services = opts.services ? opts.services(base) : base;
  // What the real wizard loads after its first frame: loaded first, so a test's first frame is
  // the screen it asks for (test/screens/startup.test.tsx checks the loading itself).
  await Promise.all([loadWizardCore(), services.ready?.()]);
  const results: WizardResult[] = [];
  const r = await renderTui(
    <WizardApp
      services={services}
      initialState={opts.state ?? initialWizardState()}
      onExit={(x) => results.push(x)}
    />,
    opts.size,
  );
  return { ...r, services, results, dir };
}
