// The wizard draws its home screen before the step screens, the profile checks (zod) and the
// services' YAML and catalog code are loaded (screens/hooks/useWizardCore.ts): a step screen
// waits for them, saying so, and a failure to load them is shown, not thrown. This file does
// not preload them (test/helpers/wizard.tsx does, for the other screen tests).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WizardApp } from '../../screens/App';
import { realServices, type WizardServices } from '../../screens/hooks/services';
import { openSettings } from '../../src/settings/settings';
import { initialWizardState } from '../../src/state/wizard';
import { KEYS, renderTui } from '../helpers/render';

const HOSTS_TEXT = 'Which hosts will run the cloud?';

function services(ready: () => Promise<void>): WizardServices {
  const dir = mkdtempSync(path.join(tmpdir(), 'gsi-startup-'));
  const base = realServices({
    settings: openSettings({ cwd: path.join(dir, 'conf') }),
    env: { GENESTACK_INSTALLER_STATE_DIR: path.join(dir, 'state') },
  });
  // The real loading, held back until the test lets it go on.
  return { ...base, ready: () => ready().then(async () => void (await base.ready!())) };
}

describe('wizard start-up: the home screen first, the rest after', () => {
  it('draws the home screen while the rest loads; a step screen waits for it, then appears', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const s = services(() => held);
    const w = await renderTui(
      <WizardApp services={s} initialState={initialWizardState()} onExit={() => {}} />,
    );
    await w.waitFor((f) => f.includes('› Start a new guided setup'), 'the home screen');
    await w.send(KEYS.enter);
    const waiting = await w.waitFor((f) => f.includes('Loading…'), 'the loading line');
    expect(waiting).not.toContain(HOSTS_TEXT);
    // Nothing the step screens need could have been used yet.
    expect(() => s.parseHosts('host01')).toThrow(/before ready\(\) resolved/);
    release();
    const hosts = await w.waitFor((f) => f.includes(HOSTS_TEXT), 'the Hosts screen');
    expect(hosts).not.toContain('Loading…');
    expect(s.parseHosts('host01 host02').map((t) => t.host)).toEqual(['host01', 'host02']);
    w.unmount();
  });

  it('keys typed while a step screen loads are held and reach it once it is drawn', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const w = await renderTui(
      <WizardApp
        services={services(() => held)}
        initialState={initialWizardState()}
        onExit={() => {}}
      />,
    );
    await w.waitFor((f) => f.includes('› Start a new guided setup'), 'the home screen');
    await w.send(KEYS.enter);
    await w.waitFor((f) => f.includes('Loading…'), 'the loading line');
    // The profile name (the Hosts screen's first field), typed before the screen is there.
    await w.type('my-lab');
    await w.send(KEYS.down);
    await w.type('host01');
    expect(w.lastFrame()).toContain('Loading…');
    release();
    const f = await w.waitFor((x) => x.includes('1 host: host01'), 'the held keys replayed');
    expect(f).toContain('my-lab');
    w.unmount();
  });

  it('says so when the rest cannot be loaded, and the home screen still works', async () => {
    const s = services(() => Promise.reject(new Error('chunk file missing')));
    const w = await renderTui(
      <WizardApp services={s} initialState={initialWizardState()} onExit={() => {}} />,
    );
    await w.waitFor((f) => f.includes('› Start a new guided setup'), 'the home screen');
    await w.send(KEYS.enter);
    const f = await w.waitFor((x) => x.includes('could not load'), 'the error');
    expect(f.replace(/\s+/g, ' ')).toContain(
      'The wizard could not load its checks: chunk file missing',
    );
    w.unmount();
  });
});
