import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { renderWizard } from '../helpers/wizard';
import { KEYS } from '../helpers/render';
import { fakeDiscovery, fixtureFacts } from '../helpers/fakeDiscovery';
import { initialWizardState, stateFromProfile } from '../../src/state/wizard';
import { loadProfileText } from '../../src/profile/load';
import { discoveredState, NVME, SIZES } from './state';
// Keys are sent one by one and each waits for React: loops of downs stay readable as loops.

const start = (screen: Parameters<typeof discoveredState>[0] extends infer O ? O : never) =>
  discoveredState(screen);

describe('1. Hosts', () => {
  it('fits the smallest terminal (60x16): every field on its own line, the focus always shown', async () => {
    const w = await renderWizard({
      size: { columns: 60, rows: 16 },
      state: { ...initialWizardState(), screen: 'hosts', history: ['home'] },
    });
    await w.waitFor((x) => x.includes('› Profile name'));
    const labels = ['Profile name', 'Hosts', 'Import inventory', 'SSH user', 'SSH port', 'SSH key'];
    const rowOf = (f: string, label: string) =>
      f.split('\n').find((l) => new RegExp(`^│ [› ] ${label} +`).test(l));
    for (const label of labels) expect(rowOf(w.lastFrame(), label), label).toBeDefined();
    // Enter with nothing typed: an error under the name and the hosts; then down to the last field.
    await w.send(KEYS.enter);
    await w.type('x');
    await w.send(KEYS.down);
    await w.type('bad host!');
    for (let i = 0; i < 5; i++) await w.send(KEYS.down);
    const f = await w.waitFor((x) => x.includes('› Jump host'), 'the last field focused');
    expect(rowOf(f, 'Jump host')).toContain('› Jump host');
    expect(f.split('\n')).toHaveLength(15);
    w.unmount();
  });

  for (const size of SIZES) {
    it(`renders at ${size.columns}x${size.rows}`, async () => {
      const w = await renderWizard({
        size,
        state: { ...initialWizardState(), screen: 'hosts', history: ['home'] },
      });
      const f = await w.waitFor((x) => x.includes('Profile name'));
      for (const label of [
        'Hosts',
        'Import inventory',
        'SSH user',
        'SSH port',
        'SSH key',
        'Jump host',
      ])
        expect(f).toContain(label);
      expect(f).toContain('Step 1/8: Hosts');
      w.unmount();
    });
  }

  it('validates as typed: name, ranges, port; Backspace edits; Enter refuses until valid', async () => {
    const w = await renderWizard({
      state: { ...initialWizardState(), screen: 'hosts', history: ['home'] },
    });
    await w.waitFor((x) => x.includes('Profile name'));
    await w.send(KEYS.enter);
    await w.waitFor((x) => x.includes('required: the profile'));
    await w.type('My Lab');
    await w.waitFor((x) => x.includes('use lower case letters, digits and dashes'));
    for (let i = 0; i < 6; i++) await w.send(KEYS.backspace);
    await w.type('my-lab');
    await w.waitFor((x) => x.includes('my-lab') && !x.includes('use lower case'));
    await w.send(KEYS.down);
    await w.type('10.0.0.10-10.0.0.12, node[1:2].example.com');
    await w.waitFor((x) =>
      x.includes('5 hosts: 10.0.0.10, 10.0.0.11, 10.0.0.12, node1.example.com'),
    );
    await w.send(KEYS.down, KEYS.down, KEYS.down);
    await w.send(KEYS.backspace, KEYS.backspace);
    await w.type('99999');
    await w.waitFor((x) => x.includes('a port number 1-65535'));
    await w.send(KEYS.enter);
    expect(w.lastFrame()).toContain('Step 1/8');
    w.unmount();
  });

  it('imports hosts from a Genestack inventory.yaml', async () => {
    const w = await renderWizard({
      state: { ...initialWizardState(), screen: 'hosts', history: ['home'] },
    });
    const inv = path.join(w.dir, 'inventory.yaml');
    writeFileSync(
      inv,
      'all:\n  hosts:\n    c1.example.com:\n      ansible_host: 10.1.0.1\n    c2.example.com:\n      ansible_host: 10.1.0.2\n',
    );
    await w.waitFor((x) => x.includes('Profile name'));
    await w.send(KEYS.down, KEYS.down);
    await w.type(inv);
    await w.send(KEYS.ctrlO);
    await w.waitFor((x) => x.includes('imported 2 hosts'));
    expect(w.lastFrame()).toContain('2 hosts: c1.example.com, c2.example.com');
    w.unmount();
  });

  it('remembers the SSH defaults for the next run', async () => {
    const fake = fakeDiscovery();
    const w = await renderWizard({
      services: fake.wrap,
      state: { ...initialWizardState(), screen: 'hosts', history: ['home'] },
    });
    await w.waitFor((x) => x.includes('Profile name'));
    await w.type('lab');
    await w.send(KEYS.down);
    await w.type('10.0.0.21');
    await w.send(KEYS.down, KEYS.down, KEYS.ctrlU);
    await w.type('admin');
    await w.send(KEYS.enter);
    await w.waitFor((x) => x.includes('Step 2/8: Discovery'));
    expect(w.services.settings.sshDefaults()).toEqual({ user: 'admin', port: 22 });
    w.unmount();
  });
});

describe('2. Discovery', () => {
  for (const size of SIZES) {
    it(`renders at ${size.columns}x${size.rows}: spinner, then facts as they arrive`, async () => {
      const fake = fakeDiscovery({ manual: true, facts: () => fixtureFacts(NVME) });
      const s = discoveredState({ screen: 'hosts' });
      const state = {
        ...s,
        hosts: s.hosts.map((h) => ({ ...h, progress: { state: 'pending' as const } })),
      };
      const w = await renderWizard({ size, services: fake.wrap, state });
      await w.send(KEYS.enter);
      await w.waitFor((x) => x.includes('probing…'));
      expect(w.lastFrame()).toContain('0/3 discovered, 3 in progress');
      fake.release();
      await w.waitFor((x) => x.includes('1/3 discovered'));
      fake.release();
      await w.waitFor((x) => x.includes('2/3 discovered'));
      fake.release();
      const f = await w.waitFor((x) => x.includes('3/3 discovered'));
      expect(f).toContain('64 CPU · 252 GiB RAM · 4 disks (1 free) · NICs eno1,eno2');
      w.unmount();
    });
  }

  it('shows a failure with its reason and fix; accepting the fingerprint retries; Enter waits for hosts', async () => {
    const fake = fakeDiscovery({ unknownKey: ['10.0.0.22'] });
    const s = discoveredState({ screen: 'hosts' });
    const state = {
      ...s,
      hosts: s.hosts.map((h) => ({ ...h, progress: { state: 'pending' as const } })),
    };
    const w = await renderWizard({ services: fake.wrap, state });
    await w.send(KEYS.enter);
    const f = await w.waitFor((x) => x.includes('2/3 discovered, 1 failed'));
    expect(f).toContain('offered a host key that is not in known_hosts');
    expect(f).toContain('fix: compare the fingerprint');
    expect(f).toContain('ED25519 SHA256:testfingerprint0000');
    await w.send(KEYS.down);
    await w.send('r');
    await w.waitFor((x) => x.includes('2/3 discovered, 1 failed'));
    expect(fake.attempts.get('10.0.0.22')).toBe(2);
    await w.send('a');
    await w.waitFor((x) => x.includes('3/3 discovered'));
    expect(fake.accepted.has('10.0.0.22')).toBe(true);
    await w.send(KEYS.enter);
    await w.waitFor((x) => x.includes('Step 3/8: Topology'));
    w.unmount();
  });
});

describe('3. Topology', () => {
  for (const size of SIZES) {
    it(`renders at ${size.columns}x${size.rows} with a recommendation`, async () => {
      const w = await renderWizard({ size, state: start({ screen: 'topology' }) });
      const f = await w.waitFor((x) => x.includes('Recommended: Hyperconverged'));
      expect(f).toContain('Full-scale');
      expect(f).toContain('(recommended)');
      w.unmount();
    });
  }
  it('6 hosts recommend full-scale; choosing it and going back keeps the answer', async () => {
    const w = await renderWizard({
      state: start({ hosts: '10.0.0.21-10.0.0.26', screen: 'topology' }),
    });
    await w.waitFor((x) => x.includes('Recommended: Full-scale'));
    await w.send(KEYS.down, KEYS.enter);
    await w.waitFor((x) => x.includes('Step 4/8: Roles'));
    await w.send(KEYS.esc);
    await w.waitFor((x) => x.includes('[x] Full-scale'));
    w.unmount();
  });
});

describe('4. Roles', () => {
  for (const size of SIZES) {
    it(`renders at ${size.columns}x${size.rows} with live checks`, async () => {
      const w = await renderWizard({ size, state: start({ screen: 'roles' }) });
      const f = await w.waitFor((x) => x.includes('node-10-0-0-21'));
      expect(f).toContain('k8s');
      expect(f).toMatch(/✓ ok|! |✗ /);
      w.unmount();
    });
  }
  it('Space toggles a role, the rules react live, x restores automatic roles', async () => {
    const w = await renderWizard({
      size: { columns: 160, rows: 40 },
      state: start({ screen: 'roles' }),
    });
    await w.waitFor((x) => x.includes('node-10-0-0-21'));
    // etcd off on the first host: 2 etcd members is an even count
    await w.send(KEYS.right, KEYS.space);
    const f = await w.waitFor((x) => x.includes('(edited)'));
    expect(f).toContain('etcd needs an odd member count');
    await w.send('x');
    await w.waitFor((x) => !x.includes('(edited)'));
    w.unmount();
  });
});

describe('5. Network', () => {
  for (const size of SIZES) {
    it(`renders at ${size.columns}x${size.rows}, prefilled from the facts and Genestack defaults`, async () => {
      const w = await renderWizard({ size, state: start({ screen: 'network' }) });
      const f = await w.waitFor((x) => x.includes('10.0.0.0/24'));
      expect(f).toMatch(/Management interface\s+eno1/);
      expect(f).toContain('10.236.0.0/14');
      expect(f).toContain('10.233.0.0/18');
      expect(f).toContain('100.64.0.0/16');
      w.unmount();
    });
  }
  it('provider picked from real interfaces; each field validated as typed; back keeps answers', async () => {
    const w = await renderWizard({ state: start({ screen: 'network' }) });
    await w.waitFor((x) => x.includes('10.0.0.0/24'));
    await w.send(KEYS.down, KEYS.right);
    await w.waitFor((x) => /Provider interface\s+eno2/.test(x));
    await w.type('x');
    await w.waitFor((x) => x.includes('eno2x does not exist on any host'));
    await w.send(KEYS.backspace);
    await w.send(KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.down);
    await w.type('10.0.0.300');
    await w.waitFor((x) => x.includes('octet 300 is out of range'));
    await w.send(KEYS.ctrlU);
    await w.type('10.0.0.200-10.0.0.220');
    await w.send(KEYS.down);
    await w.type('10.0.0.250');
    await w.send(KEYS.down);
    await w.type('cloud');
    await w.waitFor((x) => x.includes('"cloud" is not a DNS domain'));
    await w.type('.example.com');
    await w.send(KEYS.down);
    await w.type('ops@');
    await w.waitFor((x) => x.includes('is not an email address'));
    await w.type('example.com');
    await w.send(KEYS.enter);
    await w.waitFor((x) => x.includes('Step 6/8: Storage'));
    await w.send(KEYS.esc);
    const f = await w.waitFor((x) => x.includes('Step 5/8: Network'));
    expect(f).toContain('10.0.0.200-10.0.0.220');
    expect(f).toContain('ops@example.com');
    w.unmount();
  });
});

describe('6. Storage', () => {
  for (const size of SIZES) {
    it(`renders at ${size.columns}x${size.rows}`, async () => {
      const w = await renderWizard({ size, state: start({ screen: 'storage' }) });
      const f = await w.waitFor((x) => x.includes('Backend:'));
      expect(f).toContain('Longhorn');
      expect(f).toContain('Replicas: ◂ 2 ▸');
      w.unmount();
    });
  }
  it('Rook/Ceph disk plan: eligible preselected, used disks need a wipe acknowledgement by id', async () => {
    const w = await renderWizard({
      size: { columns: 160, rows: 40 },
      state: start({ screen: 'storage' }),
    });
    await w.waitFor((x) => x.includes('Backend:'));
    await w.send(KEYS.right);
    let f = await w.waitFor((x) => x.includes('Disk plan'));
    expect(f).toContain('Disk plan (3 disks');
    expect(f).toMatch(
      /\[x\] node-10-0-0-21 \/dev\/disk\/by-id\/nvme-eui\.01000000000000005cd2e4b5a2c34e62/,
    );
    expect(f).toMatch(
      /\[ \] node-10-0-0-21 \/dev\/disk\/by-id\/nvme-eui\.01000000000000005cd2e4b5a2c34f73 .* holds data: .*Ceph/,
    );
    // rows: backend, cinder, allow fewer hosts, then disks (os disk, free disk, ceph disk) of host 1
    await w.send(KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.down);
    await w.send(KEYS.space);
    f = await w.waitFor((x) =>
      x.includes('› [ ] node-10-0-0-21 /dev/disk/by-id/nvme-eui.01000000000000005cd2e4b5a2c34f73'),
    );
    await w.send('w');
    f = await w.waitFor((x) => x.includes('WIPE acknowledged'));
    expect(f).toContain('Disk plan (4 disks');
    w.unmount();
  });
});

describe('6. Storage: TopoLVM, Cinder LVM and NetApp', () => {
  const FREE = '/dev/disk/by-id/nvme-eui.01000000000000005cd2e4b5a2c34e62';
  const CEPH = '/dev/disk/by-id/nvme-eui.01000000000000005cd2e4b5a2c34f73';
  const topolvm = () =>
    start({
      screen: 'storage',
      extra: [{ type: 'setBackend', backend: 'topolvm' }],
    });
  /** Move the cursor down (or up) until the focused row matches. */
  const focusOn = async (
    w: Awaited<ReturnType<typeof renderWizard>>,
    re: RegExp,
    key: string = KEYS.down,
  ) => {
    for (let i = 0; i < 30 && !re.test(w.lastFrame()); i++) await w.send(key);
    return w.waitFor((x) => re.test(x), String(re));
  };
  for (const size of SIZES) {
    it(`renders every new field at ${size.columns}x${size.rows}`, async () => {
      const w = await renderWizard({ size, state: topolvm() });
      let f = await w.waitFor((x) => x.includes('TopoLVM volume group'));
      expect(f).toMatch(/TopoLVM volume group\s+vg-general/);
      expect(f).toContain('TopoLVM disks (0 chosen');
      expect(f).toMatch(/\[ \] node-10-0-0-21 \/dev\/disk\/by-id\/nvme-eui\./);
      // the focused disk's state is shown in full below the list, whatever the width
      f = await focusOn(w, /empty · node-10-0-0-21 \/dev\/disk\/by-id\/nvme-eui\.0100/);
      expect(f).toMatch(/› \[ \] node-10-0-0-21/);
      // Cinder: LVM asks its volume group, backend name and disks
      await focusOn(w, /› Cinder:/, KEYS.up);
      await w.send(KEYS.right);
      await w.waitFor((x) => x.includes('Cinder:   ◂ lvm ▸'));
      f = await focusOn(w, /› Cinder LVM backend/);
      expect(f).toMatch(/Cinder volume group\s+cinder-volumes/);
      expect(f).toMatch(/Cinder LVM backend\s+lvmdriver-1/);
      await focusOn(w, /Cinder LVM disks \(0 chosen/);
      // NetApp: backend name, multipath and SSL
      await focusOn(w, /› Cinder:/, KEYS.up);
      await w.send(KEYS.right);
      await w.waitFor((x) => x.includes('Cinder:   ◂ netapp ▸'));
      f = await focusOn(w, /› \[ \] NetApp storage SSL/);
      expect(f).toMatch(/NetApp backend\s+netapp-iscsi-1/);
      expect(f).toContain('[ ] NetApp iSCSI multipath');
      await w.send(KEYS.space);
      await w.waitFor((x) => x.includes('› [x] NetApp storage SSL'));
      w.unmount();
    });
  }

  it('TopoLVM: the volume group is validated as typed; a disk with data needs w; back keeps answers', async () => {
    const w = await renderWizard({ size: { columns: 160, rows: 40 }, state: topolvm() });
    await w.waitFor((x) => x.includes('TopoLVM volume group'));
    await w.send(KEYS.down, KEYS.down, KEYS.ctrlU);
    await w.type('-vg');
    await w.waitFor((x) => x.includes('"-vg" is not a volume group name'));
    await w.send(KEYS.ctrlU);
    await w.type('vg-data');
    await w.waitFor((x) => /TopoLVM volume group\s+vg-data/.test(x) && !x.includes('✗'));
    // disks of host 1: os disk, free disk, ceph disk
    await w.send(KEYS.down, KEYS.down);
    await w.send(KEYS.space);
    let f = await w.waitFor((x) => x.includes(`› [x] node-10-0-0-21 ${FREE}`));
    expect(f).toContain('TopoLVM disks (1 chosen');
    await w.send(KEYS.down, KEYS.space);
    // holds data: Space alone does not select it
    f = await w.waitFor((x) => x.includes(`› [ ] node-10-0-0-21 ${CEPH}`));
    expect(f).toMatch(/holds data: .*\(w to acknowledge wiping it\)/);
    await w.send('w');
    f = await w.waitFor((x) => x.includes(`› [x] node-10-0-0-21 ${CEPH}`));
    expect(f).toContain('WIPE acknowledged');
    expect(f).toContain('TopoLVM disks (2 chosen');
    await w.send(KEYS.enter);
    await w.waitFor((x) => x.includes('Step 7/8: OpenStack services'));
    await w.send(KEYS.esc);
    f = await w.waitFor((x) => x.includes('Step 6/8: Storage'));
    expect(f).toMatch(/TopoLVM volume group\s+vg-data/);
    expect(f).toContain('TopoLVM disks (2 chosen');
    w.unmount();
  });

  it('Cinder LVM: backend name validated; a disk in the TopoLVM group is not offered twice; Enter refuses a bad name', async () => {
    const w = await renderWizard({
      size: { columns: 160, rows: 60 },
      state: start({
        screen: 'storage',
        extra: [
          { type: 'setBackend', backend: 'topolvm' },
          { type: 'setCinder', cinder: 'lvm' },
          { type: 'toggleLvmDisk', list: 'topolvm', hostKey: '10.0.0.21', diskId: FREE },
        ],
      }),
    });
    let f = await w.waitFor((x) => x.includes('Cinder LVM disks'));
    expect(f).toMatch(
      new RegExp(
        `\\[ \\] node-10-0-0-21 ${FREE.replace(/\./g, '\\.')} .* used by the TopoLVM disks`,
      ),
    );
    // focus the backend name: backend, cinder, VG, 12 TopoLVM disks, cinder VG, backend name
    for (let i = 0; i < 16; i++) await w.send(KEYS.down);
    await w.send(KEYS.ctrlU);
    await w.type('lvm driver');
    f = await w.waitFor((x) => x.includes('"lvm driver" is not a backend name'));
    await w.send(KEYS.enter);
    expect(w.lastFrame()).toContain('Step 6/8: Storage');
    await w.send(KEYS.ctrlU);
    await w.type('lvm-ssd-1');
    await w.waitFor(
      (x) => /Cinder LVM backend\s+lvm-ssd-1/.test(x) && !x.includes('not a backend'),
    );
    w.unmount();
  });
});

describe('2. Discovery: hostile text', () => {
  it('a discovered name with control characters is shown visibly, never sent raw', async () => {
    const evil = { ...fixtureFacts(NVME), fqdn: 'evil\u001b[2J.example.com' };
    const w = await renderWizard({
      state: discoveredState({ screen: 'discovery', facts: evil, hosts: '10.0.0.21' }),
    });
    const f = await w.waitFor((x) => x.includes('1/1 discovered'));
    expect(f).toContain('(evil␛[2J.example.com)');
    expect(w.stdout.frames.at(-1)).not.toContain('\u001b[2J');
    w.unmount();
  });
});

describe('2. Discovery: rename', () => {
  it('n renames a host; the name is validated as typed; Esc cancels; the new name is used', async () => {
    const w = await renderWizard({ state: start({ screen: 'discovery' }) });
    await w.waitFor((x) => x.includes('3/3 discovered'));
    await w.send('n');
    await w.waitFor((x) => /Name\s+node-10-0-0-21/.test(x));
    await w.send(KEYS.ctrlU);
    await w.type('Node_1');
    await w.waitFor((x) => x.includes('not a valid DNS name: it has upper-case letters'));
    await w.send(KEYS.enter);
    expect(w.lastFrame()).toContain('not a valid DNS name');
    await w.send(KEYS.ctrlU);
    await w.type('node-10-0-0-22');
    await w.waitFor((x) => x.includes('already has this name'));
    await w.send(KEYS.ctrlU);
    await w.type('ctl1');
    await w.waitFor((x) => x.includes('not a fully qualified name'));
    await w.type('.cloud.example.com');
    await w.send(KEYS.enter);
    const f = await w.waitFor((x) => x.includes('(ctl1.cloud.example.com)'));
    expect(f).toContain('renamed to ctl1.cloud.example.com');
    // Esc in the editor cancels without going back
    await w.send(KEYS.down, 'n');
    await w.waitFor((x) => /Name\s+node-10-0-0-22/.test(x));
    await w.send(KEYS.esc);
    await w.waitFor((x) => !/Name\s+node-10-0-0-22/.test(x));
    expect(w.lastFrame()).toContain('Step 2/8: Discovery');
    await w.send(KEYS.enter, KEYS.enter);
    await w.waitFor((x) => x.includes('ctl1.cloud.example.com') && x.includes('Step 4/8: Roles'));
    w.unmount();
  });
});

describe('7. OpenStack services', () => {
  for (const size of SIZES) {
    it(`renders at ${size.columns}x${size.rows}`, async () => {
      const w = await renderWizard({ size, state: start({ screen: 'services' }) });
      const f = await w.waitFor((x) => x.includes('[x] keystone'));
      expect(f).toContain('[x] nova');
      w.unmount();
    });
  }
  it('dependencies are enforced both ways', async () => {
    const w = await renderWizard({ state: start({ screen: 'services' }) });
    await w.waitFor((x) => x.includes('› [x] keystone'));
    await w.send(KEYS.space);
    const f = await w.waitFor((x) => x.includes('› [ ] keystone'));
    expect(f).toContain('[ ] glance');
    expect(f).toContain('[ ] nova');
    await w.send(KEYS.down);
    await w.send(KEYS.space);
    await w.waitFor((x) => x.includes('› [x] glance') && x.includes('[x] keystone'));
    w.unmount();
  });
});

describe('8. Review', () => {
  const reviewState = () =>
    start({
      screen: 'review',
      extra: [
        { type: 'prefillNetwork' },
        { type: 'setNetwork', field: 'providerInterface', value: 'eno2' },
        { type: 'setNetwork', field: 'metallbPrimary', value: '10.0.0.200-10.0.0.220' },
        { type: 'setNetwork', field: 'gatewayVip', value: '10.0.0.250' },
        { type: 'setNetwork', field: 'domain', value: 'cloud.example.com' },
      ],
    });
  for (const size of SIZES) {
    it(`renders at ${size.columns}x${size.rows}: valid, warnings, inventory and plan preview`, async () => {
      const w = await renderWizard({ size, state: reviewState() });
      const f = await w.waitFor((x) => x.includes('✓ valid'));
      expect(f).toContain('Step 8/8: Review');
      w.unmount();
    });
  }
  it('scrolls to the inventory and plan; saves; shows a diff for a changed file and asks', async () => {
    const s = reviewState();
    const w = await renderWizard({ size: { columns: 120, rows: 40 }, state: s });
    const configDir = path.join(w.dir, 'etc');
    await w.waitFor((x) => x.includes('✓ valid'));
    await w.send(KEYS.pageDown, KEYS.pageDown);
    await w.waitFor((x) => x.includes('Plan: the phases that will run') || x.includes('• '));
    await w.send('c', KEYS.ctrlU);
    await w.type(configDir);
    await w.send(KEYS.enter, 's');
    let f = await w.waitFor((x) => x.includes('✓ saved'));
    const saved = path.join(w.dir, 'state', 'profiles', 'lab.yaml');
    expect(f).toContain(saved);
    expect(readFileSync(saved, 'utf8')).toContain(
      '# yaml-language-server: $schema=./genestack-installer-profile.schema.json',
    );
    // a file edited by hand is shown as a diff before it is replaced
    const inv = path.join(configDir, 'inventory', 'inventory.yaml');
    writeFileSync(inv, readFileSync(inv, 'utf8') + '# local edit\n');
    await w.send('s');
    f = await w.waitFor((x) => x.includes('These files exist and differ'));
    expect(f).toContain('-# local edit');
    await w.send('y');
    await w.waitFor((x) => x.includes('✓ saved'));
    expect(readFileSync(inv, 'utf8')).not.toContain('# local edit');
    await w.send('d');
    expect(w.results.at(-1)).toEqual({ kind: 'deploy', profilePath: saved });
    w.unmount();
  });
  it('refuses to save with errors and lists them', async () => {
    const w = await renderWizard({ state: start({ screen: 'review' }) });
    await w.waitFor((x) => x.includes('error(s)'));
    await w.send('s');
    await w.waitFor((x) => x.includes('the profile has errors'));
    w.unmount();
  });
});

describe('--profile prefill', () => {
  const topolvmLab = () =>
    readFileSync(new URL('../../profiles/hyperconverged-lab.yaml', import.meta.url), 'utf8')
      .replace(
        '  backend: longhorn\n  longhorn:\n    replicas: 2\n',
        '  backend: topolvm\n  topolvm:\n    volumeGroup: vg-lab\n    devices:\n      - /dev/disk/by-id/nvme-eui.01000000000000005cd2e4b5a2c34e62\n',
      )
      .replace(
        '    address: 192.168.100.12',
        '    address: 192.168.100.12\n    ssh: { port: 2222 }',
      );

  it('rediscovers the hosts: interface and disk lists appear, saved answers are kept, an unreachable host is named', async () => {
    const loaded = loadProfileText(topolvmLab());
    expect(loaded.findings.filter((f) => f.severity === 'error')).toEqual([]);
    const state = stateFromProfile(loaded.parsed!, '/x/lab.yaml', loaded.findings);
    expect(state.screen).toBe('review');
    // the saved per-host port is what discovery is asked to use
    expect(state.hosts.map((h) => h.target)).toContainEqual({
      host: '192.168.100.12:2222',
      address: '192.168.100.12',
      port: 2222,
    });
    // recorded facts stand in for SSH (no address outside loopback); the third host fails
    const fake = fakeDiscovery({
      facts: () => fixtureFacts(NVME),
      unknownKey: ['192.168.100.12:2222'],
    });
    const w = await renderWizard({
      size: { columns: 160, rows: 40 },
      services: fake.wrap,
      state: { ...state, screen: 'network', history: ['home'] },
    });
    let f = await w.waitFor((x) => x.includes('interfaces (eno1'), 'interfaces');
    expect(f).toMatch(/Management interface\s+enp3s0/);
    expect(f).toContain(
      'hc-2.cloud.example.com could not be reached (see Discovery): its interfaces are not listed; saved answers are kept',
    );
    expect(fake.attempts.get('192.168.100.12:2222')).toBe(1);
    // the facts now show the saved provider interface is not on the hosts: only that is asked
    expect(f).toContain('enp4s0 does not exist on any host');
    await w.send(KEYS.enter);
    await w.waitFor((x) => x.includes('› Provider interface'));
    await w.send(KEYS.right);
    await w.waitFor((x) => /Provider interface\s+eno2/.test(x));
    await w.send(KEYS.enter);
    f = await w.waitFor((x) => x.includes('TopoLVM volume group'));
    expect(f).toMatch(/TopoLVM volume group\s+vg-lab/);
    // the saved disk is chosen on the discovered hosts; nothing else was added
    expect(f).toContain(
      '[x] hc-0.cloud.example.com /dev/disk/by-id/nvme-eui.01000000000000005cd2e4b5a2c34e62',
    );
    expect(f).toContain('TopoLVM disks (2 chosen');
    expect(f).toContain('hc-2.cloud.example.com could not be reached');
    expect(f).toContain('its disks are not listed; saved disks are kept');
    w.unmount();
  });

  it('keeps complete answers and opens at the first step with a problem', async () => {
    const text = readFileSync(
      new URL('../../profiles/hyperconverged-lab.yaml', import.meta.url),
      'utf8',
    ).replace('gatewayVip: 192.168.100.250', 'gatewayVip: not-an-address');
    const loaded = loadProfileText(text);
    expect(loaded.parsed).toBeDefined();
    const state = stateFromProfile(loaded.parsed!, '/tmp/x.yaml', loaded.findings);
    const w = await renderWizard({ state, services: fakeDiscovery().wrap });
    const f = await w.waitFor((x) => x.includes('Gateway VIP'));
    expect(f).toContain('Step 5/8: Network');
    expect(f).toContain('profile: hyperconverged-lab');
    expect(f).toContain('not-an-address');
    w.unmount();
  });
});
