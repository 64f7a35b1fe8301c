// End to end, as an operator at the dashboard `deploy` opens: the built installer in a real
// pseudo-terminal (node-pty + @xterm/headless), a real detached engine, real commands and real
// ansible-playbook against sshd on 127.0.0.x. The profile is written as an operator would (the
// wizard's own walk is test/e2e/wizardDeploy.test.ts); the catalogs are test copies given with
// GENESTACK_INSTALLER_CATALOG (test/helpers/e2eWorld.ts).
// 3. A failed phase: its summary (first error, hint, resume command) on the dashboard; the cause
//    fixed; `r` retries from the keyboard; the run completes.
// 4. Ctrl+C on the dashboard asks; `d` detaches and the run goes on (`status`); on another run
//    `a` then `y` aborts it (status aborted, exit code 8).
// After every exit the terminal is back to the normal screen with the cursor shown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import path from 'node:path';
import {
  expectExitRestored,
  startE2eWorld,
  statusOf,
  waitForHoldRunning,
  waitForState,
  waitForSucceeded,
  type E2eWorld,
} from '../helpers/e2eWorld';
import type { PtyRun } from '../helpers/pty';

let world: E2eWorld;
let profile = '';
beforeAll(async () => {
  world = await startE2eWorld({ hosts: 2, firstOctet: 86 });
  world.trustFleet();
  profile = world.writeProfile('dash-lab');
}, 120_000);
afterAll(async () => {
  await world?.stop();
});

/** `deploy PROFILE` in a terminal with a test catalog; resolves once its dashboard shows the run. */
async function deploy(catalog: string, cols = 120): Promise<{ r: PtyRun; runId: string }> {
  const before = world.runIds();
  const r = world.pty(
    ['deploy', profile],
    { GENESTACK_INSTALLER_CATALOG: world.catalog(catalog) },
    { cols, rows: 40 },
  );
  const runId = await world.waitForNewRun(before, 60_000);
  await r.waitForScreen(`Genestack deployment · run ${runId}`, 60_000);
  expect(r.term.buffer.active.type).toBe('alternate');
  return { r, runId };
}

describe('GENESTACK_INSTALLER_CATALOG', () => {
  it('is --catalog FILE, and the flag wins (nothing starts with a missing catalog)', async () => {
    const missing = path.join(world.dir, 'no-such-catalog.yaml');
    const before = world.runIds();
    const fromEnv = await world.cli(['deploy', profile, '--plain'], {
      GENESTACK_INSTALLER_CATALOG: missing,
    });
    expect(fromEnv.exitCode).toBe(1);
    expect(fromEnv.stderr).toContain(`phase catalog not found: ${missing}`);
    const flagWins = await world.cli(['deploy', profile, '--plain', '--catalog', missing], {
      GENESTACK_INSTALLER_CATALOG: world.catalog('deploy.yaml'),
    });
    expect(flagWins.exitCode).toBe(1);
    expect(flagWins.stderr).toContain(`phase catalog not found: ${missing}`);
    expect(world.runIds()).toEqual(before);
  });
});

describe('the dashboard in a real terminal', () => {
  it('shows a failed phase’s summary; the cause fixed, r retries it and the run completes', async () => {
    // Wide enough for the resume command (the temporary folder's path) on one row.
    const { r, runId } = await deploy('dashboard.yaml', 200);
    await r.waitFor(() => r.screen().includes('FAILED'), 'the run failed', 60_000);
    // The failure panel: the phase, its first error, the hint for it, and how to resume.
    await r.waitFor(
      () =>
        r.screen().includes('Could not get lock /var/lib/dpkg/lock-frontend') &&
        r.screen().includes('Another package manager holds the apt/dpkg lock') &&
        r.screen().includes(`genestack-installer deploy ${profile} --resume ${runId}`),
      'the failure summary',
    );
    const screen = r.screen();
    expect(screen).toContain('Fails until fixed');
    expect(screen).toMatch(/r retry/);
    expect(world.marks('flaky')).toBe(1);
    expect(world.marks('after')).toBe(0);

    world.mark('fixed');
    r.pty.write('r');
    await waitForSucceeded(r, 4, 'the retried run completed');
    r.pty.write('q');
    await expectExitRestored(r, 0);

    const s = await statusOf(world, runId);
    expect(s.state).toBe('succeeded');
    expect(s.phases.find((p) => p.id === 'flaky')).toMatchObject({
      status: 'succeeded',
      attempt: 2,
    });
    expect([world.marks('dash-first'), world.marks('flaky'), world.marks('final')]).toEqual([
      1, 2, 1,
    ]);
  }, 120_000);

  it('Ctrl+C asks: d detaches and the run goes on; on another run a, y aborts it (exit 8)', async () => {
    // Detach.
    const one = await deploy('deploy.yaml');
    await waitForHoldRunning(one.r, 'the hold playbook running');
    one.r.pty.write('\x03');
    await one.r.waitForScreen('Leave the dashboard?');
    expect(one.r.screen()).toContain('a abort the run (asks again)');
    one.r.pty.write('d');
    await expectExitRestored(one.r, 0);
    const detached = await statusOf(world, one.runId);
    expect(detached.state).toBe('running');
    expect(detached.phases.find((p) => p.id === 'hold')?.status).toBe('running');
    world.mark('release');
    expect((await waitForState(world, one.runId, ['succeeded', 'failed'])).state).toBe('succeeded');
    rmSync(path.join(world.catalogDir, 'marks', 'release'));

    // Abort.
    const two = await deploy('deploy.yaml');
    await waitForHoldRunning(two.r, 'the hold playbook running');
    two.r.pty.write('\x03');
    await two.r.waitForScreen('Leave the dashboard?');
    two.r.pty.write('a');
    await two.r.waitForScreen('Abort the deployment?');
    two.r.pty.write('y');
    await two.r.waitFor(() => two.r.screen().includes('ABORTED'), 'the run aborted', 60_000);
    two.r.pty.write('q');
    await expectExitRestored(two.r, 8);
    const aborted = await statusOf(world, two.runId);
    expect(aborted.state).toBe('aborted');
    expect(aborted.exitCode).toBe(8);
    expect(aborted.phases.find((p) => p.id === 'hold')?.status).toBe('aborted');
    expect(world.marks('last')).toBe(1); // only the detached run got that far
  }, 180_000);
});
