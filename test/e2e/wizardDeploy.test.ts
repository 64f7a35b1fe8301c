// End to end, as an operator: the built installer in a real pseudo-terminal (node-pty +
// @xterm/headless), keyboard only, against real sshd on 127.0.0.x and real ansible-playbook.
// 1. The wizard from the home screen to a saved profile: hosts typed, discovered over SSH, each
//    unknown host key shown by its fingerprint and accepted with `a`, every step answered with
//    keys; the saved profile passes `validate`; the terminal is restored.
// 2. "Deploy now" from the wizard (the saved profile reopened with --profile, saved, `d`): the
//    dashboard of the run; the terminal killed mid-phase (SIGHUP, as a lost SSH session); in a
//    second terminal `attach` shows the run still going, then completed; the run succeeded.
// The deploy runs the test catalog test/fixtures/catalogs/e2e/deploy.yaml, given through
// GENESTACK_INSTALLER_CATALOG (the wizard's deploy takes no flags). See test/helpers/e2eWorld.ts
// for what the child's environment is and the one adaptation (a spare NIC in the probe output).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ENTER_ALT,
  expectExitRestored,
  startE2eWorld,
  statusOf,
  waitForHoldRunning,
  waitForSucceeded,
  type E2eWorld,
} from '../helpers/e2eWorld';
import type { PtyRun } from '../helpers/pty';

const KEY = {
  enter: '\r',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  ctrlU: '\x15',
};

let world: E2eWorld;
beforeAll(async () => {
  world = await startE2eWorld({ hosts: 3, firstOctet: 81 });
}, 120_000);
afterAll(async () => {
  await world?.stop();
});

/**
 * Sends one key and waits for its effect: Ink 6 reads one chunk as one key (an escape sequence
 * glued to text would be lost), so the next key goes only once the screen shows this one's.
 */
async function press(r: PtyRun, key: string, effect: (screen: string) => boolean, what: string) {
  r.pty.write(key);
  await r.waitFor(() => effect(r.screen()), what, 20_000);
}
const focusOn = (label: string) => (s: string) => s.includes(`› ${label}`);

const profileName = 'loop-lab';
let profilePath = '';

describe('the installer in a real terminal, keyboard only, against real sshd', () => {
  it('walks the wizard from the home screen to a saved, valid profile', async () => {
    const { fleet } = world;
    const r = world.pty([]);
    await r.waitForScreen('Start a new guided setup');
    expect(r.term.buffer.active.type).toBe('alternate');
    await press(r, KEY.enter, focusOn('Profile name'), 'Hosts step');

    // Hosts: name, the fleet's addresses with their ports, user and key.
    r.pty.write(profileName);
    await r.waitForScreen(profileName);
    await press(r, KEY.down, focusOn('Hosts'), 'Hosts field');
    const hosts = fleet.hosts.map((h) => `${h.address}:${h.port}`).join(' ');
    r.pty.write(hosts);
    await r.waitForScreen('3 hosts:');
    await press(r, KEY.down, focusOn('Import inventory'), 'inventory field');
    await press(r, KEY.down, focusOn('SSH user'), 'SSH user field');
    await press(r, KEY.ctrlU, (s) => !/› SSH user\s+ubuntu/.test(s), 'SSH user emptied');
    r.pty.write(fleet.user);
    await r.waitFor(
      () => new RegExp(`› SSH user\\s+${fleet.user}`).test(r.screen()),
      'SSH user typed',
    );
    await press(r, KEY.down, focusOn('SSH port'), 'SSH port field');
    await press(r, KEY.down, focusOn('SSH key'), 'SSH key field');
    r.pty.write(fleet.clientKey);
    await r.waitForScreen(path.basename(fleet.clientKey));
    await press(r, KEY.enter, (s) => s.includes('discovered'), 'Discovery step');

    // Discovery: the host keys are unknown to this operator's ssh; each one's fingerprint is
    // shown and `a` records it, then the host is probed again.
    const row = (address: string) => new RegExp(`› \\S+ ${address.replace(/\./g, '\\.')}`);
    for (let i = 0; i < fleet.hosts.length; i++) {
      const h = fleet.hosts[i]!;
      await r.waitFor(
        () => r.screen().includes(h.fingerprint),
        `the fingerprint of ${h.address}`,
        60_000,
      );
      // The cursor moves to that host's row (it starts on the first), then `a` accepts.
      if (i > 0) await press(r, KEY.down, (s) => row(h.address).test(s), `cursor on ${h.address}`);
      expect(r.screen()).toMatch(row(h.address));
      r.pty.write('a');
      await r.waitFor(
        () => new RegExp(`✓ ${h.address.replace(/\./g, '\\.')}`).test(r.screen()),
        `${h.address} discovered after its key was accepted`,
        60_000,
      );
    }
    await r.waitForScreen('3/3 discovered', 60_000);
    expect(r.screen()).toMatch(/CPU · .* RAM · .*kernel/);
    const known = readFileSync(world.knownHosts, 'utf8');
    for (const h of fleet.hosts) expect(known).toContain(h.knownHostsLine);
    await press(r, KEY.enter, (s) => s.includes('Recommended: Hyperconverged'), 'Topology');

    // Topology: the recommendation; Roles: automatic.
    await press(r, KEY.enter, (s) => s.includes('checks'), 'Roles');
    await press(r, KEY.enter, (s) => s.includes('Management interface'), 'Network');

    // Network: management prefilled from the facts; provider picked with →; the MetalLB pool,
    // the gateway VIP and the domain typed.
    await r.waitFor(() => r.screen().includes('127.0.0.0/8'), 'management prefill');
    await press(r, KEY.down, focusOn('Provider interface'), 'provider field');
    await press(r, KEY.right, (s) => /Provider interface\s+ens9/.test(s), 'provider ens9');
    for (const label of [
      'Management network',
      'Pod network',
      'Service network',
      'Join network',
      'MetalLB pool',
    ]) {
      await press(r, KEY.down, focusOn(label), label);
    }
    r.pty.write('127.0.200.1-127.0.200.20');
    await r.waitForScreen('127.0.200.1-127.0.200.20');
    await press(r, KEY.down, focusOn('Gateway VIP'), 'gateway VIP field');
    r.pty.write('127.0.200.50');
    await r.waitForScreen('127.0.200.50');
    await press(r, KEY.down, focusOn('Domain'), 'domain field');
    r.pty.write('cloud.example.com');
    await r.waitForScreen('cloud.example.com');
    await press(r, KEY.enter, (s) => s.includes('Backend:'), 'Storage');

    // Storage: Longhorn; Services: the defaults.
    await press(r, KEY.enter, (s) => s.includes('keystone'), 'Services');
    await press(r, KEY.enter, (s) => s.includes('Step 8/8: Review'), 'Review');

    // Review: the config folder (the default is /etc/genestack), then save.
    await press(r, 'c', (s) => /› .*[Cc]onfig/.test(s), 'config folder field');
    await press(r, KEY.ctrlU, (s) => /› Config folder\s+│/.test(s), 'config folder emptied');
    r.pty.write(world.configDir);
    await r.waitForScreen(path.basename(world.configDir));
    await press(r, KEY.enter, (s) => !s.includes('› Config folder'), 'config folder set');
    expect(r.screen()).toContain('✓ valid');
    await press(r, 's', (s) => s.includes('✓ saved'), 'saved');
    r.pty.write(KEY.enter); // leaves, printing the commands to deploy later
    await expectExitRestored(r, 0);

    profilePath = path.join(world.stateDir, 'profiles', `${profileName}.yaml`);
    expect(r.screen()).toContain(`Profile saved: ${profilePath}`);
    expect(existsSync(profilePath)).toBe(true);
    const v = await world.cli(['validate', profilePath]);
    expect(v.exitCode, v.stdout + v.stderr).toBe(0);
    const saved = readFileSync(profilePath, 'utf8');
    for (const h of fleet.hosts) expect(saved).toContain(`address: ${h.address}`);
    expect(saved).toContain('providerInterface: ens9');
    expect(existsSync(path.join(world.configDir, 'inventory', 'inventory.yaml'))).toBe(true);
  }, 180_000);

  it('deploys from the wizard; the terminal killed mid-phase; attach from another shows it going, then done', async () => {
    expect(profilePath, 'the walk above saved the profile').not.toBe('');
    const env = { GENESTACK_INSTALLER_CATALOG: world.catalog('deploy.yaml') };
    const before = world.runIds();
    const r = world.pty(['--profile', profilePath], env);
    await r.waitForScreen('Step 8/8: Review', 60_000);
    await press(r, 's', (s) => s.includes('d deploys now'), 'saved, deploy offered');
    r.pty.write('d');

    // The wizard leaves, the deploy starts the engine and opens the dashboard of the run.
    const runId = await world.waitForNewRun(before, 60_000);
    await r.waitFor(
      () =>
        r.screen().includes(`Genestack deployment · run ${runId}`) &&
        r.screen().includes('Hold on every host'),
      'the dashboard of the run',
      60_000,
    );
    expect(r.output().split(ENTER_ALT).length - 1).toBe(2); // the wizard's screen, the dashboard's
    await waitForHoldRunning(r, 'the hold phase running');

    // The operator's SSH session drops: the terminal's process gets SIGHUP.
    r.pty.kill('SIGHUP');
    await expectExitRestored(r, 129);
    const mid = await statusOf(world, runId);
    expect(mid.state).toBe('running');
    expect(mid.phases.find((p) => p.id === 'hold')?.status).toBe('running');

    // A second terminal attaches: the same run, still in the hold phase.
    const a = world.pty(['attach', runId]);
    await waitForHoldRunning(a, 'attach: the run still going');
    expect(a.screen()).toContain(`Genestack deployment · run ${runId}`);
    world.mark('release');
    await waitForSucceeded(a, 3, 'attach: the run completed');
    a.pty.write('q');
    await expectExitRestored(a, 0);

    const done = await statusOf(world, runId);
    expect(done.state).toBe('succeeded');
    expect(done.exitCode).toBe(0);
    expect(done.phases.map((p) => [p.id, p.status])).toEqual([
      ['write-config', 'succeeded'],
      ['hold', 'succeeded'],
      ['last', 'succeeded'],
    ]);
    expect(world.marks('last')).toBe(1);
  }, 240_000);
});
