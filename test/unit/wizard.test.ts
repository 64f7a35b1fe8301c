import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import {
  draftProfile,
  initialWizardState,
  networkFieldError,
  recommendTopology,
  stateFromProfile,
  stepForPath,
  validateDraft,
  wizardReducer,
  type WizardState,
} from '../../src/state/wizard';
import { loadProfileText } from '../../src/profile/load';
import { missingDependencies } from '../../src/profile/services';
import { OPENSTACK_SERVICES } from '../../src/profile/schema';
import { terminalProblem } from '../../src/terminal/screen';
import { openSettings } from '../../src/settings/settings';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const sample = (name: string) =>
  readFileSync(new URL(`../../profiles/${name}`, import.meta.url), 'utf8');

describe('wizard reducer', () => {
  it('going back and forth keeps answers', () => {
    let s = initialWizardState();
    s = wizardReducer(s, { type: 'go', screen: 'hosts' });
    s = wizardReducer(s, { type: 'setName', name: 'lab' });
    s = wizardReducer(s, { type: 'go', screen: 'discovery' });
    s = wizardReducer(s, { type: 'back' });
    expect(s.screen).toBe('hosts');
    expect(s.name).toBe('lab');
    s = wizardReducer(s, { type: 'back' });
    expect(s.screen).toBe('home');
    expect(wizardReducer(s, { type: 'back' })).toBe(s);
  });

  it('service toggles keep dependencies satisfied, whatever the order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...OPENSTACK_SERVICES), { maxLength: 30 }),
        (toggles) => {
          let s = initialWizardState();
          for (const service of toggles) s = wizardReducer(s, { type: 'toggleService', service });
          expect(missingDependencies(s.services)).toEqual([]);
        },
      ),
    );
  });

  it('a sample profile round-trips through the wizard state unchanged', () => {
    for (const name of ['hyperconverged-lab.yaml', 'full-scale.yaml', 'hyperconverged-ceph.yaml']) {
      const loaded = loadProfileText(sample(name));
      expect(loaded.parsed).toBeDefined();
      const s = stateFromProfile(loaded.parsed!, `/x/${name}`, loaded.findings);
      expect(s.screen).toBe('review');
      const v = validateDraft(draftProfile(s));
      expect(v.findings.filter((f) => f.severity === 'error')).toEqual([]);
      expect(v.profile?.hosts.map((h) => h.address)).toEqual(
        loaded.parsed!.hosts.map((h) => h.address),
      );
      expect(v.profile?.network).toEqual(loaded.parsed!.network);
      expect(v.profile?.storage).toEqual(loaded.parsed!.storage);
      expect(v.profile?.openstack).toEqual(loaded.parsed!.openstack);
    }
  });

  it('an invalid answer in a prefilled profile opens its step', () => {
    const loaded = loadProfileText(
      sample('hyperconverged-lab.yaml').replace('gatewayVip: 192.168.100.250', 'gatewayVip: nope'),
    );
    const s = stateFromProfile(loaded.parsed!, '/x.yaml', loaded.findings);
    expect(s.screen).toBe('network');
  });

  it('maps profile paths to steps', () => {
    expect(stepForPath('metadata.name')).toBe('hosts');
    expect(stepForPath('hosts[1].roles')).toBe('roles');
    expect(stepForPath('hosts[1].osdDisks[0]')).toBe('storage');
    expect(stepForPath('network.metallb.gatewayVip')).toBe('network');
    expect(stepForPath('openstack.services.nova')).toBe('services');
  });

  it('validates network fields as typed', () => {
    expect(networkFieldError('podCidr', '10.236.0.0/14')).toBeUndefined();
    expect(networkFieldError('podCidr', '10.236.0.0')).toContain('no prefix length');
    expect(networkFieldError('metallbPrimary', '10.0.0.1-10.0.0.9, 10.0.1.0/28')).toBeUndefined();
    expect(networkFieldError('gatewayVip', '10.0.0.256')).toContain('out of range');
    expect(networkFieldError('domain', 'cloud')).toContain('not a DNS domain');
    expect(networkFieldError('acmeEmail', '')).toBeUndefined();
  });

  it('recommends a topology from the host count', () => {
    const s: WizardState = initialWizardState();
    expect(recommendTopology(s).topology).toBe('hyperconverged');
  });
});

describe('terminal detection', () => {
  it('needs two TTYs and no CI', () => {
    expect(terminalProblem({}, { isTTY: true }, { isTTY: true })).toBeUndefined();
    expect(terminalProblem({}, { isTTY: true }, { isTTY: false })).toContain('standard output');
    expect(terminalProblem({ CI: '' }, { isTTY: true }, { isTTY: true })).toContain('CI');
    expect(terminalProblem({ CI: 'false' }, { isTTY: true }, { isTTY: true })).toBeUndefined();
  });
});

describe('settings', () => {
  it('remembers recent profiles (newest first, no duplicates) and SSH defaults', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'gsi-conf-'));
    const a = openSettings({ cwd });
    a.addRecentProfile('/a.yaml');
    a.addRecentProfile('/b.yaml');
    a.addRecentProfile('/a.yaml');
    a.setSshDefaults({ user: 'ops', port: 2222 });
    const b = openSettings({ cwd });
    expect(b.recentProfiles()).toEqual(['/a.yaml', '/b.yaml']);
    expect(b.sshDefaults()).toEqual({ user: 'ops', port: 2222 });
  });
});
