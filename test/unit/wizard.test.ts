import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import {
  backendNameError,
  draftProfile,
  hostNameError,
  hostNameWarning,
  hostsWithoutFacts,
  initialWizardState,
  lvmDiskRows,
  missingFacts,
  usableHosts,
  volumeGroupError,
  networkFieldError,
  recommendTopology,
  stateFromProfile,
  stepForPath,
  wizardReducer,
  type WizardState,
} from '../../src/state/wizard';
import { validateDraft } from '../../src/state/wizardValidation';
import { loadProfileText } from '../../src/profile/load';
import { resolveProfile } from '../../src/profile/normalize';
import { renderInventory } from '../../src/genestack/inventory';
import { expandHostArgs } from '../../src/discovery/hostList';
import { fixtureFacts } from '../helpers/fakeDiscovery';
import type { HostFacts, HostResult } from '../../src/discovery/types';
import { missingDependencies } from '../../src/profile/services';
import { OPENSTACK_SERVICES, StorageSchema } from '../../src/profile/schema';
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
    expect(stepForPath('hosts[1].name')).toBe('discovery');
    expect(stepForPath('hosts[1].ssh.port')).toBe('hosts');
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

/** The state after discovery of host `h` ended with `outcome`. */
function finish(
  s: WizardState,
  h: WizardState['hosts'][number],
  outcome:
    | { status: 'ok'; facts: HostFacts; warnings: string[] }
    | { status: 'unreachable'; error: string; fix: string; stderr: string },
): WizardState {
  const result = { host: h.key, target: h.target, durationMs: 1, ...outcome } as HostResult;
  return wizardReducer(s, { type: 'hostDone', key: h.key, result });
}

describe('per-host SSH, rename, LVM disks and --profile rediscovery', () => {
  const typed = (text: string): WizardState => {
    let s = wizardReducer(initialWizardState(), { type: 'setName', name: 'lab' });
    const targets = expandHostArgs(text.split(' '));
    s = wizardReducer(s, { type: 'setTargets', targets });
    for (const t of targets) {
      s = wizardReducer(s, {
        type: 'hostDone',
        key: t.host,
        result: { host: t.host, target: t, durationMs: 1, status: 'ok', facts: nvme, warnings: [] },
      });
    }
    return s;
  };
  const nvme = fixtureFacts('ubuntu2404-nvme-os-partitioned.txt');

  it('keeps a typed host port/user in the draft only when it differs from the SSH answers', () => {
    const s = typed('10.0.0.21:2222 ops@10.0.0.22 10.0.0.23:22');
    const hosts = draftProfile(s).hosts;
    expect(hosts[0]!.ssh).toEqual({ port: 2222 });
    expect(hosts[1]!.ssh).toEqual({ user: 'ops' });
    expect(hosts[2]!.ssh).toBeUndefined();
  });

  it('renders ansible_port/ansible_user per host only when the profile sets them', () => {
    const loaded = loadProfileText(
      sample('hyperconverged-lab.yaml').replace(
        '    address: 192.168.100.11',
        '    address: 192.168.100.11\n    ssh: { port: 2201, user: admin }',
      ),
    );
    expect(loaded.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const text = renderInventory(resolveProfile(loaded.parsed!).profile, {
      profileName: 'lab',
      profilePath: '/x/lab.yaml',
    });
    expect(text).toContain(
      'hc-1.cloud.example.com:\n      ansible_host: 192.168.100.11\n      ansible_port: 2201\n      ansible_user: admin\n',
    );
    expect(text).toContain('hc-0.cloud.example.com:\n      ansible_host: 192.168.100.10\n    hc-1');
  });

  it('a saved host is rediscovered on its own port; --no-discover leaves it idle', () => {
    const loaded = loadProfileText(
      sample('hyperconverged-lab.yaml').replace(
        '    address: 192.168.100.11',
        '    address: 192.168.100.11\n    ssh: { port: 2201 }',
      ),
    );
    const s = stateFromProfile(loaded.parsed!, '/x.yaml', loaded.findings);
    expect(s.hosts[1]!.target).toEqual({
      host: '192.168.100.11:2201',
      address: '192.168.100.11',
      port: 2201,
    });
    expect(s.hosts.every((h) => h.progress.state === 'pending')).toBe(true);
    expect(draftProfile(s).hosts[1]!.ssh).toEqual({ port: 2201 });
    const idle = stateFromProfile(loaded.parsed!, '/x.yaml', loaded.findings, { discover: false });
    expect(idle.hosts.every((h) => h.progress.state === 'idle')).toBe(true);
    expect(missingFacts(idle.hosts[0]!)).toContain('--no-discover');
  });

  it('a saved host that cannot be reached keeps its saved answers', () => {
    const loaded = loadProfileText(sample('hyperconverged-lab.yaml'));
    let s = stateFromProfile(loaded.parsed!, '/x.yaml', loaded.findings);
    const h = s.hosts[2]!;
    s = finish(s, h, {
      status: 'unreachable',
      error: 'no route to host',
      fix: 'check the address',
      stderr: '',
    });
    expect(usableHosts(s)).toHaveLength(3);
    expect(hostsWithoutFacts(s)).toEqual([
      { name: 'hc-0.cloud.example.com', why: 'not discovered yet' },
      { name: 'hc-1.cloud.example.com', why: 'not discovered yet' },
      { name: 'hc-2.cloud.example.com', why: 'could not be reached (see Discovery)' },
    ]);
    const v = validateDraft(draftProfile(s));
    expect(v.valid).toBe(true);
    expect(v.profile?.hosts.map((x) => [x.name, x.address, x.ssh])).toEqual(
      loaded.parsed!.hosts.map((x) => [x.name, x.address, x.ssh]),
    );
  });

  it('renames hosts; names are checked with the validate rules', () => {
    let s = typed('10.0.0.21 10.0.0.22');
    s = wizardReducer(s, { type: 'renameHost', key: '10.0.0.21', name: 'ctl-1.example.com' });
    expect(draftProfile(s).hosts.map((h) => h.name)).toEqual([
      'ctl-1.example.com',
      'node-10-0-0-22',
    ]);
    expect(hostNameError('')).toContain('required');
    expect(hostNameError('Node1.example.com')).toContain('upper-case');
    expect(hostNameError('a..b')).toContain('empty label');
    expect(hostNameError('ctl-1.example.com')).toBeUndefined();
    expect(hostNameWarning('ctl-1')).toContain('not a fully qualified name');
    expect(hostNameWarning('ctl-1.example.com')).toBeUndefined();
  });

  it('validates LVM volume groups and Cinder backend names as typed', () => {
    expect(volumeGroupError('vg-general')).toBeUndefined();
    expect(volumeGroupError('')).toContain('required');
    expect(volumeGroupError('-vg')).toContain('not a volume group name');
    expect(volumeGroupError('vg data')).toContain('not a volume group name');
    expect(backendNameError('lvmdriver-1')).toBeUndefined();
    expect(backendNameError('lvm driver')).toContain('not a backend name');
  });

  it('LVM disks: a disk holding data needs its wipe acknowledged; one disk is never in two groups', () => {
    const FREE = '/dev/disk/by-id/nvme-eui.01000000000000005cd2e4b5a2c34e62';
    const USED = '/dev/disk/by-id/nvme-eui.01000000000000005cd2e4b5a2c34f73';
    let s = typed('10.0.0.21');
    s = wizardReducer(s, { type: 'setBackend', backend: 'topolvm' });
    s = wizardReducer(s, { type: 'setCinder', cinder: 'lvm' });
    const d = (list: 'topolvm' | 'cinderLvm', diskId: string) => ({
      list,
      hostKey: '10.0.0.21',
      diskId,
    });
    expect(wizardReducer(s, { type: 'toggleLvmDisk', ...d('topolvm', USED) })).toBe(s);
    s = wizardReducer(s, { type: 'ackLvmWipe', ...d('topolvm', USED) });
    s = wizardReducer(s, { type: 'toggleLvmDisk', ...d('cinderLvm', FREE) });
    // FREE is in the Cinder group: TopoLVM cannot take it too
    expect(wizardReducer(s, { type: 'toggleLvmDisk', ...d('topolvm', FREE) })).toBe(s);
    s = wizardReducer(s, { type: 'setStorageText', field: 'topolvmVolumeGroup', value: 'vg-k8s' });
    // the storage part of the draft, with the schema's defaults applied
    const storage = StorageSchema.parse(draftProfile(s).storage);
    expect(storage.topolvm).toEqual({
      volumeGroup: 'vg-k8s',
      devices: [expect.objectContaining({ path: USED, wipe: true })],
    });
    expect(storage.cinderLvm).toEqual({
      volumeGroup: 'cinder-volumes',
      backendName: 'lvmdriver-1',
      devices: [expect.objectContaining({ path: FREE, wipe: false })],
    });
    expect(lvmDiskRows(s, 'topolvm').map((r) => r.id)).toContain(FREE);
  });

  it('a prefilled Ceph host keeps its saved disk list after rediscovery', () => {
    const loaded = loadProfileText(sample('hyperconverged-ceph.yaml'));
    const saved = loaded.parsed!.hosts.map((h) => h.osdDisks);
    let s = stateFromProfile(loaded.parsed!, '/x.yaml', loaded.findings);
    for (const h of s.hosts) s = finish(s, h, { status: 'ok', facts: nvme, warnings: [] });
    // the recorded facts do not have the sample's disks: they are kept, none is added
    const hosts = validateDraft(draftProfile(s)).profile!.hosts;
    expect(hosts.map((h) => h.osdDisks)).toEqual(saved);
  });
});
