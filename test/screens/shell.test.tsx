import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { renderWizard } from '../helpers/wizard';
import { KEYS } from '../helpers/render';
import { KEYMAP } from '../../screens/keymap';
import { SIZES } from './state';

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
    const w = await renderWizard();
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

  it('attach and past runs list the runs of the state directory', async () => {
    const w = await renderWizard();
    await w.waitFor((x) => x.includes('Start a new'));
    await w.send(KEYS.down, KEYS.down, KEYS.enter);
    await w.waitFor((x) => x.includes('No runs yet'));
    await w.send(KEYS.esc);
    await w.waitFor((x) => x.includes('› Start a new guided setup'));
    w.unmount();
  });
});
