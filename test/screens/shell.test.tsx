import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { acquireLock, ownerForThisProcess } from '../../src/engine/lock';
import { runDirOf, stateLockPath } from '../../src/engine/stateDir';
import { renderWizard } from '../helpers/wizard';
import { KEYS } from '../helpers/render';
import { HELP_KEYMAP, KEYMAP } from '../../screens/keymap';
import { discoveredState, SIZES } from './state';
import { initialWizardState, type ScreenId } from '../../src/state/wizard';
import { fakeDiscovery } from '../helpers/fakeDiscovery';

describe('application shell', () => {
  for (const size of SIZES) {
    it(`home renders at ${size.columns}x${size.rows}, one row short of the terminal (ink#450)`, async () => {
      const w = await renderWizard({ size });
      const f = await w.waitFor((x) => x.includes('› Start a new guided setup'));
      expect(f).toContain('Attach to a running deployment');
      expect(f).toContain('Browse past runs');
      const lines = f.split('\n');
      expect(lines.length).toBe(size.rows - 1);
      expect(lines.every((l) => l.length <= size.columns)).toBe(true);
      w.unmount();
    });
  }

  it('every step fits the smallest terminal (60x16): rows cut at the bottom, never overlapping', async () => {
    const expected: Array<[ScreenId, string]> = [
      ['hosts', '› Profile name'],
      ['topology', '[x] Hyperconverged (recommended)'],
      ['network', '› Management interface'],
      ['services', '› [x] keystone'],
    ];
    for (const [screen, text] of expected) {
      const state =
        screen === 'hosts'
          ? { ...initialWizardState(), screen, history: ['home' as const] }
          : discoveredState({ screen });
      const w = await renderWizard({ size: { columns: 60, rows: 16 }, state });
      const f = await w.waitFor((x) => x.includes(text), `${screen}: ${text}`);
      const lines = f.split('\n');
      expect(lines).toHaveLength(15);
      expect(lines.every((l) => l.length <= 60)).toBe(true);
      // The header: the title is cut, the profile name kept whole and apart.
      expect(lines[0]).toMatch(/ (new profile|profile: lab)$/);
      expect(lines[0]).not.toMatch(/\S(new profile|profile: lab)$/);
      w.unmount();
    }
  });

  it('keys that arrive together are handled in order, each seeing what the one before did', async () => {
    const w = await renderWizard();
    await w.waitFor((x) => x.includes('› Start a new guided setup'));
    // One write, as a fast typist or tmux send-keys delivers them: Down Down Enter.
    await w.type(KEYS.down + KEYS.down + KEYS.enter);
    await w.waitFor((x) => x.includes('Attach to a deployment'), 'the attach list');
    w.unmount();
  });

  it('the footer hints come from the keymap table', async () => {
    const w = await renderWizard();
    const f = await w.waitFor((x) => x.includes('Start a new'));
    for (const b of KEYMAP.filter(
      (k) => k.footer && (k.screens === 'all' || k.screens.includes('home')),
    )) {
      expect(f).toContain(b.keys);
    }
    w.unmount();
  });

  it('? shows help generated from the keymap; any key closes it', async () => {
    const w = await renderWizard();
    await w.waitFor((x) => x.includes('Start a new'));
    await w.send('?');
    const f = await w.waitFor((x) => x.includes('Help: Home'));
    expect(f).toContain('go back (answers are kept)');
    await w.send('x');
    await w.waitFor((x) => x.includes('› Start a new guided setup'));
    w.unmount();
  });

  it('help taller than the screen scrolls with the keys the footer shows; other keys close it', async () => {
    const w = await renderWizard({
      size: { columns: 60, rows: 16 },
      state: discoveredState({ screen: 'storage' }),
    });
    await w.waitFor((x) => x.includes('Backend:'));
    await w.send('\u0007'); // Ctrl+G, as ? would be typed in a text field
    let f = await w.waitFor((x) => x.includes('Help: Storage'));
    const total = /lines 1-(\d+) of (\d+)/.exec(f);
    expect(total).not.toBeNull();
    expect(Number(total![2])).toBeGreaterThan(Number(total![1]));
    // the footer names the scroll keys from the keymap table
    for (const b of HELP_KEYMAP) expect(f).toContain(b.keys);
    await w.send(KEYS.down);
    f = await w.waitFor((x) => x.includes('lines 2-'));
    expect(f).not.toContain('Help: Storage');
    await w.send(KEYS.pageDown, KEYS.pageDown, KEYS.pageDown, KEYS.pageDown);
    f = await w.waitFor((x) => x.includes('Press any other key to close the help.'));
    expect(f).toContain(`of ${total![2]}`);
    await w.send(KEYS.pageUp, KEYS.pageUp, KEYS.pageUp, KEYS.pageUp, KEYS.up);
    await w.waitFor((x) => x.includes('Help: Storage') && x.includes('lines 1-'));
    await w.send('x');
    f = await w.waitFor((x) => x.includes('Backend:'));
    expect(f).not.toContain('Help: Storage');
    w.unmount();
  });

  it('follows resizes and shows a clear too-small screen below 60x16', async () => {
    const w = await renderWizard({ size: { columns: 80, rows: 24 } });
    await w.waitFor((x) => x.includes('Start a new'));
    await w.resize(50, 12);
    await w.waitFor((x) => x.includes('Terminal too small: 50x12'));
    await w.resize(120, 40);
    const f = await w.waitFor((x) => x.includes('Start a new'));
    expect(f.split('\n').length).toBe(39);
    w.unmount();
  });

  it('Ctrl+C quits from any screen', async () => {
    const w = await renderWizard();
    await w.waitFor((x) => x.includes('Start a new'));
    await w.send(KEYS.enter);
    await w.waitFor((x) => x.includes('Profile name'));
    await w.send(KEYS.ctrlC);
    expect(w.results).toEqual([{ kind: 'quit' }]);
    w.unmount();
  });

  it('open a saved profile: recent profiles are remembered with conf', async () => {
    // The sample's hosts (192.168.100.x) are rediscovered: recorded facts stand in for SSH so
    // no address outside loopback is contacted.
    const w = await renderWizard({ services: fakeDiscovery().wrap });
    const lab = path.resolve('profiles/hyperconverged-lab.yaml');
    w.services.settings.addRecentProfile(lab);
    await w.waitFor((x) => x.includes('Start a new'));
    await w.send(KEYS.down, KEYS.enter);
    await w.waitFor((x) => x.includes(`› ${lab}`));
    await w.send(KEYS.enter);
    // a complete, valid profile opens on Review
    const f = await w.waitFor((x) => x.includes('Step 8/8: Review'));
    expect(f).toContain('profile: hyperconverged-lab');
    w.unmount();
  });

  it('attach lists only runs whose engine is alive; past runs lists them all', async () => {
    const w = await renderWizard();
    const stateDir = path.join(w.dir, 'state');
    // a finished run, and a run whose engine (this test process) holds the state lock
    const finished = '20261126-200000-aaaa';
    const running = '20261126-210000-bbbb';
    for (const id of [finished, running]) mkdirSync(runDirOf(stateDir, id), { recursive: true });
    acquireLock(stateLockPath(stateDir), ownerForThisProcess(running), 'the state directory');

    await w.waitFor((x) => x.includes('Start a new'));
    await w.send(KEYS.down, KEYS.down, KEYS.enter);
    const attach = await w.waitFor((x) => x.includes('Attach to a deployment'));
    expect(attach).toContain(running);
    expect(attach).not.toContain(finished);
    await w.send(KEYS.esc);
    await w.waitFor((x) => x.includes('› Start a new guided setup'));
    await w.send(KEYS.down, KEYS.down, KEYS.down, KEYS.enter);
    const past = await w.waitFor((x) => x.includes('Past runs'));
    expect(past).toContain(running);
    expect(past).toContain(finished);
    w.unmount();
  });

  it('attach says when no deployment is running', async () => {
    const w = await renderWizard();
    await w.waitFor((x) => x.includes('Start a new'));
    await w.send(KEYS.down, KEYS.down, KEYS.enter);
    await w.waitFor((x) => x.includes('No deployment is running'));
    await w.send(KEYS.esc);
    await w.waitFor((x) => x.includes('› Start a new guided setup'));
    w.unmount();
  });
});
