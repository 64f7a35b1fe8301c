// A full walk through the wizard against real sshd processes on loopback addresses
// (test/helpers/sshFleet.ts): hosts typed, discovered over SSH, every screen answered with the
// keyboard, the profile saved and the config files written. The saved profile must equal the
// one written by hand below, and pass `validate`.
//
// One adaptation: this container has no spare network interface (eth0 carries the address and
// the default route; ifb0/ifb1 are virtual), so no host could offer a provider interface. The
// discovered facts get one extra physical, up, address-less NIC `ens9`; everything else comes
// from the real probe over SSH.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startSshFleet, type SshFleet } from '../helpers/sshFleet';
import { renderWizard } from '../helpers/wizard';
import { KEYS } from '../helpers/render';
import { loadProfileFile } from '../../src/profile/load';
import { ProfileSchema } from '../../src/profile/schema';
import { stateFromProfile } from '../../src/state/wizard';
import { runValidate } from '../../src/commands/validate';
import { SCHEMA_FILE_NAME } from '../../src/profile/save';
import type { DiscoveryEvent, NicFacts } from '../../src/discovery/types';
import type { WizardServices } from '../../screens/hooks/services';

const SPARE_NIC: NicFacts = {
  name: 'ens9',
  mac: '52:54:00:00:00:09',
  state: 'up',
  adminUp: true,
  carrier: true,
  speedMbps: 10000,
  mtu: 1500,
  addresses: [],
  kind: 'physical',
  linkKind: null,
  master: null,
  members: [],
  vlan: null,
  bondMode: null,
  defaultRoute: false,
};

function withSpareNic(s: WizardServices): WizardServices {
  return {
    ...s,
    async *discover(targets, ssh, signal) {
      for await (const ev of s.discover(targets, ssh, signal) as AsyncIterable<DiscoveryEvent>) {
        if (ev.type === 'host-done' && ev.result.status === 'ok') {
          yield {
            ...ev,
            result: {
              ...ev.result,
              facts: { ...ev.result.facts, nics: [...ev.result.facts.nics, SPARE_NIC] },
            },
          };
        } else yield ev;
      }
    },
  };
}

let fleet: SshFleet;
beforeAll(async () => {
  fleet = await startSshFleet({ count: 3, firstOctet: 71 });
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
});

describe('full walk against real sshd', () => {
  it('types hosts, discovers them, answers every screen, saves a valid profile and config files', async () => {
    const w = await renderWizard({
      size: { columns: 120, rows: 40 },
      ssh: { knownHostsFile: fleet.knownHostsFile },
      services: withSpareNic,
    });
    const configDir = path.join(w.dir, 'etc-genestack');
    const profilePath = path.join(w.dir, 'profiles', 'loop-lab.yaml');
    await w.waitFor((f) => f.includes('Start a new guided setup'));
    await w.send(KEYS.enter);
    await w.waitFor((f) => f.includes('Profile name'));

    // Hosts
    await w.type('loop-lab');
    await w.send(KEYS.down);
    await w.type(fleet.hosts.map((h) => `${h.address}:${h.port}`).join(' '));
    await w.send(KEYS.down, KEYS.down); // skip inventory -> SSH user
    await w.send(KEYS.ctrlU);
    await w.type(fleet.user);
    await w.send(KEYS.down, KEYS.down); // port stays 22 (each host's port is in its address)
    await w.type(fleet.clientKey);
    await w.waitFor((f) => f.includes('3 hosts:'));
    await w.send(KEYS.enter);

    // Discovery: real SSH
    await w.waitFor((f) => f.includes('3/3 discovered'), 'discovery', 90_000);
    expect(w.lastFrame()).toMatch(/CPU · .* RAM · .*kernel/);
    await w.send(KEYS.enter);

    // Topology: 3 hosts -> hyperconverged recommended and preselected
    await w.waitFor((f) => f.includes('Recommended: Hyperconverged'));
    await w.send(KEYS.enter);

    // Roles: automatic
    await w.waitFor((f) => f.includes('checks'));
    await w.send(KEYS.enter);

    // Network: management prefilled from the facts (lo holds 127.0.0.x/8); provider picked with →
    await w.waitFor((f) => f.includes('Management interface'));
    await w.waitFor((f) => f.includes('127.0.0.0/8'), 'management prefill');
    await w.send(KEYS.down, KEYS.right);
    await w.waitFor((f) => /Provider interface\s+ens9/.test(f), 'provider ens9');
    await w.send(KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.down); // -> MetalLB pool
    await w.type('127.0.200.1-127.0.200.20');
    await w.send(KEYS.down);
    await w.type('127.0.200.50');
    await w.send(KEYS.down);
    await w.type('cloud.example.com');
    await w.send(KEYS.enter);

    // Storage: Longhorn default
    await w.waitFor((f) => f.includes('Backend:'));
    await w.send(KEYS.enter);

    // Services: turn on cinder (and what it needs)
    await w.waitFor((f) => f.includes('keystone'));
    for (let i = 0; i < 5; i++) await w.send(KEYS.down);
    await w.waitFor((f) => f.includes('› [ ] cinder'));
    await w.send(KEYS.space);
    await w.waitFor((f) => f.includes('› [x] cinder'));
    await w.send(KEYS.enter);

    // Review: set the paths, save, write
    await w.waitFor((f) => f.includes('Inventory preview') || f.includes('valid'));
    await w.send('p');
    await w.send(KEYS.ctrlU);
    await w.type(profilePath);
    await w.send(KEYS.enter, 'c');
    await w.send(KEYS.ctrlU);
    await w.type(configDir);
    await w.send(KEYS.enter);
    await w.waitFor((f) => f.includes('✓ valid'), 'valid profile');
    await w.send('s');
    await w.waitFor((f) => f.includes('✓ saved'), 'saved', 20_000);
    await w.send(KEYS.enter);
    expect(w.results.at(-1)).toEqual({ kind: 'saved', profilePath, configWritten: true });
    w.unmount();

    // The profile a person would write by hand for the same answers.
    const byHand = ProfileSchema.parse({
      apiVersion: 'genestack-installer/v1',
      kind: 'Profile',
      metadata: { name: 'loop-lab' },
      topology: 'hyperconverged',
      ssh: { user: fleet.user, port: 22, identityFile: fleet.clientKey },
      hosts: fleet.hosts.map((h, i) => ({
        name: `node-${h.address.replace(/\./g, '-')}`,
        address: h.address,
        // each sshd of the fleet listens on its own port: typed as address:port, saved per host
        ssh: { port: h.port },
        roles: [
          ...(i < 3 ? (['kube_control_plane', 'etcd'] as const) : []),
          'openstack_control_plane',
          'ovn_network_nodes',
          'openstack_compute_nodes',
          'longhorn_storage_nodes',
        ],
      })),
      network: {
        managementInterface: 'lo',
        providerInterface: 'ens9',
        managementCidr: '127.0.0.0/8',
        metallb: { primary: ['127.0.200.1-127.0.200.20'], gatewayVip: '127.0.200.50' },
        gateway: { domain: 'cloud.example.com' },
      },
      storage: { backend: 'longhorn', longhorn: { replicas: 2 } },
      openstack: {
        services: { ...ProfileSchema.shape.openstack.parse(undefined).services, cinder: true },
      },
      genestack: { configDir },
    });
    const saved = await loadProfileFile(profilePath);
    expect(saved.parsed).toEqual(byHand);
    expect(
      readFileSync(profilePath, 'utf8').startsWith(
        '# yaml-language-server: $schema=./genestack-installer-profile.schema.json',
      ),
    ).toBe(true);
    expect(existsSync(path.join(path.dirname(profilePath), SCHEMA_FILE_NAME))).toBe(true);

    let out = '';
    const io = {
      out: (t: string) => void (out += t),
      err: (t: string) => void (out += t),
      isTTY: false,
      confirm: async () => false,
    };
    expect(await runValidate(profilePath, {}, io)).toBe(0);
    // Ansible reaches each host on its own port.
    const inventory = readFileSync(path.join(configDir, 'inventory', 'inventory.yaml'), 'utf8');
    for (const h of fleet.hosts) {
      expect(inventory).toContain(
        `node-${h.address.replace(/\./g, '-')}:\n      ansible_host: ${h.address}\n      ansible_port: ${h.port}\n`,
      );
    }
  }, 180_000);

  it('--profile prefill rediscovers the saved hosts on their own ports and lists their interfaces', async () => {
    // A profile as the walk saves it: every host on its own sshd port, global port 22.
    const profile = ProfileSchema.parse({
      apiVersion: 'genestack-installer/v1',
      kind: 'Profile',
      metadata: { name: 'loop-lab' },
      topology: 'hyperconverged',
      ssh: { user: fleet.user, port: 22, identityFile: fleet.clientKey },
      hosts: fleet.hosts.map((h) => ({
        name: `node-${h.address.replace(/\./g, '-')}.example.com`,
        address: h.address,
        ssh: { port: h.port },
      })),
      network: {
        managementInterface: 'lo',
        providerInterface: 'ens9',
        managementCidr: '127.0.0.0/8',
        metallb: { primary: ['127.0.200.1-127.0.200.20'], gatewayVip: '127.0.200.50' },
        gateway: { domain: 'cloud.example.com' },
      },
      storage: { backend: 'longhorn' },
    });
    const state = stateFromProfile(profile, '/x/loop-lab.yaml', []);
    expect(state.screen).toBe('review');
    const w = await renderWizard({
      size: { columns: 120, rows: 40 },
      ssh: { knownHostsFile: fleet.knownHostsFile },
      services: withSpareNic,
      state: { ...state, screen: 'network', history: ['home'] },
    });
    // Before the facts arrive the screen says so; the saved answers are shown meanwhile.
    const before = await w.waitFor((f) => f.includes('Management interface'));
    expect(before).toMatch(/Management interface\s+lo/);
    // After rediscovery (real SSH on each host's saved port) the interface list is offered.
    const f = await w.waitFor(
      (x) =>
        /picks from the hosts’ interfaces \(\w+/.test(x) &&
        !x.includes('not discovered') &&
        !x.includes('could not be reached'),
      'interfaces after rediscovery',
      90_000,
    );
    expect(f).toMatch(/Provider interface\s+ens9/);
    await w.send(KEYS.esc);
    await w.waitFor((x) => x.includes('Start a new guided setup'));
    w.unmount();
  }, 120_000);
});
